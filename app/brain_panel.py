"""Controls and outputs of the Brain view."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.brain_services import has_maps
from app.callbacks.permutations import fwe_controls
from app.ids import Brain
from app.panels import _layout, _option_sets
from components.controls import dropdown, export_button, labelled, select


def brain_panel(cohort, spec) -> dbc.Row:
    """Mode (all regions / voxelwise), what to map, threshold, crosshair, exports."""
    numeric, factors, covariates = _option_sets(cohort)
    modes = [("all regions (current Compare/Correlate analysis)", "regions")]
    if has_maps(cohort):
        modes.append(("voxelwise map of the subgroup", "voxelwise"))
    controls = [
        select(Brain.MODE, "Map", modes, spec.mode),
        select(Brain.SOURCE, "All regions: analysis", [("as in Compare", "compare"),
                                                       ("as in Correlate (x vs region)",
                                                        "correlate")], spec.source),
        dropdown(Brain.EFFECT, "Voxelwise: effect", factors + numeric, spec.effect,
                 help_text="A two-level factor (group difference) or a numeric column "
                           "(regression, e.g. BDI)."),
        dropdown(Brain.COVARIATES, "Voxelwise: covariates", covariates, list(spec.covariates),
                 multi=True),
        select(Brain.THRESHOLD, "Voxelwise: threshold |t|", [(f"{t:g}", t) for t in
                                                 (2.0, 2.5, 3.0, 3.5, 4.0, 5.0)],
               spec.threshold),
        labelled("Crosshair (MNI x,y,z mm)",
                 dbc.Input(id=Brain.COORDS, value=spec.coords, size="sm", debounce=True,
                           placeholder="peak", type="text"),
                 control_id=Brain.COORDS, help_text="Click a slice to move it."),
    ]
    outputs = html.Div([
        dcc.Loading(dcc.Graph(id=Brain.FIGURE, className="pce-graph", config={
            "displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2,
                                                          "filename": f"{cohort.id}_brain"}}),
            delay_show=300, type="dot"),
        html.Div(id=Brain.LOCATION, className="small mb-2"),
        fwe_controls() if has_maps(cohort) else html.Div(),
        dcc.Loading(html.Div(id=Brain.RESULTS), delay_show=300, type="dot"),
        html.Div([html.H2("Methods", className="h6 mt-3"),
                  html.P(id=Brain.METHODS, className="small methods-text")]),
        html.Div([export_button(Brain.EXPORT, Brain.DOWNLOAD),
                  dbc.Button("Download map (NIfTI)", id=Brain.NIFTI, size="sm",
                             color="secondary", outline=True, className="ms-2"),
                  dcc.Download(id=Brain.NIFTI_DOWNLOAD)]),
    ])
    return _layout(controls, outputs)
