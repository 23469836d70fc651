"""Tests of analysis.voxelwise (mass-univariate OLS) and analysis.voxel_design.

Independent references: statsmodels OLS at sampled voxels, nilearn's SecondLevelModel on a
whole synthetic map set, patsy's treatment-coded design matrices. Data are simulated like the
PET cohorts (unequal groups, SUVR-like maps, a binder-class covariate with a rare level,
missing covariate values). No number is hard-coded: expected values are recomputed here.
"""

from __future__ import annotations

import json

import nibabel as nib
import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.api as sm

from analysis.errors import DegenerateData, InsufficientData, InvalidSpec, UnknownColumn
from analysis.voxel_images import grid_mask, the_grid
from analysis.voxelwise import design_matrix, rows_for, voxelwise_glm


def participants(n: int = 40, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "participant_id": [f"sub-{i:03d}" for i in range(1, n + 1)],
        "group": pd.Categorical(rng.choice(["axial", "radicular"], n, p=[0.35, 0.65]),
                                categories=["axial", "radicular"]),
        "bdi": rng.integers(0, 40, n).astype(float),          # integer scores: ties
        "age": rng.uniform(20, 65, n).round(),
        "dose": rng.normal(14, 1.5, n),
        "binder": pd.Categorical(rng.choice(["HAB", "MAB", "LAB"], n, p=[.55, .35, .10]),
                                 categories=["HAB", "MAB", "LAB"])})


def maps(df: pd.DataFrame, n_voxels: int, seed: int = 5) -> np.ndarray:
    """SUVR-like maps: a group and BDI effect in the first 30 voxels, float32."""
    rng = np.random.default_rng(seed)
    signal = 0.15 * (df["group"] == "radicular").to_numpy()[:, None] \
        + 0.01 * df["bdi"].to_numpy()[:, None] + 0.003 * df["age"].to_numpy()[:, None]
    y = 1.1 + 0.12 * rng.normal(size=(len(df), n_voxels))
    y[:, :30] += signal
    return y.astype(np.float32)


