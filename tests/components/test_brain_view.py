"""Brain views: orthogonal slices, the click helper, region-map slices and the DK surface.

Positions are checked against nibabel's own affine arithmetic (``apply_affine`` on the
template's affine), not against the helpers of the module under test.
"""

from __future__ import annotations

import math
import time

import nibabel as nib
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from nibabel.affines import apply_affine
from nilearn.datasets import load_fsaverage, load_mni152_template
from scipy.ndimage import gaussian_filter

from analysis.errors import InvalidSpec
from components.brain_view import (
    PANELS,
    click_to_coords,
    dk_vertex_labels,
    orthogonal_slices,
    region_value_slices,
    surface_view,
)

TEMPLATE = load_mni152_template(resolution=2)
SHAPE, AFFINE = TEMPLATE.shape, TEMPLATE.affine
REGIONS = pd.read_csv("data/cohorts/martins2022_morphometric_similarity/regions.tsv", sep="\t")


def _image(data: np.ndarray) -> nib.Nifti1Image:
    return nib.Nifti1Image(data.astype(np.float32), AFFINE)


def _smooth_map(seed: int = 0) -> np.ndarray:
    """A realistic t-like map: smoothed noise scaled to sd 3, NaN outside the head."""
    noise = gaussian_filter(np.random.default_rng(seed).normal(size=SHAPE), 3)
    data = 3 * noise / noise.std()
    data[np.asarray(TEMPLATE.dataobj) == 0] = np.nan
    return data


def _cell(trace, x_mm: float, y_mm: float) -> float:
    column = int(np.flatnonzero(np.isclose(np.asarray(trace.x), x_mm))[0])
    row = int(np.flatnonzero(np.isclose(np.asarray(trace.y), y_mm))[0])
    return float(np.asarray(trace.z)[row, column])


# ---- orthogonal slices -------------------------------------------------------------------

def test_three_panels_with_template_and_overlay_and_crosshairs_at_the_cut():
    fig = orthogonal_slices(_image(_smooth_map()), coords_mm=(10, -20, 30), threshold=2.0)
    heatmaps = [t for t in fig.data if isinstance(t, go.Heatmap)]
    assert len(heatmaps) == 6
    assert [t.xaxis for t in fig.data] == ["x", "x2", "x3"] * 2
    assert [t.name for t in fig.data] == [*PANELS, *(f"{p} overlay" for p in PANELS)]
    expected = {"axial": (10, -20), "coronal": (10, 30), "sagittal": (-20, 30)}
    for panel, (vertical_x, horizontal_y) in expected.items():
        vertical = next(s for s in fig.layout.shapes if s.name == f"{panel} vertical")
        horizontal = next(s for s in fig.layout.shapes if s.name == f"{panel} horizontal")
        assert vertical.x0 == vertical.x1 == vertical_x
        assert horizontal.y0 == horizontal.y1 == horizontal_y
    # Equal aspect: every y axis is anchored to its x axis at 1 mm = 1 mm.
    for suffix in ("", "2", "3"):
        assert fig.layout[f"yaxis{suffix}"].scaleanchor == f"x{suffix}"
        assert fig.layout[f"yaxis{suffix}"].scaleratio == 1


def test_a_voxel_value_appears_at_its_mm_coordinate_in_every_panel():
    data = np.full(SHAPE, np.nan, dtype=np.float32)
    ijk = (60, 40, 50)
    data[ijk] = 5.25
    x, y, z = apply_affine(AFFINE, ijk)  # nibabel's arithmetic: (22, -54, 28) mm
    fig = orthogonal_slices(_image(data), coords_mm=(x, y, z))
    axial, coronal, sagittal = fig.data[3:6]
    assert _cell(axial, x, y) == pytest.approx(5.25)
    assert _cell(coronal, x, z) == pytest.approx(5.25)
    assert _cell(sagittal, y, z) == pytest.approx(5.25)
    # A neighbour 2 mm away is empty (NaN = transparent), so the value is not smeared.
    assert math.isnan(_cell(axial, x + 2, y))
    # Default cut = the peak voxel.
    assert orthogonal_slices(_image(data)).layout.shapes[0].x0 == x


