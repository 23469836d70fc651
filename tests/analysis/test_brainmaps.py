"""Region masks of every bundled cohort, region maps, and cluster tables vs nilearn/scipy."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from nilearn.reporting import get_clusters_table
from scipy import ndimage

from analysis.atlases import brain_mask, grid, grid_image, label_at, voxel_to_world
from analysis.brainmaps import cluster_table, region_map, region_mask, region_masks, region_values
from analysis.errors import CohortError, InsufficientData, InvalidSpec, UnknownColumn

COHORTS = Path(__file__).resolve().parents[2] / "data" / "cohorts"
VOXEL_MM3 = 8.0
HALF_DIAGONAL = math.sqrt(3.0)   # mm, half the diagonal of a 2 mm voxel

KNOWN_BAD_ROWS: dict = {}
"""Rows of the bundled regions.tsv files known to be wrong (none since the white-matter
clusters moved to Desikan-Killiany labels and the dlPFC to the right hemisphere)."""


def _read_regions(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    frame = frame.mask(frame.isin(["n/a", ""]))
    for column in ("x", "y", "z", "radius_mm"):
        frame[column] = pd.to_numeric(frame[column])
    return frame


def _bundled_rows():
    for path in sorted(COHORTS.glob("*/regions.tsv")):
        for row in _read_regions(path).to_dict("records"):
            key = (path.parent.name, row["region_id"])
            marks = [pytest.mark.xfail(reason=KNOWN_BAD_ROWS[key], strict=True)] \
                if key in KNOWN_BAD_ROWS else []
            yield pytest.param(row, id=f"{key[0]}:{key[1]}", marks=marks)


def _centre(mask: np.ndarray) -> np.ndarray:
    return voxel_to_world(np.argwhere(mask).mean(axis=0))


def _side(row: dict) -> int:
    text = f"{row['region_id']} {row['label']}".lower()
    if text.startswith(("lh_", "left")):
        return -1
    return 1 if text.startswith(("rh_", "right")) else 0


@pytest.mark.parametrize("row", list(_bundled_rows()))
def test_every_bundled_region_has_a_sensible_mask(row):
    mask = region_mask(row)
    n = int(mask.sum())
    assert n > 0
    # >= 95 % inside nilearn's MNI152 brain mask (atlas regions measured 0.96-1.00)
    assert brain_mask()[mask].mean() >= 0.95
    # from a 3 mm seed sphere (19 voxels = 152 mm3) to a hemisphere's white matter (~300 mL)
    assert 100 <= n * VOXEL_MM3 <= 400_000
    x = _centre(mask)[0]
    side = _side(row)
    assert (side == 0) or (side * x > 2), f"centre x = {x:.1f} mm for a side {side} region"


def test_bundled_cohort_masks_are_cached():
    regions = _read_regions(COHORTS / "martins2022_morphometric_similarity" / "regions.tsv")
    masks = region_masks(regions)
    again = region_masks(regions)
    assert all(again[k] is masks[k] for k in masks)   # the same arrays: no recomputation
    assert not masks["lh_postcentral"].flags.writeable


def test_unknown_labels_are_reported_with_file_region_and_closest_labels():
    regions = _read_regions(COHORTS / "alshelh2022_clbp_subtypes" / "regions.tsv")
    typo = {"region_id": "s1", "atlas": "harvard_oxford_cortical",
            "atlas_label": "Postcentral Gyrs", "x": None, "y": None, "z": None,
            "radius_mm": None}
    regions = pd.concat([regions, pd.DataFrame([typo])], ignore_index=True)
    with pytest.raises(CohortError) as info:
        region_masks(regions, source="alshelh2022_clbp_subtypes/regions.tsv")
    message = str(info.value)
    assert message.startswith("alshelh2022_clbp_subtypes/regions.tsv: 1 problem(s)")
    assert "'s1'" in message and "'Left Postcentral Gyrus'" in message


@pytest.mark.parametrize("row, fragment", [
    ({"region_id": "a", "atlas": "sphere", "x": 0, "y": 0, "z": None, "radius_mm": 5}, "x, y, z"),
    ({"region_id": "b", "atlas": "sphere", "x": 0, "y": 0, "z": 0, "radius_mm": -1}, "radius"),
    ({"region_id": "c", "atlas": "sphere", "x": 900, "y": 0, "z": 0, "radius_mm": 5}, "no voxel"),
    ({"region_id": "d", "atlas": "brodmann", "atlas_label": "BA4"}, "'brodmann'"),
    ({"region_id": "e", "atlas": "juelich", "atlas_label": "n/a"}, "atlas_label"),
])
def test_region_mask_rejects_bad_rows(row, fragment):
    with pytest.raises(CohortError, match=fragment):
        region_mask(row)


@pytest.mark.parametrize("centre, radius", [
    ((-10, 36, 22), 3.0), ((0, -30, -10), 6.4), ((1, -17, 5.5), 10.0), ((0, -16, 6), 14.2)])
def test_sphere_volume_and_centre(centre, radius):
    mask = region_mask({"region_id": "s", "atlas": "sphere", "x": centre[0],
                        "y": centre[1], "z": centre[2], "radius_mm": radius})
    volume = mask.sum() * VOXEL_MM3
    ball = 4 / 3 * math.pi
    # a voxel whose centre is within r lies inside r + half-diagonal, and every point
    # within r - half-diagonal lies in such a voxel: a rigorous bound on the voxel count
    assert ball * (radius - HALF_DIAGONAL) ** 3 <= volume <= ball * (radius + HALF_DIAGONAL) ** 3
    if radius >= 6:   # lattice-count error shrinks with r; measured <= 7 % from 6.4 mm up
        assert volume == pytest.approx(ball * radius ** 3, rel=0.10)
    assert np.all(np.abs(_centre(mask) - centre) <= 2.0)   # within one voxel
    ijk = np.indices(grid().shape).reshape(3, -1).T   # brute force via nibabel's affine
    dist = np.linalg.norm(nib.affines.apply_affine(grid().affine, ijk) - centre, axis=1)
    np.testing.assert_array_equal(mask.ravel(), dist <= radius)


def _atlas_row(atlas: str, label: str) -> dict:
    return {"region_id": label, "atlas": atlas, "atlas_label": label}


@pytest.mark.parametrize("atlas, label, x_sign, y_range", [
    ("harvard_oxford_cortical", "Left Postcentral Gyrus", -1, (-40, -10)),
    ("desikan_killiany", "ctx-lh-postcentral", -1, (-40, -10)),
    ("harvard_oxford_subcortical", "Right Thalamus", 1, (-30, -10)),
    ("juelich", "GM Anterior intra-parietal sulcus hIP1 L", -1, (-70, -40)),
    ("aal", "Precentral_R", 1, (-30, 5)),
])
def test_atlas_region_centre_lies_in_its_hemisphere_and_lobe(atlas, label, x_sign, y_range):
    x, y, _ = _centre(region_mask(_atlas_row(atlas, label)))
    assert x_sign * x > 10
    assert y_range[0] < y < y_range[1]


def test_bilateral_label_is_union_of_both_hemispheres():
    both = region_mask(_atlas_row("harvard_oxford_cortical", "Postcentral Gyrus"))
    left = region_mask(_atlas_row("harvard_oxford_cortical", "Left Postcentral Gyrus"))
    right = region_mask(_atlas_row("harvard_oxford_cortical", "Right Postcentral Gyrus"))
    joined = region_mask(_atlas_row("harvard_oxford_cortical",
                                    "Left Postcentral Gyrus; Right Postcentral Gyrus"))
    np.testing.assert_array_equal(both, left | right)
    np.testing.assert_array_equal(both, joined)
    assert not (left & right).any()
    with pytest.raises(CohortError, match="harvard_oxford_subcortical"):
        region_mask({**_atlas_row("harvard_oxford_subcortical", "Postcentral Gyrus")})


@pytest.fixture(scope="module")
def dk_regions():
    return _read_regions(COHORTS / "martins2022_morphometric_similarity" / "regions.tsv")


def test_region_map_round_trips_values(dk_regions):
    rng = np.random.default_rng(1)
    values = dict(zip(dk_regions["region_id"], rng.normal(size=len(dk_regions)), strict=True))
    image = region_map(values, dk_regions)
    assert image.get_data_dtype() == np.float32 and image.shape == grid().shape
    np.testing.assert_array_equal(image.affine, grid().affine)
    back = region_values(image, dk_regions)
    assert back == {k: float(np.float32(v)) for k, v in values.items()}   # float32 storage
    quarters = {k: i / 4 for i, k in enumerate(values)}   # exactly representable
    assert region_values(region_map(quarters, dk_regions), dk_regions) == quarters
    data = np.asarray(image.dataobj)
    painted = np.logical_or.reduce(list(region_masks(dk_regions).values()))
    assert np.isnan(data[~painted]).all() and np.isfinite(data[painted]).all()


def test_region_values_equal_scipy_labelled_means(dk_regions):
    masks = region_masks(dk_regions)
    labels = np.zeros(grid().shape, dtype=int)
    for number, mask in enumerate(masks.values(), start=1):
        labels[mask] = number
    data = np.random.default_rng(2).normal(size=grid().shape)
    expected = ndimage.mean(data, labels, np.arange(1, len(masks) + 1))
    ours = region_values(data, dk_regions)
    np.testing.assert_allclose(list(ours.values()), expected, rtol=1e-12)


def test_region_map_paints_smaller_region_over_larger():
    regions = pd.DataFrame([
        {"region_id": "inner", "atlas": "sphere", "atlas_label": None, "x": 0, "y": -16,
         "z": 6, "radius_mm": 4.0},
        {"region_id": "outer", "atlas": "sphere", "atlas_label": None, "x": 0, "y": -16,
         "z": 6, "radius_mm": 12.0}])
    data = np.asarray(region_map({"inner": 5.0, "outer": 1.0}, regions).dataobj)
    masks = region_masks(regions)
    assert (data[masks["inner"]] == 5.0).all()
    assert (data[masks["outer"] & ~masks["inner"]] == 1.0).all()


def test_region_map_and_values_reject_bad_input(dk_regions):
    with pytest.raises(UnknownColumn, match="'lh_postcentrl'"):
        region_map({"lh_postcentrl": 1.0}, dk_regions)
    with pytest.raises(InvalidSpec, match="lh_postcentral"):
        region_map({"lh_postcentral": "high"}, dk_regions)
    shifted = nib.Nifti1Image(np.zeros(grid().shape, np.float32), np.diag([3, 3, 3, 1]))
    with pytest.raises(InvalidSpec, match="resample"):
        region_values(shifted, dk_regions)
    with pytest.raises(InsufficientData, match="'lh_bankssts'"):
        region_values(region_map({"lh_postcentral": 1.0}, dk_regions), dk_regions)


def _blob_map() -> nib.Nifti1Image:
    """Three boxes of known size: +120 voxels (peak 7.0), -27 voxels (peak -5.5), +4 voxels."""
    data = np.zeros(grid().shape, dtype=np.float32)
    data[25:29, 50:55, 60:66] = 4.0                  # 4 x 5 x 6 = 120 voxels
    data[27, 52, 63] = 7.0
    data[70:73, 55:58, 60:63] = -4.0                 # 3 x 3 x 3 = 27 voxels
    data[71, 56, 61] = -5.5
    data[45:47, 20:22, 40] = 3.5                     # 2 x 2 x 1 = 4 voxels (below min size)
    data[10, 10, 10] = np.nan
    return grid_image(data)


def test_cluster_table_finds_blobs_of_known_size_and_peak():
    table = cluster_table(_blob_map(), 3.0, min_voxels=10)
    assert list(table["cluster"]) == [1, 2]
    assert list(table["sign"]) == ["positive", "negative"]
    assert list(table["size_voxels"]) == [120, 27]
    assert list(table["volume_mm3"]) == [960.0, 216.0]
    assert list(table["peak_stat"]) == [7.0, -5.5]
    peak = voxel_to_world((27, 52, 63))
    assert table.loc[0, ["peak_x", "peak_y", "peak_z"]].tolist() == peak.tolist()
    assert table.loc[0, "harvard_oxford"] == label_at(tuple(peak))["harvard_oxford"]
    one_sided = cluster_table(_blob_map(), 3.0, two_sided=False, min_voxels=1)
    assert list(one_sided["size_voxels"]) == [120, 4]


def _gaussian_map() -> nib.Nifti1Image:
    """Two smooth blobs (sigma 4 mm): +6 at MNI (-40, -26, 54), -5 at (40, -20, 50)."""
    xyz = voxel_to_world(np.indices(grid().shape).reshape(3, -1).T)
    data = np.zeros(len(xyz))
    for peak, centre in ((6.0, (-40.0, -26.0, 54.0)), (-5.0, (40.0, -20.0, 50.0))):
        data += peak * np.exp(-np.sum((xyz - centre) ** 2, axis=1) / (2 * 4.0 ** 2))
    return grid_image(data.reshape(grid().shape).astype(np.float32))


@pytest.mark.parametrize("make_map", [_blob_map, _gaussian_map])
def test_cluster_table_agrees_with_nilearn_get_clusters_table(make_map):
    image = make_map()
    ours = cluster_table(image, 3.0, min_voxels=10)
    with warnings.catch_warnings():   # nilearn warns about the NaN voxel and plateaus
        warnings.simplefilter("ignore", UserWarning)
        theirs = get_clusters_table(image, stat_threshold=3.0, cluster_threshold=10,
                                    two_sided=True)
    peaks = theirs[theirs["Cluster Size (mm3)"] != ""]
    assert len(ours) == len(peaks) == 2
    assert sorted(peaks["Cluster Size (mm3)"].astype(float)) == sorted(ours["volume_mm3"])
    expected = {tuple(r) for r in peaks[["X", "Y", "Z", "Peak Stat"]].astype(float).to_numpy()}
    got = {tuple(r) for r in ours[["peak_x", "peak_y", "peak_z", "peak_stat"]].to_numpy()}
    assert got == expected


def test_cluster_table_gaussian_peaks_sit_at_the_blob_centres():
    table = cluster_table(_gaussian_map(), 3.0)
    assert table[["peak_x", "peak_y", "peak_z"]].to_numpy().tolist() == [
        [-40.0, -26.0, 54.0], [40.0, -20.0, 50.0]]
    np.testing.assert_allclose(table["peak_stat"], [6.0, -5.0], rtol=1e-6)   # float32 map
    # voxels within sigma * sqrt(2 ln(peak / 3)) of the centre exceed 3 (lattice count)
    for row, peak in zip(table.itertuples(), (6.0, 5.0), strict=True):
        radius = 4.0 * math.sqrt(2 * math.log(peak / 3.0))
        ball = 4 / 3 * math.pi
        low, high = (ball * (radius + d) ** 3 / VOXEL_MM3 for d in (-HALF_DIAGONAL,
                                                                      HALF_DIAGONAL))
        assert low <= row.size_voxels <= high


@pytest.mark.parametrize("kwargs, fragment", [
    ({"threshold": 0}, "threshold"), ({"threshold": float("nan")}, "threshold"),
    ({"threshold": 3.0, "min_voxels": 0}, "min_voxels"),
])
def test_cluster_table_rejects_bad_arguments(kwargs, fragment):
    with pytest.raises(InvalidSpec, match=fragment):
        cluster_table(_blob_map(), **kwargs)


def test_cluster_table_without_clusters_is_empty_with_columns():
    table = cluster_table(_blob_map(), 100.0)
    assert table.empty and "peak_stat" in table.columns
