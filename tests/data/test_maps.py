"""Simulated PET maps (data/simulation/maps.py) honour participants.tsv region by region,
carry the papers' effects where they were reported and nowhere else, are smooth at 8 mm,
reproducible and cached.

Every check recomputes its statistic independently with plain numpy/scipy: region means
from analysis.brainmaps.region_masks, t maps by OLS written out here, smoothness from the
neighbour correlation of smoothed white noise.
"""

from __future__ import annotations

import filecmp
import math
import time

import nibabel as nib
import numpy as np
import pytest
from scipy import stats

from analysis.atlases import grid
from analysis.brainmaps import region_masks, region_values
from analysis.cohort import load_cohort
from analysis.errors import InvalidSpec
from data.simulation import maps, maps_cache
from data.simulation.maps_fit import match_region_means, region_fit, region_means
from data.simulation.maps_noise import smooth_noise

PET = ("clbp_pet_negative_affect", "alshelh2022_clbp_subtypes")
T_CRIT = stats.t.ppf(0.995, 52)  # two-sided p < .01 at df 52 (scipy), about 2.67


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("maps")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(maps_cache.ENV_VAR, str(root))
        yield root


class _Lazy(dict):
    """Builds each cohort's entry on first use, so one broken cohort fails only its tests."""

    def __init__(self, build):
        super().__init__()
        self._build = build

    def __missing__(self, cohort_id):
        self[cohort_id] = value = self._build(cohort_id)
        return value


@pytest.fixture(scope="module")
def mapsets(cache_root):
    return _Lazy(maps.participant_maps)


@pytest.fixture(scope="module")
def masks():
    """Region masks of each PET cohort (the app's definition of a region)."""
    return _Lazy(lambda cohort_id: region_masks(load_cohort(cohort_id).regions))


def _in_mask(mapset, region_mask):
    return np.asarray(region_mask, dtype=bool)[mapset.mask]


def _ols_t(data: np.ndarray, regressor: np.ndarray) -> np.ndarray:
    """t of the regressor's slope in y = b0 + b1 x at every voxel (textbook OLS)."""
    design = np.column_stack([np.ones_like(regressor), regressor])
    beta, *_ = np.linalg.lstsq(design, data, rcond=None)
    resid = data - design @ beta
    dof = len(regressor) - design.shape[1]
    var_b1 = np.linalg.inv(design.T @ design)[1, 1]
    return beta[1] / np.sqrt((resid ** 2).sum(axis=0) / dof * var_b1)


def _sphere(center_mm, radius_mm):
    affine = grid().affine
    ijk = np.indices(grid().shape).reshape(3, -1).T
    xyz = ijk @ affine[:3, :3].T + affine[:3, 3]
    return (np.linalg.norm(xyz - np.asarray(center_mm), axis=1) <= radius_mm).reshape(
        grid().shape)


@pytest.mark.parametrize("cohort_id", PET)
def test_region_means_equal_table_values_within_one_percent(cohort_id, mapsets, masks):
    cohort, mapset = load_cohort(cohort_id), mapsets[cohort_id]
    data = np.asarray(mapset.data, dtype=float)
    assert mapset.participant_ids == tuple(cohort.participants["participant_id"])
    checked = 0
    for column, region in maps.pet_columns(cohort).items():
        if region not in mapset.regions:  # same voxels as an earlier region: must be noted
            assert any(repr(region) in note and "same voxels" in note for note in mapset.notes)
            continue
        means = data[:, _in_mask(mapset, masks[cohort_id][region])].mean(axis=1)
        table = cohort.participants[column].to_numpy(float)
        filled = np.where(np.isnan(table), np.nanmean(table), table)  # missing: cohort mean
        np.testing.assert_array_less(np.abs(means / filled - 1.0), 0.01, err_msg=column)
        checked += 1
    assert checked >= 5
    for row in range(0, len(data), 7):  # the app's own region means of the NIfTI-ready volume
        app = region_values(mapset.volume(row), cohort.regions)
        for column, region in maps.pet_columns(cohort).items():
            value = cohort.participants[column].iloc[row]
            if region in mapset.regions and not np.isnan(value):
                assert app[region] == pytest.approx(value, rel=0.01), (row, column)


@pytest.mark.parametrize(("cohort_id", "first", "duplicate"), [
    ("clbp_pet_negative_affect", "left_thalamus", "left_thalamus_cluster"),
    ("alshelh2022_clbp_subtypes", "s1_cluster", "s1_apriori")])