def test_threshold_hides_sub_threshold_voxels_but_keeps_the_colour_range():
    data = np.full(SHAPE, np.nan, dtype=np.float32)
    data[50, 60, 40], data[52, 60, 40], data[54, 60, 40] = 1.5, -3.0, 4.0
    xyz = apply_affine(AFFINE, (52, 60, 40))
    fig = orthogonal_slices(_image(data), coords_mm=xyz, threshold=2.0)
    axial = fig.data[3]
    y = xyz[1]
    assert math.isnan(_cell(axial, apply_affine(AFFINE, (50, 60, 40))[0], y))
    assert _cell(axial, xyz[0], y) == pytest.approx(-3.0)
    assert _cell(axial, apply_affine(AFFINE, (54, 60, 40))[0], y) == pytest.approx(4.0)
    assert (axial.zmin, axial.zmax, axial.zmid) == (-4.0, 4.0, 0.0)
    # The hidden value is still reported on hover (template trace's customdata).
    template_axial = fig.data[0]
    column = int(np.flatnonzero(np.isclose(template_axial.x, xyz[0] - 4))[0])
    row = int(np.flatnonzero(np.isclose(template_axial.y, y))[0])
    assert np.asarray(template_axial.customdata)[row, column] == pytest.approx(1.5)
    assert "mm" in template_axial.hovertemplate and "customdata" in template_axial.hovertemplate


def test_exact_zeros_are_transparent_in_stat_maps_and_every_plane_has_the_grid_shape():
    data = np.zeros(SHAPE, dtype=np.float32)
    fig = orthogonal_slices(data, coords_mm=(0, 0, 0))
    assert all(np.isnan(np.asarray(t.z, dtype=float)).all() for t in fig.data[3:6])
    assert np.asarray(fig.data[0].z).shape == (SHAPE[1], SHAPE[0])  # axial: y rows, x columns
    assert np.asarray(fig.data[1].z).shape == (SHAPE[2], SHAPE[0])  # coronal: z rows, x columns
    assert np.asarray(fig.data[2].z).shape == (SHAPE[2], SHAPE[1])  # sagittal: z rows, y columns
    assert np.asarray(fig.data[0].z).dtype == np.uint8


def test_template_alone_when_no_statistic():
    fig = orthogonal_slices(None, coords_mm=(0, -18, 18))
    assert len(fig.data) == 3
    assert all(t.customdata is None for t in fig.data)


def test_slice_figure_json_stays_under_1_5_mb_and_is_fast_enough_to_report():
    image = _image(_smooth_map(1))
    orthogonal_slices(image)  # warm the template cache
    start = time.perf_counter()
    fig = orthogonal_slices(image, threshold=0.0)
    elapsed_ms = 1000 * (time.perf_counter() - start)
    size = len(fig.to_json())
    print(f"slice figure: {size / 1e6:.2f} MB JSON, built in {elapsed_ms:.0f} ms")
    assert size < 1_500_000


def test_images_off_the_grid_are_refused_with_their_geometry():
    one_mm = nib.Nifti1Image(np.zeros((10, 10, 10), np.float32), np.eye(4))
    with pytest.raises(InvalidSpec, match=r"shape \(10, 10, 10\)"):
        orthogonal_slices(one_mm)
    with pytest.raises(InvalidSpec, match="shape"):
        orthogonal_slices(np.zeros((91, 109, 91)))


# ---- click helper ------------------------------------------------------------------------

@pytest.mark.parametrize("panel, point, expected", [
    ("axial", {"x": 10, "y": -20}, (10.0, -20.0, 30.0)),
    ("coronal", {"x": -40, "y": 8}, (-40.0, 4.0, 8.0)),
    ("sagittal", {"x": -20, "y": 8}, (2.0, -20.0, 8.0)),
])
def test_click_sets_the_two_in_plane_coordinates_and_keeps_the_third(panel, point, expected):
    assert click_to_coords({"points": [point]}, panel, (2, 4, 30)) == expected


def test_click_panel_is_inferred_from_the_trace_and_coordinates_snap_to_the_grid():
    # curveNumber 4 = coronal overlay (traces: 3 templates, then 3 overlays, panel order).
    click = {"points": [{"curveNumber": 4, "x": 11.3, "y": -7.2}]}
    # Grid centres are -98 + 2i (x), -72 + 2k (z): 11.3 -> 12, -7.2 -> -8, 5 -> 4 or 6.
    x, y, z = click_to_coords(click, None, (0, 5.2, 0))
    assert (x, z) == (12.0, -8.0) and y in (4.0, 6.0)
    assert click_to_coords(None, "axial", (0.4, 0, 500)) == (0.0, 0.0, 116.0)  # clipped
    with pytest.raises(InvalidSpec, match="panel 'top'"):
        click_to_coords({"points": [{"x": 0, "y": 0}]}, "top", (0, 0, 0))


# ---- region map slices -------------------------------------------------------------------

