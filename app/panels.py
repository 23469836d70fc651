"""The controls and output areas of each analysis view, built for one cohort and spec."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.ids import Compare, Correlate, Mediate, Overview, Paper, Repeated
from app.specs import control_levels
from components.controls import column_options, dropdown, export_button, select, switch


def _columns(cohort, roles, numeric: bool | None = None) -> list[str]:
    return [c for c, i in cohort.dictionary.items() if i.role in roles
            and (numeric is None or numeric == (not i.levels))]


def _region_graph(graph_id: str) -> dcc.Graph:
    """Small slices of the region of the current imaging variable."""
    return dcc.Graph(id=graph_id, config={"displayModeBar": False}, className="mt-2",
                     style={"height": "auto"})


def _option_sets(cohort) -> tuple[list, list, list]:
    """Dropdown options: numeric variables, grouping factors, adjustment variables."""
    numeric = column_options(cohort, _columns(cohort, ("measure", "covariate"), numeric=True))
    factors = column_options(cohort, _columns(cohort, ("factor", "covariate"), numeric=False),
                             group_by_modality=False)
    covariates = column_options(cohort, _columns(cohort, ("covariate", "measure", "factor")))
    return numeric, factors, covariates


def _outputs(figure_ids: list[str], results_id: str, methods_id: str, export: tuple[str, str],
             extra=None) -> html.Div:
    figures = [dcc.Graph(id=fid, config={"displaylogo": False, "responsive": True},
                         className="pce-graph") for fid in figure_ids]
    return html.Div([
        dcc.Loading(html.Div(figures), delay_show=300, type="dot"),
        *(extra or []),
        dcc.Loading(html.Div(id=results_id, className="mt-2"), delay_show=300, type="dot"),
        html.Div([html.H2("Methods", className="h6 mt-3"),
                  html.P(id=methods_id, className="small methods-text")]),
        export_button(*export),
    ])


def _layout(controls: list, outputs) -> dbc.Row:
    return dbc.Row([dbc.Col(dbc.Card(dbc.CardBody(controls), className="controls-card"),
                            md=4, lg=3), dbc.Col(outputs, md=8, lg=9)], className="g-3")


def overview_panel(cohort, spec) -> dbc.Row:
    factors = column_options(cohort, _columns(cohort, ("factor", "covariate"), numeric=False),
                             group_by_modality=False)
    controls = [dropdown(Overview.BY, "Columns of the table: levels of", factors, spec.by)]
    outputs = html.Div([
        dcc.Loading(html.Div(id=Overview.TABLE), delay_show=300, type="dot"),
        html.Div([html.H2("Methods", className="h6 mt-3"),
                  html.P(id=Overview.METHODS, className="small methods-text")]),
        export_button(Overview.EXPORT, Overview.DOWNLOAD)])
    return _layout(controls, outputs)


def compare_panel(cohort, spec) -> dbc.Row:
    numeric, factors, covariates = _option_sets(cohort)
    controls = [
        dropdown(Compare.OUTCOME, "Outcome", numeric, spec.outcome),
        dropdown(Compare.FACTORS, "Factors (one or two)", factors, list(spec.factors), multi=True),
        dropdown(Compare.COVARIATES, "Covariates (ANCOVA)", covariates, list(spec.covariates),
                 multi=True),
        select(Compare.TEST, "Test", [("automatic", "auto"), ("Student t", "student"),
                                      ("Welch t", "welch"), ("Mann-Whitney U", "mannwhitney"),
                                      ("ANOVA", "anova"), ("ANCOVA", "ancova"),
                                      ("Kruskal-Wallis", "kruskal")], spec.test),
        select(Compare.SS_TYPE, "Sums of squares", [("type III (SPSS default)", 3),
                                                    ("type II (car::Anova default)", 2)],
               spec.ss_type),
        select(Compare.POSTHOC, "Post hoc", [("none", "none"), ("Tukey", "tukey"),
                                             ("Dunnett vs control", "dunnett"),
                                             ("Holm", "holm"), ("Bonferroni", "bonferroni")],
               spec.posthoc),
        dropdown(Compare.CONTROL, "Control level (Dunnett)",
                 [{"label": v, "value": v} for v in control_levels(cohort, spec.factors)],
                 spec.control,
                 clearable=True, placeholder="first level"),
        select(Compare.ALTERNATIVE, "Alternative", [("two-sided", "two-sided"),
                                                    ("greater", "greater"), ("less", "less")],
               spec.alternative),
        html.Div(id=Compare.CELL_COUNTS, className="mt-2"),
        _region_graph(Compare.REGION),
    ]
    outputs = _outputs([Compare.FIGURE, Compare.INTERACTION], Compare.RESULTS, Compare.METHODS,
                       (Compare.EXPORT, Compare.DOWNLOAD))
    return _layout(controls, outputs)


def correlate_panel(cohort, spec) -> dbc.Row:
    numeric, factors, covariates = _option_sets(cohort)
    controls = [
        select(Correlate.MODE, "Mode", [("two variables", "pair"), ("matrix", "matrix")],
               spec.mode),
        dropdown(Correlate.X, "x", numeric, spec.x),
        dropdown(Correlate.Y, "y", numeric, spec.y),
        dropdown(Correlate.COLUMNS, "Variables (matrix mode)", numeric, list(spec.columns),
                 multi=True),
        select(Correlate.METHOD, "Method", [("Spearman", "spearman"), ("Pearson", "pearson")],
               spec.method),
        dropdown(Correlate.COVARIATES, "Partial out", covariates, list(spec.covariates),
                 multi=True),
        dropdown(Correlate.BY, "Split by", factors, list(spec.by), multi=True),
        select(Correlate.CORRECTION, "Correction across rows",
               [("Holm", "holm"), ("Bonferroni", "bonferroni"),
                ("Benjamini-Hochberg FDR", "bh"), ("none", "none")], spec.correction),
        _region_graph(Correlate.REGION),
    ]
    outputs = _outputs([Correlate.FIGURE], Correlate.RESULTS, Correlate.METHODS,
                       (Correlate.EXPORT, Correlate.DOWNLOAD))
    return _layout(controls, outputs)


def mediate_panel(cohort, spec) -> dbc.Row:
    numeric, _, covariates = _option_sets(cohort)
    controls = [
        dropdown(Mediate.X, "X (predictor)", numeric, spec.x),
        dropdown(Mediate.M, "M (mediator)", numeric, spec.m),
        dropdown(Mediate.Y, "Y (outcome)", numeric, spec.y),
        dropdown(Mediate.COVARIATES, "Covariates", covariates, list(spec.covariates), multi=True),
        select(Mediate.N_BOOT, "Bootstrap resamples", [(f"{n:,}", n) for n in
                                                       (1000, 2000, 5000, 10000)], spec.n_boot),
        select(Mediate.CI, "Interval", [("bias-corrected", "bc"), ("percentile", "percentile")],
               spec.ci),
        html.Div([dbc.Label("Seed", html_for=Mediate.SEED, className="small fw-semibold mb-1"),
                  dbc.Input(id=Mediate.SEED, type="number", min=0, step=1, value=spec.seed,
                            size="sm", debounce=True)], className="mb-2"),
        switch(Mediate.ALL_ORDERS, "All six orderings of X, M, Y", spec.all_orders),
    ]
    outputs = _outputs([Mediate.DIAGRAM, Mediate.BOOT_FIGURE], Mediate.RESULTS, Mediate.METHODS,
                       (Mediate.EXPORT, Mediate.DOWNLOAD))
    return _layout(controls, outputs)


def repeated_panel(cohort, spec) -> dbc.Row:
    table = cohort.long_tables.get(spec.table) if spec.table else None
    long_columns = [c for c in (table.columns if table is not None else []) if c != "participant_id"]
    between = _columns(cohort, ("factor", "covariate"), numeric=False)
    opts = [{"label": c, "value": c} for c in long_columns]
    controls = [
        dropdown(Repeated.TABLE, "Table", [{"label": n, "value": n} for n in cohort.long_tables],
                 spec.table),
        dropdown(Repeated.OUTCOME, "Outcome", opts, spec.outcome),
        dropdown(Repeated.FIXED, "Fixed effects (with two-way interactions)",
                 opts + [{"label": f"{c} (between)", "value": c} for c in between],
                 list(spec.fixed), multi=True),
        dropdown(Repeated.OVER, "Time axis of the plot", opts, spec.over),
    ]
    outputs = _outputs([Repeated.FIGURE], Repeated.RESULTS, Repeated.METHODS,
                       (Repeated.EXPORT, Repeated.DOWNLOAD))
    if not cohort.long_tables:
        controls.insert(0, html.P("This cohort has no repeated-measures table.",
                                  className="text-muted small"))
    return _layout(controls, outputs)


def paper_panel(cohort, spec=None) -> html.Div:
    return html.Div([
        html.P("Each published finding of the paper, recomputed on the current subgroup. "
               "With the full cohort selected, the recomputed numbers come from the simulated "
               "data and should land near the published ones.", className="small text-muted"),
        dcc.Loading(html.Div(id=Paper.RESULTS), delay_show=300, type="dot"),
        html.P(id=Paper.METHODS, className="small methods-text"),
        export_button(Paper.EXPORT, Paper.DOWNLOAD),
    ])
