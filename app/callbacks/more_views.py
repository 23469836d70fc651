"""Repeated-measures and Paper views."""

from __future__ import annotations

from dash import Input, Output, dcc, html

from analysis.repeated import condition_means
from app import services
from app.callbacks.views import _figures_error, _methods, _warnings, view_callback
from app.ids import Page, Paper, Repeated
from app.links import finding_link
from components.figures.common import empty_figure
from components.figures.repeated import condition_means_figure
from components.format import fmt_num, fmt_p, fmt_p_clause
from components.methods import methods_paragraph
from components.notices import analysis_refused
from components.tables import result_table


@view_callback("repeated", on_error=_figures_error(1, 0))
def update_repeated(state, cohort, data):
    spec = state.spec("repeated")
    if spec.table is None or spec.table not in cohort.long_tables:
        return (empty_figure("This cohort has no repeated-measures table."), "", "")
    result = services.run("repeated", state)
    table = cohort.long_tables[spec.table]
    table = table[table["participant_id"].isin(data["participant_id"])]
    by = [f for f in spec.fixed if f != spec.over]
    means = condition_means(table, spec.outcome, by=by, over=spec.over,
                            between=data) if spec.over else None
    return (condition_means_figure(means, over=spec.over, outcome=spec.outcome, by=by),
            [_warnings(result), result_table(result.table, caption="Fixed effects")],
            _methods(result, state, cohort, data))


def _published_text(published) -> str:
    p_text = f"p {published.p_operator} {fmt_p(published.p)}" if published.p is not None else ""
    if published.value is None:
        return p_text
    df = f"({', '.join(f'{d:g}' for d in published.df)})" if published.df else ""
    return f"{published.statistic}{df} = {fmt_num(published.value)}, {p_text}".rstrip(", ")


def _status(check) -> tuple[str, str]:
    if not check.finding.reproducible:
        return "not reproducible", "text-muted"
    if check.error is not None:
        return "refused", "text-warning"
    return ("✓ reproduced", "text-success") if check.passed else ("✗ differs", "text-danger")


def _finding_row(check, state) -> html.Tr:
    finding = check.finding
    status, style = _status(check)
    recomputed = check.error or (f"{fmt_num(check.value)}, {fmt_p_clause(check.p)}"
                                 if check.value is not None else fmt_p_clause(check.p))
    reason = finding.not_reproducible_reason if not finding.reproducible else None
    return html.Tr([
        html.Td([html.Div(finding.title, className="fw-semibold"),
                 html.Div(finding.source, className="text-muted small"),
                 html.Div(reason, className="small fst-italic") if reason else None]),
        html.Td(_published_text(finding.published)),
        html.Td(recomputed if finding.reproducible else "—"),
        html.Td(status, className=style),
        html.Td(dcc.Link("open", href=finding_link(finding, state),
                         className="btn btn-link btn-sm p-0")
                if finding.analysis in ("compare", "correlate", "mediate") else ""),
    ])


@view_callback("paper", on_error=lambda message, kind: (analysis_refused(message, kind), ""))
def update_paper(state, cohort, data):
    checks = services.run("paper", state)
    if not checks:
        return html.P("This cohort has no findings file.", className="text-muted"), ""
    header = html.Thead(html.Tr([html.Th(h) for h in ("Finding", "Published", "Recomputed",
                                                        "Status", "")]))
    table = html.Table([header, html.Tbody([_finding_row(c, state) for c in checks])],
                       className="table table-sm table-striped paper-table")
    n_ok = sum(c.passed for c in checks)
    n_reproducible = sum(c.finding.reproducible for c in checks)
    text = (f"{n_ok} of {n_reproducible} reproducible findings reproduced (published direction, same "
            "significance decision at the paper's alpha, statistic within the stated "
            "tolerance). Greyed rows cannot be reproduced from a participants table; the "
            "reason is in the findings file.")
    return table, methods_paragraph(text, subgroup=state.subgroup, cohort=cohort,
                                    n_selected=len(data))


def register(app) -> None:
    state = Input(Page.STATE, "data")
    app.callback(Output(Repeated.FIGURE, "figure"), Output(Repeated.RESULTS, "children"),
                 Output(Repeated.METHODS, "children"), state)(update_repeated)
    app.callback(Output(Paper.RESULTS, "children"), Output(Paper.METHODS, "children"),
                 state)(update_paper)
