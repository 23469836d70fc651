"""Orthogonal slices (axial, coronal, sagittal) of a brain map over the MNI152 2 mm template.

Pure functions from images/arrays on THE GRID (nilearn's bundled MNI152 template at 2 mm,
shape 99 x 117 x 95) to Plotly figures. Axes are in MNI millimetres, so hover and
``clickData`` carry millimetre coordinates; :func:`click_to_coords` turns a click into the
next cut. Never calls ``analysis/``, never reads a file other than nilearn's bundled template.
The cortical surface view lives in :mod:`components.brain_surface`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from analysis.errors import InvalidSpec
from components.brain_grid import (
    AXES,
    PANELS,
    grid_affine,
    grid_shape,
    snap_to_grid,
    template_uint8,
    voxel_to_mm,
)
from components.brain_surface import dk_vertex_labels, surface_view
from components.figures.common import base_layout

__all__ = [
    "PANELS",
    "click_to_coords",
    "dk_vertex_labels",
    "orthogonal_slices",
    "region_value_slices",
    "surface_view",
]

# Template intensity 0 (outside the head) is white; tissue runs from dark to light grey.
_TEMPLATE_SCALE = [[0.0, "#ffffff"], [0.5 / 255, "#ffffff"], [0.5 / 255, "#141414"],
                   [1.0, "#f2f2f2"]]
_CROSSHAIR = "rgba(0, 150, 80, 0.85)"


def orthogonal_slices(stat_image=None, *, coords_mm: Sequence[float] | None = None,
                      threshold: float = 0.0, colorscale: str = "RdBu_r",
                      vmax: float | None = None, title: str | None = None,
                      symmetric: bool = True, colorbar_title: str = "t",
                      height: int = 330) -> go.Figure:
    """Axial, coronal and sagittal cuts of a statistic map over the MNI152 template.

    Parameters
    ----------
    stat_image : nibabel image or ndarray on THE GRID (99 x 117 x 95), or None
        The statistic (t, z, ...). NaN, exact zeros and ``|v| < threshold`` are transparent.
        None draws the template alone.
    coords_mm : (x, y, z) in MNI mm, optional
        The cut; snapped to the nearest voxel centre. Default: the voxel of largest ``|v|``
        above threshold (the middle one when a plateau, as in a region map), else the origin.
    threshold : float
        Voxels with ``|v| < threshold`` are hidden (the colour scale is not changed).
    colorscale, vmax, symmetric
        Colour scale; ``vmax`` defaults to the largest finite ``|v|``. Symmetric scales run
        from ``-vmax`` to ``vmax`` around 0; otherwise from the minimum to ``vmax``.
    title, colorbar_title, height
        Figure title, colour-bar title and figure height in pixels.

    Returns
    -------
    go.Figure
        Traces 0-2: the template per panel (axial, coronal, sagittal); traces 3-5 (only with a
        statistic): the overlay per panel. Crosshairs are layout shapes.
    """
    data = None if stat_image is None else _grid_array(stat_image)
    return _slices(data, coords_mm=coords_mm, threshold=threshold, colorscale=colorscale,
                   vmax=vmax, vmin=None, title=title, symmetric=symmetric,
                   colorbar_title=colorbar_title, height=height, hide_zero=True)


def region_value_slices(region_map, *, coords_mm: Sequence[float] | None = None,
                        colorscale: str | None = None, vmax: float | None = None,
                        vmin: float | None = None, symmetric: bool | None = None,
                        title: str | None = None, colorbar_title: str = "value",
                        height: int = 330) -> go.Figure:
    """Orthogonal slices of a region map (every region painted with one statistic).

    Like :func:`orthogonal_slices`, but only NaN is transparent (a region painted with 0 is
    shown) and the colour scale adapts: ``symmetric=None`` means symmetric around 0 when the
    values have both signs (colour scale RdBu_r), else min-to-max (Viridis), which suits
    SUVR or volumes. The default cut is the centre of the region with the largest ``|value|``.
    """
    data = _grid_array(region_map)
    finite = data[np.isfinite(data)]
    if symmetric is None:
        symmetric = bool(finite.size) and finite.min() < 0 < finite.max()
    if colorscale is None:
        colorscale = "RdBu_r" if symmetric else "Viridis"
    return _slices(data, coords_mm=coords_mm, threshold=0.0, colorscale=colorscale,
                   vmax=vmax, vmin=vmin, title=title, symmetric=symmetric,
                   colorbar_title=colorbar_title, height=height, hide_zero=False)


def click_to_coords(click_data: Mapping | None, panel: str | None,
                    current: Sequence[float]) -> tuple[float, float, float]:
    """The new MNI coordinate (mm, on THE GRID) after a click on one panel.

    ``panel`` is "axial", "coronal" or "sagittal"; None infers it from the clicked trace
    (``curveNumber``; traces come in panel order, see :func:`orthogonal_slices`). The click
    sets the two in-plane coordinates, the third one is kept from ``current``. No click
    (None or no points) returns ``current`` snapped to the grid.
    """
    points = (click_data or {}).get("points") or []
    xyz = [float(v) for v in current]
    if not points:
        return snap_to_grid(xyz)
    point = points[0]
    if panel is None:
        panel = PANELS[int(point.get("curveNumber", 0)) % len(PANELS)]
    if panel not in AXES:
        raise InvalidSpec(f"panel {panel!r} is not one of {', '.join(PANELS)}.")
    horizontal, vertical, _ = AXES[panel]
    xyz[horizontal], xyz[vertical] = float(point["x"]), float(point["y"])
    return snap_to_grid(xyz)


def _grid_array(image) -> np.ndarray:
    """The image's data as float32 on THE GRID; anything else is refused with its geometry."""
    if hasattr(image, "affine") and hasattr(image, "dataobj"):
        affine = np.asarray(image.affine)
        data = np.asarray(image.dataobj, dtype=np.float32)
        if data.ndim == 4 and data.shape[3] == 1:
            data = data[..., 0]
        if data.shape != grid_shape() or not np.allclose(affine, grid_affine(), atol=1e-3):
            raise InvalidSpec(
                f"image has shape {data.shape} and affine diagonal {np.diag(affine)[:3]}; the "
                f"brain view needs THE GRID (MNI152 2 mm, shape {grid_shape()}): resample it "
                f"first (nilearn.image.resample_to_img).")
        return data
    data = np.asarray(image, dtype=np.float32)
    if data.shape != grid_shape():
        raise InvalidSpec(f"array has shape {data.shape}; the brain view needs shape "
                          f"{grid_shape()} (THE GRID, MNI152 2 mm).")
    return data


