"""Brain view: family-wise-error-corrected voxelwise map by 1,000 permutations, run as a
Dash background callback (Diskcache by default, Celery on Redis in deployments) with a
progress bar and a cancel button."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate

from analysis.brainmaps import cluster_table
from analysis.voxelwise import permutation_fwe
from app import services
from app.brain_services import has_maps, voxel_inputs
from app.callbacks.safety import guarded
from app.ids import Brain, Page
from components.format import fmt_num
from components.notices import analysis_refused
from components.tables import result_table

N_PERMUTATIONS = 1000


def n_permutations() -> int:
    """Permutations per job (a module constant, so tests can run a short job)."""
    return N_PERMUTATIONS


def fwe_controls() -> html.Div:
    """Run / cancel buttons and the progress bar (rendered in the Brain panel)."""
    return html.Div([
        dbc.Button(f"FWE-correct: {N_PERMUTATIONS:,} permutations", id=Brain.FWE_RUN,
                   size="sm", color="primary", outline=True, className="me-2"),
        dbc.Button("Cancel", id=Brain.FWE_CANCEL, size="sm", color="secondary", outline=True,
                   disabled=True),
        dbc.Progress(id=Brain.FWE_PROGRESS, value=0, max=N_PERMUTATIONS, className="mt-2",
                     style={"height": "6px"}),
        html.Div(id=Brain.FWE_RESULT, className="mt-2"),
    ], className="mb-2")


@guarded(lambda message, kind: analysis_refused(message, kind))
def run_fwe(set_progress, n_clicks, rendered):
    """Freedman-Lane max-T permutation test of the voxelwise effect on screen.

    Runs outside the web request (no Flask context, no result cache): it decodes the link
    and calls analysis/ directly; the seed is fixed, so the same link gives the same p.
    """
    if not n_clicks or not rendered:
        raise PreventUpdate
    state, _ = services.decode(rendered)
    cohort, data = services.selection(state)
    return _fwe_summary(cohort, data, state.spec("brain"), set_progress)


def _fwe_summary(cohort, data, spec, set_progress):
    if spec.mode != "voxelwise" or not has_maps(cohort) or not spec.effect:
        return html.P("Choose the voxelwise map of a PET cohort first.", className="small")
    maps, design, rows = voxel_inputs(cohort, data, spec)
    result = permutation_fwe(maps.data[rows], design, design.attrs["effect_column"],
                             n_perm=n_permutations(), seed=0, mask=maps.mask,
                             progress=lambda done, total: set_progress((done, total)))
    threshold = result.t_threshold(0.05)
    clusters = cluster_table(result.glm.t_image(maps.mask), threshold, min_voxels=1)
    return html.Div([
        html.P(f"Voxelwise FWE-corrected threshold (p < .05, {n_permutations():,} Freedman-Lane "
               f"permutations, seed 0): |t| > {fmt_num(threshold)}; "
               f"{int((result.p_fwe < 0.05).sum())} voxels survive.", className="small"),
        result_table(clusters, caption="Clusters surviving FWE correction"),
    ])


def register(app) -> None:
    app.callback(
        Output(Brain.FWE_RESULT, "children"), Input(Brain.FWE_RUN, "n_clicks"),
        State(Page.STATE, "data"), background=True, prevent_initial_call=True,
        running=[(Output(Brain.FWE_RUN, "disabled"), True, False),
                 (Output(Brain.FWE_CANCEL, "disabled"), False, True)],
        progress=[Output(Brain.FWE_PROGRESS, "value"), Output(Brain.FWE_PROGRESS, "max")],
        cancel=[Input(Brain.FWE_CANCEL, "n_clicks")])(run_fwe)
