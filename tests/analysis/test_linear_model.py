"""analysis.linear_model against statsmodels' formula interface (patsy designs, anova_lm).

Every expected number is computed here by statsmodels/patsy on the same data; nothing is
hard-coded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.stats.anova import anova_lm

from analysis._data import complete_cases
from analysis.errors import DegenerateData
from analysis.linear_model import (
    build_design,
    contrast_matrix,
    fit_ols,
    marginal_means,
    sums_of_squares,
)

FIBRO_CELLS = {("FM", "HAB"): 52, ("FM", "MLAB"): 31, ("HC", "HAB"): 22, ("HC", "MLAB"): 21}
"""Cell sizes of the fibromyalgia cohort (Fanton et al. 2022, PAIN 163: 83 FM / 43 HC x
TSPO binder class)."""


def cohort(seed: int = 7, cells=FIBRO_CELLS, second=("binder", "HAB", "MLAB")) -> pd.DataFrame:
    """Unbalanced two-factor data with a numeric and a categorical covariate and NaNs."""
    rng = np.random.default_rng(seed)
    rows = [key for key, n in cells.items() for _ in range(n)]
    df = pd.DataFrame(rows, columns=["group", second[0]])
    n = len(df)
    df["age"] = rng.normal(45, 9, n)
    df["site"] = rng.choice(["KI", "Uppsala", "Lund"], n)
    shift = df["group"].map({"FM": 0.6, "HC": 0.0}) + 0.03 * df["age"]
    shift += np.where(df[second[0]] == second[1], 0.3, 0.0)
    df["y"] = rng.normal(size=n) + shift
    df.loc[rng.choice(n, 6, replace=False), "y"] = np.nan
    df.loc[rng.choice(n, 3, replace=False), "age"] = np.nan
    for c in ["group", second[0], "site"]:
        df[c] = df[c].astype("category")
    return df


def _prepared(df, factors, covariates):
    data, _ = complete_cases(df, ["y", *factors, *covariates])
    return data, data["y"].to_numpy()


def _sm_terms(formula_terms):
    return {t.replace("C(", "").replace(", Sum)", "").replace(")", ""): t
            for t in formula_terms}


@pytest.mark.parametrize("ss_type", [2, 3])
@pytest.mark.parametrize("cells", [
    FIBRO_CELLS,
    {("FM", "a"): 14, ("FM", "b"): 9, ("FM", "c"): 20, ("HC", "a"): 6, ("HC", "b"): 11,
     ("HC", "c"): 8},
])
def test_sums_of_squares_match_statsmodels_anova_lm_with_sum_contrasts(ss_type, cells):
    second = ("binder", "HAB", "MLAB") if ("FM", "HAB") in cells else ("binder", "a", "b")
    data, y = _prepared(cohort(cells=cells, second=second), ["group", "binder"], ["age", "site"])
    design = build_design(data, ["group", "binder"], ["age", "site"])
    ours = sums_of_squares(design, fit_ols(design, y), ss_type).set_index("term")

    model = smf.ols("y ~ C(group, Sum) * C(binder, Sum) + age + C(site, Sum)", data).fit()
    ref = anova_lm(model, typ=ss_type)
    names = {"group": "C(group, Sum)", "binder": "C(binder, Sum)", "age": "age",
             "site": "C(site, Sum)", "group:binder": "C(group, Sum):C(binder, Sum)"}
    resid = ref.loc["Residual", "sum_sq"]
    for term, sm_name in names.items():
        assert ours.loc[term, "ss"] == pytest.approx(ref.loc[sm_name, "sum_sq"], rel=1e-9)
        assert ours.loc[term, "df_num"] == ref.loc[sm_name, "df"]
        assert ours.loc[term, "statistic"] == pytest.approx(ref.loc[sm_name, "F"], rel=1e-9)
        assert ours.loc[term, "p"] == pytest.approx(ref.loc[sm_name, "PR(>F)"], rel=1e-7)
        expected_np2 = ref.loc[sm_name, "sum_sq"] / (ref.loc[sm_name, "sum_sq"] + resid)
        assert ours.loc[term, "partial_eta_squared"] == pytest.approx(expected_np2, rel=1e-9)
        assert ours.loc[term, "df_den"] == ref.loc["Residual", "df"]


def test_type2_and_type3_differ_on_unbalanced_data_and_agree_for_top_interaction():
    data, y = _prepared(cohort(), ["group", "binder"], [])
    design = build_design(data, ["group", "binder"])
    fit = fit_ols(design, y)
    t2 = sums_of_squares(design, fit, 2).set_index("term")
    t3 = sums_of_squares(design, fit, 3).set_index("term")
    assert t2.loc["group", "ss"] != pytest.approx(t3.loc["group", "ss"], rel=1e-6)
    assert t2.loc["group:binder", "ss"] == pytest.approx(t3.loc["group:binder", "ss"], rel=1e-9)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_contrast_matrices_match_patsy_sum_and_treatment(k):
    levels = list(range(k))
    assert np.allclose(contrast_matrix(k, "sum"),
                       patsy.contrasts.Sum().code_without_intercept(levels).matrix)
    assert np.allclose(contrast_matrix(k, "treatment"),
                       patsy.contrasts.Treatment().code_without_intercept(levels).matrix)


def test_ols_fit_matches_statsmodels_ols_on_the_same_design():
    data, y = _prepared(cohort(), ["group", "binder"], ["age", "site"])
    design = build_design(data, ["group", "binder"], ["age", "site"], contrasts="treatment")
    ours = fit_ols(design, y)
    ref = sm.OLS(y, design.matrix).fit()
    assert np.allclose(ours.coef, ref.params, rtol=1e-10)
    assert np.allclose(ours.cov, ref.cov_params(), rtol=1e-9)
    assert ours.rss == pytest.approx(ref.ssr, rel=1e-12)
    assert ours.df_resid == ref.df_resid
    # Treatment coding reproduces the fitted values of the formula model.
    formula = smf.ols("y ~ group * binder + age + site", data).fit()
    assert np.allclose(design.matrix @ ours.coef, formula.fittedvalues, rtol=1e-10)


def _average_prediction(model, grid: pd.DataFrame) -> tuple[float, float]:
    """Mean prediction over `grid` rows and its SE (patsy design of the fitted formula)."""
    rows = np.asarray(patsy.dmatrix(model.model.data.model_spec, grid)).mean(axis=0)
    ref = model.t_test(rows)
    return float(np.squeeze(ref.effect)), float(np.squeeze(ref.sd))


def test_marginal_means_match_statsmodels_predictions_at_covariate_means():
    """emmeans' reference grid: age at its mean, site averaged equally over its levels."""
    data, y = _prepared(cohort(), ["group", "binder"], ["age", "site"])
    design = build_design(data, ["group", "binder"], ["age", "site"])
    fit = fit_ols(design, y)
    model = smf.ols("y ~ group * binder + age + site", data).fit()  # other coding on purpose
    sites = data["site"].cat.categories

    cells, cov = marginal_means(design, fit, ["group", "binder"])
    for i, row in cells.iterrows():
        grid = pd.DataFrame({"group": row.group, "binder": row.binder,
                             "age": data["age"].mean(), "site": sites, "y": 0.0})
        grid = grid.astype({"group": data["group"].dtype, "binder": data["binder"].dtype,
                            "site": data["site"].dtype})
        mean, se = _average_prediction(model, grid)
        assert row.emmean == pytest.approx(mean, rel=1e-9)
        assert row.se == pytest.approx(se, rel=1e-9)
        assert np.sqrt(cov[i, i]) == pytest.approx(row.se, rel=1e-12)

    groups, _ = marginal_means(design, fit, ["group"])
    for row in groups.itertuples():
        grid = pd.DataFrame([(row.group, b, data["age"].mean(), s, 0.0)
                             for b in data["binder"].cat.categories for s in sites],
                            columns=["group", "binder", "age", "site", "y"])
        grid = grid.astype({c: data[c].dtype for c in ["group", "binder", "site"]})
        mean, se = _average_prediction(model, grid)
        assert row.emmean == pytest.approx(mean, rel=1e-9)
        assert row.se == pytest.approx(se, rel=1e-9)


def test_collinear_covariate_raises_degenerate_data_naming_it():
    data, y = _prepared(cohort(), ["group"], ["age"])
    data = data.assign(age_months=data["age"] * 12)
    design = build_design(data, ["group"], ["age", "age_months"])
    with pytest.raises(DegenerateData, match="age_months"):
        fit_ols(design, y)


def test_covariate_equal_to_a_factor_indicator_is_named_as_collinear():
    data, y = _prepared(cohort(), ["group"], [])
    data = data.assign(is_fm=(data["group"] == "FM").astype(float))
    with pytest.raises(DegenerateData, match="is_fm"):
        fit_ols(build_design(data, ["group"], ["is_fm"]), y)


def test_more_parameters_than_observations_raises_degenerate_data():
    small = pd.DataFrame({"g": pd.Categorical(["a", "b", "c"]), "y": [1.0, 2.0, 4.0]})
    with pytest.raises(DegenerateData, match="parameters"):
        fit_ols(build_design(small, ["g"]), small["y"].to_numpy())