def test_duplicate_region_definitions_are_aliases_of_the_first(cohort_id, first, duplicate,
                                                               mapsets, masks):
    """regions.tsv defines both regions by the same Harvard-Oxford label, so one map cannot
    hold both means; the first column wins and the other is reported in the notes."""
    mapset, region = mapsets[cohort_id], masks[cohort_id]
    assert np.array_equal(region[first], region[duplicate])
    assert first in mapset.regions and duplicate not in mapset.regions
    assert any(repr(duplicate) in note for note in mapset.notes)


def test_radicular_vs_axial_t_map_is_large_in_s1_and_small_far_away(mapsets, masks):
    cohort = load_cohort("alshelh2022_clbp_subtypes")
    mapset, region = mapsets[cohort.id], masks[cohort.id]
    radicular = (cohort.participants["pain_subtype"] == "radicular").to_numpy(float)
    t_map = _ols_t(np.asarray(mapset.data, dtype=float), radicular)
    table_t = stats.ttest_ind(cohort.participants.loc[radicular == 1, "s1_cluster_suvr"],
                              cohort.participants.loc[radicular == 0, "s1_cluster_suvr"]).statistic
    s1_t = t_map[_in_mask(mapset, region["s1_cluster"])]
    # voxel noise (SD 0.05) adds to the between-participant SD, so voxel t < region t
    assert 0.5 * table_t < s1_t.mean() < 1.05 * table_t and s1_t.mean() > 2.0
    control = _sphere((24, -76, -42), 10)  # right cerebellum, far from S1/IPS/PCC/WM
    assert not any((control & m).any() for m in region.values())
    control_t = t_map[control[mapset.mask]]
    assert control_t.size > 300 and abs(control_t.mean()) < 1.0
    outside = ~np.any([_in_mask(mapset, m) for m in region.values()], axis=0)
    assert np.mean(np.abs(t_map[outside]) > T_CRIT) < 0.05  # about 1% expected under H0


def test_bdi_regression_appears_in_pgacc_and_amcc(mapsets, masks):
    cohort = load_cohort("clbp_pet_negative_affect")
    mapset, region = mapsets[cohort.id], masks[cohort.id]
    bdi = cohort.participants["bdi"].to_numpy(float)
    t_map = _ols_t(np.asarray(mapset.data, dtype=float), bdi)
    for name in ("pgacc", "amcc"):
        table = stats.linregress(bdi, cohort.participants[f"{name}_suvr"])
        table_t = table.slope / table.stderr
        voxel_t = t_map[_in_mask(mapset, region[name])].mean()
        assert 0.5 * table_t < voxel_t < 1.1 * table_t, name


@pytest.mark.parametrize("cohort_id", PET)
def test_noise_is_smooth_at_8_mm_fwhm(cohort_id, mapsets, masks):
    """For white noise smoothed by a Gaussian of SD s voxels, neighbours correlate
    exp(-1 / (4 s^2)) (Forman et al. 1995, the basis of FSL smoothest); FWHM = 2.3548 s."""
    mapset = mapsets[cohort_id]
    outside = ~np.any([_in_mask(mapset, m) for m in masks[cohort_id].values()], axis=0)
    resid = np.asarray(mapset.data, dtype=np.float32)
    resid = resid - resid.mean(axis=0)  # the baseline is common to everyone
    index = np.full(mapset.mask.shape, -1)
    index[mapset.mask] = np.where(outside, np.arange(outside.size), -1)
    rhos = []
    for axis in range(3):
        moved = np.moveaxis(index, axis, 0)
        a, b = moved[:-1].ravel(), moved[1:].ravel()
        both = (a >= 0) & (b >= 0)
        rhos.append(np.corrcoef(resid[:, a[both]].ravel(), resid[:, b[both]].ravel())[0, 1])
    fwhm_mm = 2.3548 * 2.0 * math.sqrt(-1.0 / (4.0 * math.log(np.mean(rhos))))
    assert fwhm_mm == pytest.approx(8.0, abs=0.8)
    n = len(resid)
    assert resid[:, outside].std() * math.sqrt(n / (n - 1)) == pytest.approx(maps.NOISE_SD,
                                                                              rel=0.1)


def test_smooth_noise_has_unit_variance():
    mask = np.zeros((60, 60, 60), dtype=bool)
    mask[10:50, 10:50, 10:50] = True
    values = np.concatenate([smooth_noise(np.random.default_rng(s), mask) for s in range(5)])
    assert values.dtype == np.float32
    assert values.var() == pytest.approx(1.0, rel=0.1) and abs(values.mean()) < 0.1


