"""Brain view: maps of the current analysis, crosshair clicks, NIfTI export; region
thumbnails for the Compare and Correlate outcomes."""

from __future__ import annotations

import gzip
from dataclasses import replace

from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from analysis.atlases import in_grid, label_at, world_to_voxel
from analysis.brainmaps import region_map
from analysis.errors import AnalysisError
from app import services
from app.brain_services import VoxelwiseOutcome, masks
from app.callbacks.views import _methods, view_callback
from app.ids import Brain, Page
from components.brain_view import (
    click_to_coords,
    orthogonal_slices,
    region_value_slices,
    surface_view,
)
from components.figures.common import empty_figure
from components.notices import analysis_refused
from components.tables import result_table


def parse_coords(text: str | None) -> tuple[float, float, float] | None:
    """"x,y,z" as a tuple (None when empty; the link validation already checked it)."""
    if not text:
        return None
    x, y, z = (float(v) for v in text.split(","))
    return x, y, z


def _is_cortical_dk(cohort) -> bool:
    atlases = set(cohort.regions["atlas"]) if cohort.regions is not None else set()
    return atlases == {"desikan_killiany"} and len(cohort.regions) >= 20


def _region_figure(cohort, scan, coords):
    values = scan.values()
    title = f"{scan.statistic_name} of {scan.term}, each region"
    if _is_cortical_dk(cohort):
        return surface_view(values, title=title, colorbar_title=scan.statistic_name)
    return region_value_slices(region_map(values, cohort.regions), coords_mm=coords,
                               title=title, colorbar_title=scan.statistic_name)


def _region_table(cohort, scan):
    labels = dict(zip(cohort.regions["region_id"], cohort.regions["label"]))
    table = scan.table.assign(label=scan.table["region"].map(labels),
                              fdr_significant=scan.table["p_adjusted"] < 0.05)
    columns = {"label": "region", "measure": "measure", "n": "n", "statistic": "statistic",
               "p": "p", "p_adjusted": "p (FDR)"}
    return result_table(table, labels=columns, highlight="fdr_significant",
                        caption="Every regional measure (bold: FDR-corrected p < .05)")


def _location(cohort, state, coords) -> list:
    """MNI coordinate, atlas labels there, and the cohort's regions containing it (links)."""
    if coords is None:
        return [html.Span("Click a slice to see its coordinate and atlas labels.",
                          className="text-muted")]
    labels = label_at(coords)
    text = (f"MNI ({coords[0]:g}, {coords[1]:g}, {coords[2]:g}) mm — Harvard-Oxford: "
            f"{labels.get('harvard_oxford') or '—'}; Juelich: {labels.get('juelich') or '—'}.")
    ijk = world_to_voxel(coords)
    inside = [rid for rid, mask in masks(cohort).items()
              if in_grid(ijk) and mask[tuple(ijk)]] if cohort.regions is not None else []
    links = []
    for column, info in cohort.dictionary.items():
        if info.region in inside and not info.levels:
            spec = replace(state.spec("compare"), outcome=column)
            href = "?" + replace(state, view="compare").with_spec(spec).to_query()
            links.append(dcc.Link(f"open {cohort.label(column)} in Compare", href=href,
                                  className="me-3"))
    return [html.Span(text), html.Div(links)] if links else [html.Span(text)]


def _brain_error(message, kind):
    return empty_figure(), "", analysis_refused(message, kind), ""


@view_callback("brain", on_error=_brain_error)
def update_brain(state, cohort, data):
    spec = state.spec("brain")
    coords = parse_coords(spec.coords)
    outcome = services.run("brain", state)
    if isinstance(outcome, VoxelwiseOutcome):
        figure = orthogonal_slices(outcome.glm.t_image(outcome.mask), coords_mm=coords,
                                   threshold=spec.threshold,
                                   title=f"t of {outcome.glm.contrast_name}, |t| > "
                                         f"{spec.threshold:g}")
        table = result_table(outcome.clusters, caption="Clusters (peak labels)")
    else:
        figure, table = _region_figure(cohort, outcome, coords), _region_table(cohort, outcome)
    return (figure, _location(cohort, state, coords), table,
            _methods(outcome, state, cohort, data))


def click_brain(click_data, coords: str | None):
    """A click on a slice moves the crosshair (and so the link) to that voxel."""
    if not click_data or not click_data.get("points"):
        raise PreventUpdate
    try:
        x, y, z = click_to_coords(click_data, None, parse_coords(coords) or (0.0, 0.0, 0.0))
    except (AnalysisError, KeyError, TypeError, ValueError):
        raise PreventUpdate from None       # e.g. a click on the 3-D surface
    return f"{x:.0f},{y:.0f},{z:.0f}"


def export_nifti(n_clicks, rendered):
    """The map on screen as a NIfTI file (t map, or region statistics painted)."""
    if not n_clicks or not rendered:
        raise PreventUpdate
    state, _ = services.decode(rendered)
    cohort = services.load(state.cohort)
    try:
        outcome = services.run("brain", state)
    except AnalysisError:
        raise PreventUpdate from None
    image = (outcome.glm.t_image(outcome.mask) if isinstance(outcome, VoxelwiseOutcome)
             else region_map(outcome.values(), cohort.regions))
    name = f"{state.cohort}_{state.spec('brain').mode}_map.nii.gz"
    return dcc.send_bytes(gzip.compress(image.to_bytes(), mtime=0), name)


def register(app) -> None:
    app.callback(Output(Brain.FIGURE, "figure"), Output(Brain.LOCATION, "children"),
                 Output(Brain.RESULTS, "children"), Output(Brain.METHODS, "children"),
                 Input(Page.STATE, "data"))(update_brain)
    app.callback(Output(Brain.COORDS, "value"), Input(Brain.FIGURE, "clickData"),
                 State(Brain.COORDS, "value"), prevent_initial_call=True)(click_brain)
    app.callback(Output(Brain.NIFTI_DOWNLOAD, "data"), Input(Brain.NIFTI, "n_clicks"),
                 State(Page.STATE, "data"), prevent_initial_call=True)(export_nifti)