def _default_cut(shown: np.ndarray | None) -> tuple[float, float, float]:
    """The voxel of largest |v| (for a plateau, the one nearest the plateau's centre)."""
    if shown is None or not np.isfinite(shown).any():
        return snap_to_grid((0.0, 0.0, 0.0))
    magnitude = np.abs(np.nan_to_num(shown, nan=-1.0))
    peak = np.argwhere(magnitude >= magnitude.max() - 1e-6 * max(magnitude.max(), 1.0))
    centre = peak.mean(axis=0)
    best = peak[np.argmin(((peak - centre) ** 2).sum(axis=1))]
    return voxel_to_mm(best)


def _colour_range(data, *, vmax, vmin, symmetric) -> tuple[float, float]:
    finite = data[np.isfinite(data)]
    top = float(vmax) if vmax is not None else (float(np.abs(finite).max()) if finite.size
                                                 else 1.0)
    top = top if top > 0 else 1.0
    if symmetric:
        return -top, top
    low = float(vmin) if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    return (low, top) if low < top else (top - 1.0, top)


def _slices(data, *, coords_mm, threshold, colorscale, vmax, vmin, title, symmetric,
            colorbar_title, height, hide_zero) -> go.Figure:
    shown = None
    if data is not None:
        hidden = ~np.isfinite(data) | (np.abs(data) < threshold)
        if hide_zero:
            hidden |= data == 0
        shown = np.where(hidden, np.float32(np.nan), data).astype(np.float32)
    cut = snap_to_grid(coords_mm) if coords_mm is not None else _default_cut(shown)
    ijk = _mm_to_index(cut)
    template = template_uint8()
    traces = [_template_trace(template, panel, ijk, cut, data) for panel in PANELS]
    if shown is not None:
        low, high = _colour_range(data, vmax=vmax, vmin=vmin, symmetric=symmetric)
        traces += [_overlay_trace(shown, panel, ijk, colorscale, low, high, symmetric,
                                  colorbar_title, show_scale=panel == PANELS[-1])
                   for panel in PANELS]
    for number, trace in enumerate(traces):
        suffix = _axis_suffix(number % len(PANELS))
        trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
    # One go.Figure from plain dicts: make_subplots/add_shape cost ~100 ms more per figure.
    fig = go.Figure(data=traces, layout=_layout(cut), skip_invalid=False)
    base_layout(fig, title=title, height=height)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 56 if title else 30, "b": 6},
                      hovermode="closest", dragmode=False, showlegend=False,
                      plot_bgcolor="#ffffff", uirevision="brain-slices")
    return fig


def _mm_to_index(xyz) -> tuple[int, int, int]:
    origin, step = grid_affine()[:3, 3], np.diag(grid_affine())[:3]
    return tuple(round((float(v) - o) / s) for v, o, s in zip(xyz, origin, step))


def _plane(volume: np.ndarray, panel: str, ijk) -> np.ndarray:
    """The 2-D cut as (rows = vertical axis, columns = horizontal axis)."""
    _, _, fixed = AXES[panel]
    return np.take(volume, ijk[fixed], axis=fixed).T