def test_region_fit_sets_overlapping_region_means_exactly():
    rng = np.random.default_rng(1)
    n_voxels = 2000
    big = np.arange(n_voxels) < 800
    nested = np.arange(n_voxels) < 100            # inside big
    straddling = (np.arange(n_voxels) >= 700) & (np.arange(n_voxels) < 1000)
    fit = region_fit({"big": big, "nested": nested, "straddling": straddling,
                      "copy": nested.copy()})
    assert fit.region_ids == ("big", "nested", "straddling")
    assert fit.aliases == {"copy": "nested"}
    values = rng.normal(1.0, 0.1, n_voxels)
    out = match_region_means(values, np.array([1.2, 0.9, 1.05]), fit)
    for member, target in ((big, 1.2), (nested, 0.9), (straddling, 1.05)):
        assert out[member].mean() == pytest.approx(target, rel=1e-12)
    outside = ~(big | straddling)
    np.testing.assert_array_equal(out[outside], values[outside])
    assert region_means(out, fit) == pytest.approx([1.2, 0.9, 1.05], rel=1e-12)


def test_generation_is_deterministic(mapsets, cache_root, tmp_path, monkeypatch):
    cohort = load_cohort("clbp_pet_negative_affect")
    first = mapsets[cohort.id]  # generated into cache_root (before the variable changes)
    monkeypatch.setenv(maps_cache.ENV_VAR, str(tmp_path))
    again = maps.participant_maps(cohort)
    second = maps_cache.cache_folder(cohort.id, cohort.version)
    assert second == tmp_path / cohort.id / cohort.version
    for name in ("data.npy", "mask.npy", "participants.json"):
        assert filecmp.cmp(cache_root / cohort.id / cohort.version / name, second / name,
                           shallow=False), name
    assert again.data.tobytes() == first.data.tobytes()


def test_second_call_loads_the_cache_without_generating(mapsets, monkeypatch):
    first = mapsets["clbp_pet_negative_affect"]  # generated once for the module

    def fail(cohort):
        raise AssertionError("regenerated although the cache is complete")

    monkeypatch.setattr(maps, "generate_maps", fail)
    start = time.perf_counter()
    again = maps.participant_maps("clbp_pet_negative_affect")
    assert time.perf_counter() - start < 1.0
    assert isinstance(again.data, np.memmap) and not again.data.flags.writeable
    assert again.data.dtype == np.float32 and again.mask.dtype == bool
    np.testing.assert_array_equal(again.data, first.data)
    assert again.participant_ids == first.participant_ids and again.notes == first.notes


def test_incomplete_cache_is_regenerated(tmp_path, monkeypatch):
    cohort = load_cohort("clbp_pet_negative_affect")
    monkeypatch.setenv(maps_cache.ENV_VAR, str(tmp_path))
    mask = np.zeros((4, 4, 4), dtype=bool)
    mask[1:3, 1:3, 1:3] = True
    ids = tuple(cohort.participants["participant_id"])
    fake = maps.MapSet(cohort.id, cohort.version, ids,
                       np.ones((len(ids), 8), dtype=np.float32), mask, ("amcc",), ())
    calls = []
    monkeypatch.setattr(maps, "generate_maps", lambda c: calls.append(c) or fake)
    folder = maps_cache.cache_folder(cohort.id, cohort.version)
    maps.participant_maps(cohort)
    (folder / "participants.json").unlink()  # as if a writer died before the last file
    again = maps.participant_maps(cohort)
    assert len(calls) == 2 and again.data.shape == (len(ids), 8)
    assert sorted(p.name for p in folder.iterdir()) == ["data.npy", "mask.npy",
                                                        "participants.json"]


def test_write_nifti_round_trips_on_the_grid(mapsets, tmp_path):
    mapset = mapsets["clbp_pet_negative_affect"]
    chosen = mapset.participant_ids[3:5]
    paths = maps.write_nifti(mapset, tmp_path, participants=chosen)
    for pid, path in zip(chosen, paths, strict=True):
        img = nib.load(path)
        assert img.shape == grid().shape and np.allclose(img.affine, grid().affine)
        volume = np.asarray(img.get_fdata(dtype=np.float32))
        np.testing.assert_array_equal(volume[mapset.mask],
                                      mapset.data[mapset.participant_ids.index(pid)])
        assert np.isnan(volume[~mapset.mask]).all()
    assert np.array_equal(nib.load(tmp_path / "mask.nii.gz").get_fdata() > 0, mapset.mask)


def test_cohort_without_suvr_regions_is_refused(cache_root):
    with pytest.raises(InvalidSpec, match="fanton2022_fm_tspo"):
        maps.participant_maps("fanton2022_fm_tspo")