def test_region_map_shows_a_region_painted_with_zero_and_cuts_through_its_centre():
    data = np.full(SHAPE, np.nan, dtype=np.float32)
    data[40:46, 70:76, 50:56] = 1.3   # a 6-voxel cube, centre voxel (43, 73, 53) or neighbours
    data[60:64, 30:34, 30:34] = 0.0   # a region whose statistic is exactly 0
    fig = region_value_slices(_image(data))
    cut = (fig.layout.shapes[0].x0, fig.layout.shapes[1].y0, fig.layout.shapes[3].y0)
    inside = [apply_affine(AFFINE, (i, 73, 53))[0] for i in (42, 43)]
    assert cut[0] in inside
    assert fig.data[3].zmid is None and fig.data[3].colorscale[0][1] == "#440154"  # Viridis
    zero_at = apply_affine(AFFINE, (61, 31, 31))
    zero_fig = region_value_slices(_image(data), coords_mm=zero_at)
    assert _cell(zero_fig.data[3], zero_at[0], zero_at[1]) == 0.0


# ---- surface ----------------------------------------------------------------------------

def test_surface_has_every_fsaverage5_vertex_and_paints_a_region_with_its_value():
    fig = surface_view({"ctx-lh-precentral": 2.5, "rh_insula": -1.75}, title="t")
    meshes = [t for t in fig.data if isinstance(t, go.Mesh3d)]
    assert len(meshes) == 2
    fsaverage = load_fsaverage("fsaverage5")
    for mesh, hemi in zip(meshes, ("left", "right")):
        assert len(mesh.x) == len(fsaverage["pial"].parts[hemi].coordinates) == 10242
        assert len(mesh.i) == 20480
    left = meshes[0]
    labels = np.asarray(dk_vertex_labels("left"))
    faces = np.stack([left.i, left.j, left.k], axis=1).astype(int)
    intensity = np.asarray(left.intensity)
    inside = (labels[faces] == "ctx-lh-precentral").all(axis=1)
    assert inside.sum() > 200
    assert np.allclose(intensity[inside], 2.5)
    outside = (labels[faces] != "ctx-lh-precentral").all(axis=1)
    assert (intensity[outside] < left.cmin + 1e-6).all()   # grey: the "no value" step
    texts = np.asarray(left.text)
    assert set(texts[labels == "ctx-lh-precentral"]) == {"precentral: 2.5"}
    right_labels = np.asarray(dk_vertex_labels("right"))
    assert set(np.asarray(meshes[1].text)[right_labels == "ctx-rh-insula"]) == {"insula: -1.75"}
    assert (fig.layout.scene.camera.eye.x < 0) and (fig.layout.scene2.camera.eye.x > 0)


def test_vertex_labels_cover_the_cortex_and_sit_where_the_regions_are():
    for hemi, sign in (("left", -1), ("right", 1)):
        labels = np.asarray(dk_vertex_labels(hemi))
        short = "lh" if hemi == "left" else "rh"
        expected = set(REGIONS.loc[REGIONS.region_id.str.startswith(short), "atlas_label"])
        assert set(labels) - {""} == expected            # all 34 DK regions, nothing else
        assert (labels == "").mean() < 0.10               # medial wall and gaps only
        xyz = load_fsaverage("fsaverage5")["pial"].parts[hemi].coordinates
        # Precentral gyrus (Desikan et al. 2006): lateral, between about y = -35 and +10 mm.
        centre = xyz[labels == f"ctx-{short}-precentral"].mean(axis=0)
        assert sign * centre[0] > 20 and -35 < centre[1] < 10 and centre[2] > 20


def test_surface_threshold_region_ids_and_unknown_regions():
    values = {"lh_precentral": 0.5, "ctx-lh-insula": 3.0}
    fig = surface_view(values, threshold=1.0)
    labels = np.asarray(dk_vertex_labels("left"))
    text = np.asarray(fig.data[0].text)
    assert set(text[labels == "ctx-lh-precentral"]) == {"precentral"}   # below threshold
    assert set(text[labels == "ctx-lh-insula"]) == {"insula: 3"}
    with pytest.raises(InvalidSpec, match="'ctx-lh-nowhere'"):
        surface_view({"ctx-lh-nowhere": 1.0})


def test_surface_json_stays_under_2_mb_with_all_68_regions():
    rng = np.random.default_rng(0)
    values = dict(zip(REGIONS.atlas_label, rng.normal(0, 2, len(REGIONS))))
    size = len(surface_view(values, title="Case-control t").to_json())
    print(f"surface figure: {size / 1e6:.2f} MB JSON")
    assert size < 2_000_000
