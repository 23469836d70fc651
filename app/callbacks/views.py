"""Analysis views: STATE -> cached analysis -> components. One small function per view."""

from __future__ import annotations

import functools
from urllib.parse import parse_qsl

from dash import Input, Output, html, no_update
from dash.exceptions import PreventUpdate

from analysis.correlate import partial_residuals
from analysis.errors import AnalysisError
from analysis.subgroups import Subgroup
from app import services
from app.callbacks.safety import guarded
from app.ids import Compare, Correlate, Mediate, Overview, Page
from app.region_figures import region_thumbnail
from app.specs import control_levels
from components.cell_table import cell_count_table
from components.figures.common import empty_figure
from components.figures.compare import cell_figure, interaction_figure
from components.figures.correlate import matrix_figure, scatter_figure
from components.figures.mediate import bootstrap_figure, path_diagram
from components.methods import methods_paragraph
from components.notices import analysis_refused, notice_list
from components.table_one import table_one_view
from components.tables import result_table


def view_callback(kind: str, *, on_error):
    """Turn ``render(state, cohort, data)`` into the callback of view `kind`.

    The callback decodes the link, skips the work when `kind` is not on screen, memoizes
    the rendered outputs (services.cached_view) and turns failures into a notice
    (safety.guarded). ``.render`` keeps the undecorated function for tests.
    """
    def wrap(render):
        @guarded(on_error)
        @functools.wraps(render)
        def update(rendered):
            state, cohort, data = active(rendered, kind)
            return services.cached_view(kind, state, lambda: render(state, cohort, data))
        update.render = render
        return update
    return wrap


def active(rendered: str | None, view: str):
    """(state, cohort, data) when `view` is on screen; otherwise skip the work.

    The view key is read from the link before decoding it, so the hidden views, which are
    told about every change too, cost almost nothing.
    """
    if not isinstance(rendered, str) or dict(parse_qsl(rendered)).get("view", "overview") != view:
        raise PreventUpdate
    state, _ = services.decode(rendered)
    if state.view != view:
        raise PreventUpdate
    cohort, data = services.selection(state)
    return state, cohort, data


def _methods(result, state, cohort, data):
    return methods_paragraph(result.methods_text(), subgroup=state.subgroup, cohort=cohort,
                             n_selected=len(data))


def _warnings(result):
    return notice_list(list(getattr(result, "warnings", ()) or ()), color="warning")


def _figures_error(n_figures: int, n_other: int):
    def on_error(message, kind):
        return (*[empty_figure()] * n_figures, analysis_refused(message, kind), "",
                *[no_update] * n_other)
    return on_error


@view_callback("overview", on_error=lambda message, kind: (analysis_refused(message, kind), ""))
def update_overview(state, cohort, data):
    table = services.run("overview", state)
    by = state.spec("overview").by
    text = (f"Participants described by {cohort.label(by)}: numeric variables as mean and SD "
            "with Welch's t test (two groups) or one-way ANOVA; categorical variables as counts "
            "with Pearson's chi-square test.")
    labels = {c: _label_with_units(cohort, c) for c in cohort.dictionary}
    return (table_one_view(table, by_label=cohort.label(by), labels=labels),
            methods_paragraph(text, subgroup=state.subgroup, cohort=cohort, n_selected=len(data)))


def _label_with_units(cohort, column: str) -> str:
    units = cohort.dictionary[column].units
    return f"{cohort.label(column)} ({units})" if units else cohort.label(column)


def _cells_of(data, spec):
    complete = data.dropna(subset=[spec.outcome, *spec.factors, *spec.covariates])
    return Subgroup().cell_counts(complete, list(spec.factors))


@view_callback("compare", on_error=_figures_error(2, 3))
def update_compare(state, cohort, data):
    spec = state.spec("compare")
    counts = cell_count_table(_cells_of(data, spec), list(spec.factors)) if spec.factors else ""
    controls = [{"label": v, "value": v} for v in control_levels(cohort, spec.factors)]
    region = region_thumbnail(cohort, spec.outcome)
    try:
        result = services.run("compare", state)
    except AnalysisError as error:
        return (empty_figure(), empty_figure(), analysis_refused(str(error)), "", counts,
                controls, region)
    label = cohort.label(spec.outcome)
    tables = [
        _warnings(result),
        result_table(result.table, caption="Tests"),
        result_table(result.cells, caption="Cells (mean, SD, SE, 95% CI)"),
        result_table(result.posthoc, caption="Post hoc comparisons")
        if result.posthoc is not None else html.Div(),
    ]
    names = {f: cohort.label(f) for f in spec.factors}
    return (cell_figure(data, result, outcome_label=label, labels=names),
            interaction_figure(result, outcome_label=label, labels=names), tables,
            _methods(result, state, cohort, data), counts, controls, region)


@view_callback("correlate", on_error=_figures_error(1, 1))
def update_correlate(state, cohort, data):
    spec = state.spec("correlate")
    result = services.run("correlate", state)
    labels = {c: cohort.label(c) for c in cohort.dictionary}
    if spec.mode == "matrix":
        figure = matrix_figure(result, labels=labels)
    else:
        points = partial_residuals(data, spec.x, spec.y, list(spec.covariates), spec.method,
                                   by=list(spec.by))
        figure = scatter_figure(points, result, x_label=labels.get(spec.x, spec.x),
                                y_label=labels.get(spec.y, spec.y))
    region = region_thumbnail(cohort, spec.y) if spec.mode == "pair" else \
        empty_figure("", height=20)
    return (figure, [_warnings(result), result_table(result.table, caption="Correlations")],
            _methods(result, state, cohort, data), region)


@view_callback("mediate", on_error=_figures_error(2, 0))
def update_mediate(state, cohort, data):
    result = services.run("mediate", state)
    labels = {c: cohort.label(c) for c in cohort.dictionary}
    single = result.results[0] if hasattr(result, "results") else result
    tables = [_warnings(single), result_table(single.table, caption=(
        f"Paths and indirect effect ({single.n_boot:,} resamples, seed {single.seed}, "
        f"{'bias-corrected' if single.ci == 'bc' else 'percentile'} bootstrap CI)"))]
    if hasattr(result, "results"):
        tables.append(result_table(result.table, caption="All six orderings",
                                   highlight="significant"))
    return (path_diagram(single, labels=labels), bootstrap_figure(single), tables,
            _methods(result, state, cohort, data))


def register(app) -> None:
    state = Input(Page.STATE, "data")
    app.callback(Output(Overview.TABLE, "children"), Output(Overview.METHODS, "children"),
                 state)(update_overview)
    app.callback(Output(Compare.FIGURE, "figure"), Output(Compare.INTERACTION, "figure"),
                 Output(Compare.RESULTS, "children"), Output(Compare.METHODS, "children"),
                 Output(Compare.CELL_COUNTS, "children"), Output(Compare.CONTROL, "options"),
                 Output(Compare.REGION, "figure"), state)(update_compare)
    app.callback(Output(Correlate.FIGURE, "figure"), Output(Correlate.RESULTS, "children"),
                 Output(Correlate.METHODS, "children"), Output(Correlate.REGION, "figure"),
                 state)(update_correlate)
    app.callback(Output(Mediate.DIAGRAM, "figure"), Output(Mediate.BOOT_FIGURE, "figure"),
                 Output(Mediate.RESULTS, "children"), Output(Mediate.METHODS, "children"),
                 state)(update_mediate)