def _axis_mm(axis: int) -> np.ndarray:
    origin, step = grid_affine()[axis, 3], grid_affine()[axis, axis]
    return (origin + step * np.arange(grid_shape()[axis])).astype(np.float32)


def _template_trace(template, panel, ijk, cut, data) -> go.Heatmap:
    horizontal, vertical, fixed = AXES[panel]
    names = "xyz"
    pos = {names[horizontal]: "%{x:.0f}", names[vertical]: "%{y:.0f}",
           names[fixed]: f"{cut[fixed]:.0f}"}
    where = f"{pos['x']}, {pos['y']}, {pos['z']} mm"
    trace = go.Heatmap(z=_plane(template, panel, ijk), x=_axis_mm(horizontal),
                       y=_axis_mm(vertical), colorscale=_TEMPLATE_SCALE, zmin=0, zmax=255,
                       showscale=False, name=panel, hovertemplate=where + "<extra></extra>")
    if data is not None:
        values = np.round(_plane(data, panel, ijk), 3).astype(np.float32)
        trace.update(customdata=values,
                     hovertemplate=where + ": %{customdata:.3g}<extra></extra>")
    return trace


def _overlay_trace(shown, panel, ijk, colorscale, low, high, symmetric, colorbar_title,
                   *, show_scale) -> go.Heatmap:
    horizontal, vertical, _ = AXES[panel]
    plane = np.round(_plane(shown, panel, ijk), 3).astype(np.float32)
    return go.Heatmap(z=plane, x=_axis_mm(horizontal), y=_axis_mm(vertical),
                      colorscale=colorscale, zmin=low, zmax=high,
                      zmid=0.0 if symmetric else None, showscale=show_scale,
                      colorbar={"title": {"text": colorbar_title, "side": "right"},
                                "thickness": 12, "len": 0.85, "x": 1.0, "xpad": 4,
                                "outlinewidth": 0},
                      hoverinfo="skip", hoverongaps=False, name=f"{panel} overlay")


def _panel_title(panel: str, cut) -> str:
    _, _, fixed = AXES[panel]
    return f"{panel.capitalize()}  {'xyz'[fixed]} = {cut[fixed]:.0f} mm"


def _axis_suffix(index: int) -> str:
    return "" if index == 0 else str(index + 1)


def _layout(cut) -> dict:
    """Three side-by-side panels in mm with equal aspect, crosshairs, titles and L/R marks."""
    widths = [float(grid_affine()[AXES[p][0], AXES[p][0]] * grid_shape()[AXES[p][0]])
              for p in PANELS]
    gap, total = 0.02, sum(widths)
    layout, shapes, notes, left = {}, [], [], 0.0
    for index, panel in enumerate(PANELS):
        horizontal, vertical, _ = AXES[panel]
        right = left + (1 - gap * (len(PANELS) - 1)) * widths[index] / total
        xs, ys = _axis_mm(horizontal), _axis_mm(vertical)
        xr, yr = [float(xs[0]) - 1, float(xs[-1]) + 1], [float(ys[0]) - 1, float(ys[-1]) + 1]
        suffix = _axis_suffix(index)
        x_name, y_name = f"x{suffix}", f"y{suffix}"
        layout[f"xaxis{suffix}"] = {"domain": [left, right], "range": xr, "visible": False,
                                    "anchor": y_name, "constrain": "domain", "fixedrange": True}
        layout[f"yaxis{suffix}"] = {"domain": [0, 1], "range": yr, "visible": False,
                                    "anchor": x_name, "scaleanchor": x_name, "scaleratio": 1,
                                    "constrain": "domain", "fixedrange": True}
        line = {"color": _CROSSHAIR, "width": 1}
        shapes += [{"type": "line", "xref": x_name, "yref": y_name, "x0": cut[horizontal],
                    "x1": cut[horizontal], "y0": yr[0], "y1": yr[1], "line": line,
                    "name": f"{panel} vertical"},
                   {"type": "line", "xref": x_name, "yref": y_name, "x0": xr[0], "x1": xr[1],
                    "y0": cut[vertical], "y1": cut[vertical], "line": line,
                    "name": f"{panel} horizontal"}]
        notes.append({"text": _panel_title(panel, cut), "showarrow": False, "xref": "paper",
                      "yref": "paper", "x": (left + right) / 2, "y": 1.0, "yanchor": "bottom",
                      "font": {"size": 13}})
        if panel != "sagittal":
            notes += [{"text": text, "x": x, "y": yr[1], "xref": x_name, "yref": y_name,
                       "showarrow": False, "xanchor": anchor, "yanchor": "top",
                       "font": {"size": 11, "color": "#6c757d"}}
                      for text, x, anchor in (("L", xr[0], "left"), ("R", xr[1], "right"))]
        left = right + gap
    return {**layout, "shapes": shapes, "annotations": notes}