def _statsmodels_check(y, design, column, voxels):
    result = voxelwise_glm(y, design, column)
    j = list(design.columns).index(column)
    for v in voxels:
        fit = sm.OLS(y[:, v].astype(float), design.to_numpy()).fit()
        np.testing.assert_allclose(result.t[v], fit.tvalues[j], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(result.p[v], fit.pvalues[j], rtol=1e-7, atol=1e-14)
        np.testing.assert_allclose(result.effect[v], fit.params[j], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(result.se[v], fit.bse[j], rtol=1e-9)
    assert result.df == int(fit.df_resid)
    return result


def test_two_group_glm_with_covariates_matches_statsmodels_ols_on_sampled_voxels():
    df = participants()
    df.loc[[2, 11], "age"] = np.nan                       # dropped listwise
    design = design_matrix(df, effect="group", covariates=["age", "dose", "binder"])
    y = maps(df, 400)[rows_for(design, df["participant_id"])]
    voxels = np.random.default_rng(0).choice(400, 20, replace=False)
    result = _statsmodels_check(y, design, "group[radicular]", voxels)
    assert result.n == 38 and result.n_dropped == 2 and result.df == 38 - 6


def test_continuous_regressor_bdi_with_covariates_matches_statsmodels_ols():
    df = participants(n=33, seed=11)
    design = design_matrix(df, effect="bdi", covariates=["group", "age"])
    y = maps(df, 300, seed=2)
    _statsmodels_check(y, design, "bdi", np.arange(0, 300, 15))


def test_vector_contrast_matches_statsmodels_t_test():
    df = participants(n=36, seed=4)
    design = design_matrix(df, effect="group", covariates=["binder", "age"])
    y = maps(df, 50)
    weights = np.array([0, 0, 1, -1, 0.0])                # MAB vs LAB
    result = voxelwise_glm(y, design, weights)
    for v in (0, 7, 31, 49):
        test = sm.OLS(y[:, v].astype(float), design.to_numpy()).fit().t_test(weights)
        np.testing.assert_allclose(result.t[v], test.tvalue.item(), rtol=1e-9)
        np.testing.assert_allclose(result.p[v], test.pvalue.item(), rtol=1e-7)
    assert result.contrast_name == "1*binder[MAB] + -1*binder[LAB]"


def test_whole_map_equals_nilearn_second_level_model():
    from nilearn.glm.second_level import SecondLevelModel

    df = participants(n=30, seed=8)
    design = design_matrix(df, effect="group", covariates=["age", "bdi"])
    rng = np.random.default_rng(1)
    shape, affine = (20, 24, 20), np.diag([2.0, 2.0, 2.0, 1.0])
    mask = np.zeros(shape, bool)
    mask[3:17, 4:20, 3:17] = True
    vols = 1.0 + 0.1 * rng.normal(size=(30, *shape))
    vols[:, 5:10, 5:10, 5:10] += 0.08 * (df["group"] == "radicular").to_numpy()[:, None, None, None]
    imgs = [nib.Nifti1Image(v.astype(np.float32), affine) for v in vols]
    y = vols[:, mask].astype(np.float32)

    model = SecondLevelModel(mask_img=nib.Nifti1Image(mask.astype(np.uint8), affine),
                             smoothing_fwhm=None, minimize_memory=False)
    model.fit(imgs, design_matrix=design.reset_index(drop=True))
    column = "group[radicular]"
    for output, ours in (("stat", "t"), ("effect_size", "effect")):
        expected = model.compute_contrast(column, output_type=output).get_fdata()[mask]
        got = getattr(voxelwise_glm(y, design, column), ours)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    one_sided = model.compute_contrast(column, output_type="p_value").get_fdata()[mask]
    np.testing.assert_allclose(voxelwise_glm(y, design, column).p,
                               2 * np.minimum(one_sided, 1 - one_sided), rtol=1e-5, atol=1e-9)


def test_design_matrix_equals_patsy_treatment_coding_with_named_reference():
    df = participants(n=40, seed=3)
    assert df["binder"].value_counts().min() >= 1             # every level present
    design = design_matrix(df, effect="group", covariates=["age", "binder"],
                           reference="radicular")
    expected = patsy.dmatrix("C(group, Treatment('radicular')) + age + binder", df,
                             return_type="dataframe")
    patsy_names = ["Intercept", "C(group, Treatment('radicular'))[T.axial]", "age",
                   "binder[T.MAB]", "binder[T.LAB]"]
    np.testing.assert_array_equal(design.to_numpy(), expected[patsy_names].to_numpy())
    assert list(design.columns) == ["intercept", "group[axial]", "age", "binder[MAB]",
                                    "binder[LAB]"]
    assert list(design.index) == list(df["participant_id"])
    assert design.attrs["effect_column"] == "group[axial]"


def test_design_matrix_drops_unused_levels_of_a_categorical_covariate():
    df = participants(n=30)
    design = design_matrix(df[df["binder"] != "LAB"], effect="bdi", covariates=["binder"])
    assert list(design.columns) == ["intercept", "bdi", "binder[MAB]"]


def test_design_matrix_drops_missing_values_listwise_and_names_them():
    df = participants(n=20)
    df.loc[[0, 5], "dose"] = np.nan
    df.loc[7, "group"] = np.nan
    design = design_matrix(df, effect="group", covariates=["dose"])
    assert design.attrs["n_dropped"] == 3
    assert design.attrs["dropped_ids"] == ["sub-001", "sub-006", "sub-008"]
    assert "sub-006" not in design.index and len(design) == 17


def test_rows_for_aligns_maps_and_names_participants_without_a_map():
    df = participants(n=12)
    design = design_matrix(df.iloc[::-1], effect="bdi")
    ids = list(df["participant_id"])
    np.testing.assert_array_equal(rows_for(design, ids), np.arange(11, -1, -1))
    with pytest.raises(InvalidSpec, match="sub-012"):
        rows_for(design, ids[:-1])


@pytest.mark.parametrize("make, error, pattern", [
    (lambda d: design_matrix(d.iloc[:4], effect="group", covariates=["age", "dose", "bdi"]),
     InsufficientData, r"5 parameters .* but 4 participant\(s\); at least 6"),
    (lambda d: design_matrix(d.assign(dose=2.5), effect="group", covariates=["dose"]),
     DegenerateData, r"column 'dose' is constant"),
    (lambda d: design_matrix(d.assign(binder="HAB"), effect="bdi", covariates=["binder"]),
     DegenerateData, r"covariate 'binder' is constant"),
    (lambda d: design_matrix(d.assign(age2=2 * d["age"] + d["dose"]), effect="group",
                             covariates=["age", "dose", "age2"]),
     DegenerateData, r"'age2' is a linear combination of 'age', 'dose';"),
    (lambda d: design_matrix(d.assign(months=12 * d["age"] + 6), effect="group",
                             covariates=["age", "months"]),
     DegenerateData, r"'months' is a linear combination of 'intercept', 'age';"),
    (lambda d: design_matrix(d, effect="binder"), InvalidSpec, r"'binder' has 3 levels"),
    (lambda d: design_matrix(d, effect="group", reference="HC"), InvalidSpec,
     r"reference='HC' is not a level of effect 'group'"),
    (lambda d: design_matrix(d, effect="bdi", reference="x"), InvalidSpec, "numeric"),
    (lambda d: design_matrix(d, effect="grup"), UnknownColumn, "Did you mean 'group'"),
    (lambda d: design_matrix(d, effect="age", covariates=["age"]), InvalidSpec, "once"),
    (lambda d: design_matrix(d[d["group"] == "axial"], effect="group"), InsufficientData,
     r"1 level\(s\) left"),
])
def test_design_matrix_refuses_designs_that_cannot_identify_the_model(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make(participants())


def test_voxelwise_glm_refuses_a_hand_made_design_with_missing_values_naming_ids():
    design = design_matrix(participants(n=15), effect="bdi", covariates=["age"])
    design.loc["sub-004", "age"] = np.nan
    with pytest.raises(InvalidSpec, match=r"1 participant\(s\) \(sub-004\)"):
        voxelwise_glm(np.ones((15, 10)), design, "bdi")


@pytest.mark.parametrize("data, contrast, mask, pattern", [
    (np.ones((14, 10)), "bdi", None, r"shape \(14, 10\); \(n participants = 15"),
    (np.ones((15, 10)), "BDI", None, "contrast 'BDI' is not a design column"),
    (np.ones((15, 10)), [0, 1], None, "must be 3 finite weights"),
    (np.ones((15, 10)), "bdi", np.ones((3, 3, 3), bool), r"mask has shape \(3, 3, 3\)"),
    (np.full((15, 10), np.nan), "bdi", None, "NaN or infinite"),
    ("maps.nii.gz", "bdi", None, "data is a str"),
])
def test_voxelwise_glm_refuses_bad_inputs_naming_the_argument(data, contrast, mask, pattern):
    design = design_matrix(participants(n=15), effect="bdi", covariates=["age"])
    with pytest.raises(InvalidSpec, match=pattern):
        voxelwise_glm(data, design, contrast, mask=mask)


def test_constant_voxels_get_t_zero_p_one_and_a_warning_instead_of_nan():
    df = participants(n=20)
    design = design_matrix(df, effect="group")
    y = maps(df, 40)
    y[:, 3] = 1.25
    result = voxelwise_glm(y, design, "group[radicular]")
    assert result.t[3] == 0.0 and result.p[3] == 1.0 and result.n_degenerate == 1
    assert np.isfinite(result.t).all() and "1 voxel(s) have no residual variance" in \
        result.warnings[0]


def _grid_images(tmp_path, y, mask):
    paths = []
    for i, row in enumerate(y):
        vol = np.zeros(mask.shape, np.float32)
        vol[mask] = row
        paths.append(tmp_path / f"sub-{i:03d}_suvr.nii.gz")
        nib.save(nib.Nifti1Image(vol, the_grid().affine), paths[-1])
    return paths


def test_images_on_the_grid_give_the_array_result_and_off_grid_ones_are_resampled(tmp_path):
    from nilearn.image import resample_to_img

    df = participants(n=8, seed=2)
    design = design_matrix(df, effect="bdi")
    mask = np.zeros(the_grid().shape, bool)
    mask[40:52, 50:62, 40:50] = True
    y = maps(df, int(mask.sum()))
    paths = _grid_images(tmp_path, y, mask)
    from_files = voxelwise_glm(paths, design, "bdi", mask=mask)
    np.testing.assert_allclose(from_files.t, voxelwise_glm(y, design, "bdi").t, rtol=1e-10)
    assert from_files.warnings == ()

    coarse = nib.Nifti1Image(nib.load(paths[0]).get_fdata()[::2, ::2, ::2].astype(np.float32),
                             the_grid().affine @ np.diag([2, 2, 2, 1]))
    nib.save(coarse, tmp_path / "sub-000_4mm.nii.gz")
    mixed = [tmp_path / "sub-000_4mm.nii.gz", *paths[1:]]
    result = voxelwise_glm(mixed, design, "bdi", mask=mask)
    assert "sub-000_4mm.nii.gz" in result.warnings[0] and "resampled" in result.warnings[0]
    y2 = y.copy()
    y2[0] = resample_to_img(coarse, the_grid(), interpolation="continuous",
                            force_resample=True, copy_header=True).get_fdata()[mask]
    np.testing.assert_allclose(result.t, voxelwise_glm(y2, design, "bdi").t, rtol=1e-5)


def test_unreadable_missing_or_4d_images_are_refused_naming_the_file(tmp_path):
    design = design_matrix(participants(n=3), effect="bdi")
    (tmp_path / "broken.nii.gz").write_bytes(b"not a nifti")
    four_d = nib.Nifti1Image(np.zeros((*the_grid().shape, 2), np.float32), the_grid().affine)
    nib.save(four_d, tmp_path / "two_volumes.nii.gz")
    for name, pattern in (("missing.nii.gz", "does not exist"), ("broken.nii.gz", "cannot"),
                          ("two_volumes.nii.gz", "one 3D volume")):
        images = [tmp_path / name] * 3
        with pytest.raises(InvalidSpec, match=f"{name}.*{pattern}"):
            voxelwise_glm(images, design, "bdi")


def test_result_maps_round_trip_and_describe_themselves():
    df = participants(n=24)
    design = design_matrix(df, effect="group", covariates=["age"])
    mask = grid_mask()
    rng = np.random.default_rng(0)
    y = (1 + 0.1 * rng.normal(size=(24, int(mask.sum())))).astype(np.float32)
    result = voxelwise_glm(y, design, "group[radicular]")   # mask inferred: voxel count
    image = result.t_image()
    data = image.get_fdata()
    assert image.shape == the_grid().shape and np.allclose(image.affine, the_grid().affine)
    np.testing.assert_allclose(data[mask], result.t, rtol=1e-6)
    assert np.isnan(data[~mask]).all()
    np.testing.assert_allclose(result.p_image().get_fdata()[mask], result.p, rtol=1e-6)
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["n"] == 24 and payload["df"] == 21 and payload["n_voxels"] == mask.sum()
    text = result.methods_text()
    assert "n = 24" in text and "21 degrees of freedom" in text and "uncorrected" in text
    with pytest.raises(InvalidSpec, match="exactly that many voxels"):
        voxelwise_glm(y[:, :100], design, "group[radicular]").t_image()
