"""Tests of analysis.permutation (Freedman-Lane max-T family-wise error control).

References: a brute-force Freedman-Lane loop built on statsmodels OLS refits, the Sidak
bound of the max-|t| distribution for independent voxels (scipy.stats.t), and the expected
family-wise false positive rate under the null. No number is hard-coded.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.errors import InvalidSpec
from analysis.permutation import (
    _nuisance_basis,
    _null_max,
    _tested_rows,
    permutation_fwe,
)
from analysis.voxelwise import design_matrix


def participants(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "group": pd.Categorical(rng.choice(["HC", "CLBP"], n, p=[0.45, 0.55]),
                                categories=["HC", "CLBP"]),
        "bdi": rng.integers(0, 35, n).astype(float),
        "age": rng.uniform(20, 65, n).round(),
        "dose": rng.normal(14, 1.5, n)})


def null_maps(df: pd.DataFrame, n_voxels: int, seed: int) -> np.ndarray:
    """No effect of group or BDI; an age effect (nuisance) that Freedman-Lane must absorb."""
    rng = np.random.default_rng(seed)
    return 1.0 + 0.004 * df["age"].to_numpy()[:, None] + 0.1 * rng.normal(size=(len(df), n_voxels))


def test_null_maxima_equal_brute_force_freedman_lane_refits_with_statsmodels():
    df = participants(24, seed=1)
    design = design_matrix(df, effect="bdi", covariates=["age", "group"])
    x, c = design.to_numpy(), np.array([0, 1.0, 0, 0])
    y = null_maps(df, 15, seed=2)
    z = x[:, [0, 2, 3]]                                     # nuisance: intercept, age, group
    fitted = z @ np.linalg.lstsq(z, y, rcond=None)[0]
    rng = np.random.default_rng(3)
    perms = np.vstack([np.arange(24)] + [rng.permutation(24) for _ in range(4)])
    qz = _nuisance_basis(x, c)
    qc, h, var_c = _tested_rows(x, c)
    got = _null_max(y - qz @ (qz.T @ y), np.full(15, 1e-20), perms, (qc, h, var_c, 20),
                    None, 0, 5)
    for k, perm in enumerate(perms):
        y_star = (y - fitted)[perm] + fitted               # Freedman & Lane (1983)
        t = [sm.OLS(y_star[:, v], x).fit().tvalues[1] for v in range(15)]
        np.testing.assert_allclose(got[k], np.max(np.abs(t)), rtol=2e-5)


def test_p_values_lie_in_range_and_are_reproducible_with_the_seed():
    df = participants(30, seed=4)
    design = design_matrix(df, effect="group", covariates=["age"])
    y = null_maps(df, 200, seed=5)
    a = permutation_fwe(y, design, "group[CLBP]", n_perm=99, seed=7)
    b = permutation_fwe(y, design, "group[CLBP]", n_perm=99, seed=7)
    c = permutation_fwe(y, design, "group[CLBP]", n_perm=99, seed=8)
    assert a.p_fwe.min() >= 1 / 100 and a.p_fwe.max() <= 1.0
    np.testing.assert_array_equal(a.p_fwe, b.p_fwe)
    np.testing.assert_array_equal(a.null_max, b.null_max)
    assert not np.array_equal(a.null_max, c.null_max)
    gen = permutation_fwe(y, design, "group[CLBP]", n_perm=99, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(gen.null_max, a.null_max)
    # p_fwe is the exceedance count of the null maxima, by definition
    v = int(np.argmax(np.abs(a.glm.t)))
    assert a.p_fwe[v] == (1 + np.sum(a.null_max >= abs(a.glm.t[v]))) / 100


def test_planted_effect_is_found_and_nothing_else_survives():
    df = participants(40, seed=6)
    design = design_matrix(df, effect="group", covariates=["age", "dose"])
    y = null_maps(df, 500, seed=7)
    y[:, :10] += 0.25 * (df["group"] == "CLBP").to_numpy()[:, None]   # ~2.5 SD
    result = permutation_fwe(y, design, "group[CLBP]", n_perm=199, seed=1)
    assert (result.p_fwe[:10] < 0.05).all()
    assert (result.p_fwe[10:] >= 0.05).all()
    threshold = result.t_threshold(0.05)
    np.testing.assert_array_equal(np.abs(result.glm.t) > threshold, result.p_fwe <= 0.05)


def test_family_wise_false_positive_rate_is_near_alpha_under_the_null():
    hits = 0
    for rep in range(40):
        df = participants(20, seed=100 + rep)
        design = design_matrix(df, effect="bdi", covariates=["age"])
        y = null_maps(df, 150, seed=500 + rep)
        hits += permutation_fwe(y, design, "bdi", n_perm=99, seed=rep).p_fwe.min() <= 0.05
    # Binomial(40, 0.05): P(X >= 8) < 0.001, so a broken (liberal) test fails here.
    assert hits <= 7


def test_fwe_threshold_matches_the_sidak_bound_for_independent_voxels():
    df = participants(30, seed=9)
    design = design_matrix(df, effect="group", covariates=["age"])
    y = null_maps(df, 300, seed=10)
    result = permutation_fwe(y, design, "group[CLBP]", n_perm=999, seed=3)
    sidak = stats.t.isf((1 - 0.95 ** (1 / 300)) / 2, result.glm.df)
    assert abs(result.t_threshold(0.05) / sidak - 1) < 0.1


def test_progress_is_reported_from_zero_to_total():
    df = participants(25, seed=11)
    design = design_matrix(df, effect="bdi")
    calls = []
    permutation_fwe(null_maps(df, 50, seed=1), design, "bdi", n_perm=120, seed=0,
                    progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 120) and calls[-1] == (120, 120)
    assert all(b[0] >= a[0] for a, b in itertools.pairwise(calls))


@pytest.mark.parametrize("kwargs, pattern", [
    ({"n_perm": 0}, "n_perm=0 must be an integer from 1 to 1000"),
    ({"n_perm": 1001}, "n_perm=1001"),
    ({"seed": -1}, "seed=-1 must be a non-negative integer"),
    ({"contrast": "intercept"}, "involves the intercept"),
])
def test_bad_permutation_requests_are_refused(kwargs, pattern):
    df = participants(12, seed=2)
    design = design_matrix(df, effect="bdi")
    args = {"contrast": "bdi", **kwargs}
    with pytest.raises(InvalidSpec, match=pattern):
        permutation_fwe(null_maps(df, 5, seed=1), design, **args)


def test_result_describes_itself():
    df = participants(22, seed=12)
    design = design_matrix(df, effect="group", covariates=["age"])
    result = permutation_fwe(null_maps(df, 40, seed=2), design, "group[CLBP]", n_perm=49,
                             seed=5)
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["n_perm"] == 49 and payload["seed"] == 5 and payload["glm"]["n"] == 22
    text = result.methods_text()
    assert "Freedman-Lane" in text and "49 random permutations" in text
    assert result.table.loc[0, "method"] == "Freedman-Lane"


def test_permutation_fwe_is_importable_under_the_contract_name():
    from analysis import voxelwise

    assert voxelwise.permutation_fwe is permutation_fwe
