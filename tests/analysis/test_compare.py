"""compare_groups against scipy, statsmodels and pingouin on fibromyalgia-shaped data.

The data mimic the cohort of Fanton et al. 2022 (PAIN 163:274): group FM/HC x TSPO binder
class HAB/MLAB with cells 52/31/22/21, an age covariate, a categorical site and missing
values. Every expected number is computed here by the reference library on the same rows.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import patsy
import pingouin as pg
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.anova import anova_lm
from statsmodels.stats.multicomp import pairwise_tukeyhsd
from statsmodels.stats.multitest import multipletests

from analysis.compare import compare_groups
from analysis.errors import DegenerateData, InsufficientData, InvalidSpec, UnknownColumn

CELLS = {("FM", "HAB"): 52, ("FM", "MLAB"): 31, ("HC", "HAB"): 22, ("HC", "MLAB"): 21}


def make_cohort(seed: int = 2022) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [key for key, n in CELLS.items() for _ in range(n)]
    df = pd.DataFrame(rows, columns=["group", "binder"])
    n = len(df)
    df["age"] = rng.normal(45, 9, n)
    df["site"] = rng.choice(["KI", "Lund", "Umea"], n)
    df["cpm"] = (rng.normal(0, 1.0, n) + np.where(df["group"] == "FM", -0.45, 0.0)
                 + np.where(df["binder"] == "MLAB", -0.3, 0.0) + 0.02 * df["age"]).round(1)
    df.loc[rng.choice(n, 5, replace=False), "cpm"] = np.nan
    df.loc[rng.choice(n, 2, replace=False), "age"] = np.nan
    for c in ["group", "binder", "site"]:
        df[c] = df[c].astype("category")
    return df


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return make_cohort()


def _samples(df, outcome, factor):
    data = df.dropna(subset=[outcome, factor])
    return [data.loc[data[factor] == lv, outcome].to_numpy()
            for lv in data[factor].cat.categories]


# --- routing and two-group tests ----------------------------------------------------------

def test_auto_with_two_groups_runs_student_t_matching_scipy(cohort):
    r = compare_groups(cohort, "cpm", ["group"])
    fm, hc = _samples(cohort, "cpm", "group")
    ref = stats.ttest_ind(fm, hc)
    row = r.table.iloc[0]
    assert r.test == "student" and row["statistic_name"] == "t"
    assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-10)
    assert row["p"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert row["df_den"] == ref.df
    assert row["effect_size_name"] == "hedges_g" and row["effect_ci_low"] < row["effect_size"]
    assert row["mean_difference"] == pytest.approx(fm.mean() - hc.mean())
    assert (r.n_used, r.n_dropped) == (len(fm) + len(hc), 5)
    assert r.ss_type is None and r.posthoc is None


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_welch_matches_scipy_unequal_variance_t_test(cohort, alternative):
    r = compare_groups(cohort, "cpm", ["group"], test="welch", alternative=alternative)
    ref = stats.ttest_ind(*_samples(cohort, "cpm", "group"), equal_var=False,
                          alternative=alternative)
    assert r.table.loc[0, "p"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert r.table.loc[0, "df_den"] == pytest.approx(ref.df, rel=1e-10)


def test_mann_whitney_with_ties_matches_scipy_normal_approximation(cohort):
    r = compare_groups(cohort, "cpm", ["binder"], test="mannwhitney")
    hab, mlab = _samples(cohort, "cpm", "binder")
    # R wilcox.test with ties: normal approximation, continuity and tie correction.
    ref = stats.mannwhitneyu(hab, mlab, method="asymptotic", use_continuity=True)
    row = r.table.iloc[0]
    assert row["statistic_name"] == "U" and row["statistic"] == ref.statistic
    assert row["p"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert row["effect_size"] == pytest.approx(2 * ref.statistic / (len(hab) * len(mlab)) - 1)
    assert np.isnan(row["effect_ci_low"])


@pytest.mark.parametrize("spec, expected", [
    ({"factors": ["group"], "covariates": ["age"]}, "ancova"),
    ({"factors": ["site"]}, "anova"),
    ({"factors": ["group", "binder"]}, "anova"),
])
def test_auto_rule_picks_ancova_with_covariates_and_anova_otherwise(cohort, spec, expected):
    assert compare_groups(cohort, "cpm", **spec).test == expected


# --- ANOVA / ANCOVA -----------------------------------------------------------------------

@pytest.mark.parametrize("ss_type", [2, 3])
def test_two_way_anova_matches_statsmodels_anova_lm_with_sum_contrasts(cohort, ss_type):
    r = compare_groups(cohort, "cpm", ["group", "binder"], test="anova", ss_type=ss_type)
    data = cohort.dropna(subset=["cpm"])
    ref = anova_lm(smf.ols("cpm ~ C(group, Sum) * C(binder, Sum)", data).fit(), typ=ss_type)
    table = r.table.set_index("term")
    names = {"group": "C(group, Sum)", "binder": "C(binder, Sum)",
             "group:binder": "C(group, Sum):C(binder, Sum)"}
    assert list(table.index) == list(names)
    for term, sm_name in names.items():
        assert table.loc[term, "statistic"] == pytest.approx(ref.loc[sm_name, "F"], rel=1e-9)
        assert table.loc[term, "p"] == pytest.approx(ref.loc[sm_name, "PR(>F)"], rel=1e-8)
        assert table.loc[term, "df_den"] == ref.loc["Residual", "df"]
    assert r.ss_type == ss_type and r.n_used == len(data)


def test_partial_eta_squared_matches_pingouin_two_way_anova(cohort):
    r = compare_groups(cohort, "cpm", ["group", "binder"], ss_type=2)
    data = cohort.dropna(subset=["cpm"])
    ref = pg.anova(data, dv="cpm", between=["group", "binder"], ss_type=2, effsize="np2")
    ref = ref.set_index("Source")
    table = r.table.set_index("term")
    for term, source in {"group": "group", "binder": "binder", "group:binder": "group * binder"}.items():
        assert table.loc[term, "effect_size"] == pytest.approx(ref.loc[source, "np2"], rel=1e-8)
        assert table.loc[term, "statistic"] == pytest.approx(ref.loc[source, "F"], rel=1e-8)


def test_one_way_ancova_matches_pingouin_ancova(cohort):
    r = compare_groups(cohort, "cpm", ["binder"], covariates=["age"])
    data = cohort.dropna(subset=["cpm", "age"])
    ref = pg.ancova(data, dv="cpm", covar=["age"], between="binder").set_index("Source")
    table = r.table.set_index("term")
    for term in ["binder", "age"]:
        assert table.loc[term, "statistic"] == pytest.approx(ref.loc[term, "F"], rel=1e-8)
        assert table.loc[term, "p"] == pytest.approx(ref.loc[term, "p_unc"], rel=1e-8)
        assert table.loc[term, "effect_size"] == pytest.approx(ref.loc[term, "np2"], rel=1e-8)


def test_two_way_ancova_adjusted_means_equal_statsmodels_predictions_at_mean_age(cohort):
    r = compare_groups(cohort, "cpm", ["group", "binder"], covariates=["age"])
    data = cohort.dropna(subset=["cpm", "age"])
    model = smf.ols("cpm ~ group * binder + age", data).fit()
    grid = pd.DataFrame(list(CELLS), columns=["group", "binder"]).assign(age=data["age"].mean())
    grid = grid.astype({"group": data["group"].dtype, "binder": data["binder"].dtype})
    expected = dict(zip(grid["group"].astype(str) + "/" + grid["binder"].astype(str),
                        model.predict(grid)))
    cells = r.cells.set_index("label")
    for label, value in expected.items():
        assert cells.loc[label, "adjusted_mean"] == pytest.approx(value, rel=1e-9)
    # SE from statsmodels' prediction at the same point; CI uses t on the residual df.
    pred = model.get_prediction(grid).summary_frame()
    assert np.allclose(cells.loc[list(expected), "adjusted_se"], pred["mean_se"], rtol=1e-9)
    assert np.allclose(cells.loc[list(expected), "adjusted_ci_low"], pred["mean_ci_lower"],
                       rtol=1e-9)
    # Raw cell statistics are those of pandas on the complete cases.
    raw = data.groupby(["group", "binder"], observed=True)["cpm"]
    assert np.allclose(r.cells["mean"], raw.mean().to_numpy())
    assert np.allclose(r.cells["sd"], raw.std().to_numpy())
    assert (r.n_used, r.n_dropped) == (len(data), len(cohort) - len(data))


def test_assumption_checks_match_scipy_shapiro_on_residuals_and_median_levene(cohort):
    r = compare_groups(cohort, "cpm", ["group", "binder"], covariates=["age"])
    data = cohort.dropna(subset=["cpm", "age"])
    resid = smf.ols("cpm ~ group * binder + age", data).fit().resid
    shapiro = stats.shapiro(resid)
    cells = [g["cpm"].to_numpy() for _, g in data.groupby(["group", "binder"], observed=True)]
    levene = stats.levene(*cells, center="median")
    a = r.assumptions
    assert a.shapiro_w == pytest.approx(shapiro.statistic, rel=1e-6)
    assert a.shapiro_p == pytest.approx(shapiro.pvalue, rel=1e-5)
    assert a.levene_f == pytest.approx(levene.statistic, rel=1e-10)
    assert a.levene_p == pytest.approx(levene.pvalue, rel=1e-10)
    assert (a.levene_df_num, a.levene_df_den) == (3, len(data) - 4)


# --- Kruskal-Wallis -----------------------------------------------------------------------

def test_kruskal_matches_scipy_and_pingouin_with_epsilon_squared(cohort):
    r = compare_groups(cohort, "cpm", ["site"], test="kruskal")
    ref = stats.kruskal(*_samples(cohort, "cpm", "site"))
    data = cohort.dropna(subset=["cpm"])
    ref_pg = pg.kruskal(data, dv="cpm", between="site")
    row = r.table.iloc[0]
    assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-10)
    assert row["statistic"] == pytest.approx(ref_pg["H"].iloc[0], rel=1e-10)
    assert row["p"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert row["df_num"] == 2
    # epsilon^2 = H / ((n^2 - 1) / (n + 1)), Tomczak & Tomczak (2014)
    n = len(data)
    assert row["effect_size"] == pytest.approx(ref.statistic / ((n**2 - 1) / (n + 1)))


def test_kruskal_holm_posthoc_matches_scipy_mann_whitney_with_holm(cohort):
    r = compare_groups(cohort, "cpm", ["site"], test="kruskal", posthoc="holm")
    samples = dict(zip(["KI", "Lund", "Umea"], _samples(cohort, "cpm", "site")))
    pairs = [("KI", "Lund"), ("KI", "Umea"), ("Lund", "Umea")]
    raw = [stats.mannwhitneyu(samples[a], samples[b], method="asymptotic").pvalue
           for a, b in pairs]
    expected = dict(zip([frozenset(p) for p in pairs], multipletests(raw, method="holm")[1]))
    for row in r.posthoc.itertuples():
        key = frozenset((row.group_a, row.group_b))
        assert row.p_adjusted == pytest.approx(expected[key], rel=1e-8)


# --- post hoc after ANOVA / ANCOVA ---------------------------------------------------------

def test_one_way_tukey_matches_statsmodels_pairwise_tukeyhsd(cohort):
    r = compare_groups(cohort, "cpm", ["site"], posthoc="tukey")
    data = cohort.dropna(subset=["cpm"])
    ref = pairwise_tukeyhsd(data["cpm"], data["site"].astype(str))
    pairs = list(itertools.combinations(ref.groupsunique, 2))   # meandiff = group2 - group1
    for (g1, g2), diff, p in zip(pairs, ref.meandiffs, ref.pvalues):
        ours = r.posthoc[(r.posthoc["group_a"] == g2) & (r.posthoc["group_b"] == g1)].iloc[0]
        assert ours["difference"] == pytest.approx(diff, rel=1e-10)
        assert ours["p_adjusted"] == pytest.approx(p, abs=1e-4)  # both integrate ptukey
    assert len(r.posthoc) == len(pairs) == 3
    assert "Tukey" in r.methods_text()


@pytest.mark.parametrize("alternative", ["two-sided", "less"])
def test_one_way_dunnett_matches_scipy_dunnett(cohort, alternative):
    r = compare_groups(cohort, "cpm", ["site"], posthoc="dunnett", control="Lund",
                       alternative=alternative)
    ki, lund, umea = _samples(cohort, "cpm", "site")
    ref = stats.dunnett(ki, umea, control=lund, alternative=alternative,
                        rng=np.random.default_rng(0))
    ours = r.posthoc.set_index("group_a")
    assert list(ours["group_b"]) == ["Lund", "Lund"]
    assert ours.loc["KI", "p_adjusted"] == pytest.approx(ref.pvalue[0], abs=2e-3)
    assert ours.loc["Umea", "p_adjusted"] == pytest.approx(ref.pvalue[1], abs=2e-3)
    assert r.control == "Lund"


def test_holm_posthoc_after_anova_uses_pooled_sd_like_r_pairwise_t_test(cohort):
    r = compare_groups(cohort, "cpm", ["site"], posthoc="holm")
    samples = dict(zip(["KI", "Lund", "Umea"], _samples(cohort, "cpm", "site")))
    n_total = sum(len(s) for s in samples.values())
    mse = sum(((s - s.mean()) ** 2).sum() for s in samples.values()) / (n_total - 3)
    pairs = [("Lund", "KI"), ("Umea", "KI"), ("Umea", "Lund")]
    raw = []
    for a, b in pairs:
        se = np.sqrt(mse * (1 / len(samples[a]) + 1 / len(samples[b])))
        raw.append(2 * stats.t.sf(abs(samples[a].mean() - samples[b].mean()) / se, n_total - 3))
    adjusted = multipletests(raw, method="holm")[1]
    ours = r.posthoc.set_index(["group_a", "group_b"])
    for (a, b), p in zip(pairs, adjusted):
        assert ours.loc[(a, b), "p_adjusted"] == pytest.approx(p, rel=1e-8)


def test_posthoc_factor_compares_emmeans_averaged_over_the_other_factor(cohort):
    r = compare_groups(cohort, "cpm", ["group", "binder"], covariates=["age"],
                       posthoc="bonferroni", posthoc_factor="group")
    data = cohort.dropna(subset=["cpm", "age"])
    model = smf.ols("cpm ~ group * binder + age", data).fit()
    grid = pd.DataFrame([(g, b) for g in ["FM", "HC"] for b in ["HAB", "MLAB"]],
                        columns=["group", "binder"]).assign(age=data["age"].mean(), cpm=0.0)
    grid = grid.astype({"group": data["group"].dtype, "binder": data["binder"].dtype})
    rows = np.asarray(patsy.dmatrix(model.model.data.model_spec, grid))
    contrast = rows[2:].mean(axis=0) - rows[:2].mean(axis=0)  # HC - FM, equal weights
    ref = model.t_test(contrast)
    row = r.posthoc.iloc[0]
    assert (row["group_a"], row["group_b"]) == ("HC", "FM") and len(r.posthoc) == 1
    assert row["difference"] == pytest.approx(float(np.squeeze(ref.effect)), rel=1e-9)
    assert row["se"] == pytest.approx(float(np.squeeze(ref.sd)), rel=1e-9)
    assert row["p_unadjusted"] == pytest.approx(float(np.squeeze(ref.pvalue)), rel=1e-8)


def test_posthoc_without_factor_compares_all_cells(cohort):
    r = compare_groups(cohort, "cpm", ["group", "binder"], posthoc="tukey")
    assert len(r.posthoc) == 6
    assert set(r.posthoc["group_a"]) | set(r.posthoc["group_b"]) == \
        {"FM/HAB", "FM/MLAB", "HC/HAB", "HC/MLAB"}


# --- result object --------------------------------------------------------------------------

def test_to_dict_is_strict_json_and_methods_text_names_the_r_call(cohort):
    r = compare_groups(cohort, "cpm", ["group", "binder"], covariates=["age", "site"],
                       ss_type=3, posthoc="dunnett", posthoc_factor="binder",
                       alternative="less")
    payload = json.dumps(r.to_dict(), allow_nan=False)
    assert '"test": "ancova"' in payload
    text = r.methods_text()
    assert "car::Anova" in text and "type = 3" in text and f"n = {r.n_used}" in text
    assert "Dunnett" in text and "(less)" in text
    two = compare_groups(cohort, "cpm", ["group"], test="mannwhitney").to_dict()
    assert two["table"][0]["effect_ci_low"] is None
    json.dumps(two, allow_nan=False)


def test_warnings_flag_small_cells_and_unequal_variances():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"g": ["a"] * 40 + ["b"] * 8,
                       "y": np.r_[rng.normal(0, 1, 40), rng.normal(0, 6, 8)]})
    r = compare_groups(df, "y", ["g"])
    assert any("cell b has n = 8" in w for w in r.warnings)
    assert any("Levene" in w and "welch" in w for w in r.warnings)
    ignored = compare_groups(df, "y", ["g"], posthoc="tukey")
    assert any("ignored" in w for w in ignored.warnings) and ignored.posthoc is None


def test_result_is_frozen(cohort):
    r = compare_groups(cohort, "cpm", ["group"])
    with pytest.raises(AttributeError):
        r.test = "welch"


# --- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, match", [
    ({"outcome": "cpmm", "factors": ["group"]}, UnknownColumn, "'cpmm'"),
    ({"outcome": "cpm", "factors": ["gruop"]}, UnknownColumn, "'gruop'"),
    ({"outcome": "cpm", "factors": ["group"], "covariates": ["agee"]}, UnknownColumn, "'agee'"),
    ({"outcome": "site", "factors": ["group"]}, InvalidSpec, "'site'"),
    ({"outcome": "cpm", "factors": []}, InvalidSpec, "factors"),
    ({"outcome": "cpm", "factors": ["group"], "test": "ttest"}, InvalidSpec, "'ttest'"),
    ({"outcome": "cpm", "factors": ["group"], "ss_type": 1}, InvalidSpec, "ss_type"),
    ({"outcome": "cpm", "factors": ["site"], "posthoc": "scheffe"}, InvalidSpec, "'scheffe'"),
    ({"outcome": "cpm", "factors": ["group"], "alternative": "bigger"}, InvalidSpec, "bigger"),
    ({"outcome": "cpm", "factors": ["site"], "test": "student"}, InvalidSpec, "exactly 2"),
    ({"outcome": "cpm", "factors": ["site"], "test": "ancova"}, InvalidSpec, "covariate"),
    ({"outcome": "cpm", "factors": ["site"], "covariates": ["age"], "test": "anova"},
     InvalidSpec, "ancova"),
    ({"outcome": "cpm", "factors": ["group", "binder"], "test": "kruskal"}, InvalidSpec,
     "one factor"),
    ({"outcome": "cpm", "factors": ["site"], "test": "kruskal", "posthoc": "tukey"},
     InvalidSpec, "holm"),
    ({"outcome": "cpm", "factors": ["site"], "posthoc": "dunnett", "control": "Oslo"},
     InvalidSpec, "'Oslo'"),
    ({"outcome": "cpm", "factors": ["site"], "alternative": "less"}, InvalidSpec, "'less'"),
    ({"outcome": "cpm", "factors": ["group", "binder"], "posthoc": "tukey",
      "posthoc_factor": "site"}, InvalidSpec, "'site'"),
    ({"outcome": "cpm", "factors": ["group"], "covariates": ["group"]}, InvalidSpec, "'group'"),
])
def test_invalid_specs_raise_the_right_error_naming_the_argument(cohort, kwargs, error, match):
    with pytest.raises(error, match=match):
        compare_groups(cohort, **kwargs)


def test_factor_with_one_level_left_raises_insufficient_data_naming_it(cohort):
    fm_only = cohort[cohort["group"] == "FM"]
    with pytest.raises(InsufficientData, match="'group'"):
        compare_groups(fm_only, "cpm", ["group", "binder"])


def test_cell_with_two_observations_raises_insufficient_data_naming_the_cell(cohort):
    cell = cohort.index[(cohort["group"] == "HC") & (cohort["binder"] == "MLAB")]
    sparse = cohort.drop(cell[2:])
    with pytest.raises(InsufficientData, match="HC/MLAB"):
        compare_groups(sparse, "cpm", ["group", "binder"])


def test_constant_outcome_raises_degenerate_data(cohort):
    with pytest.raises(DegenerateData, match="'cpm'"):
        compare_groups(cohort.assign(cpm=1.0), "cpm", ["group"])
    within = cohort.assign(cpm=(cohort["group"] == "FM").astype(float))
    with pytest.raises(DegenerateData, match="within every cell"):
        compare_groups(within, "cpm", ["group"])


def test_collinear_or_constant_covariates_raise_degenerate_data_naming_them(cohort):
    doubled = cohort.assign(age_months=cohort["age"] * 12)
    with pytest.raises(DegenerateData, match="age_months"):
        compare_groups(doubled, "cpm", ["group"], covariates=["age", "age_months"])
    with pytest.raises(DegenerateData, match="'scanner'"):
        compare_groups(cohort.assign(scanner="GE"), "cpm", ["group"], covariates=["scanner"])
    with pytest.raises(DegenerateData, match="'dose'"):
        compare_groups(cohort.assign(dose=5.0), "cpm", ["group"], covariates=["dose"])


def test_parallel_slopes_check_matches_statsmodels_nested_model_comparison(cohort):
    from analysis import compare_engines as eng
    from analysis.linear_model import build_design, fit_ols

    data = cohort.dropna(subset=["cpm", "age"])
    design = build_design(data, ["group", "binder"], ["age"])
    fit = fit_ols(design, data["cpm"].to_numpy())
    ours = eng.slopes_homogeneity_p(design, fit, data, ["group", "binder"], ["age"])
    reduced = smf.ols("cpm ~ group * binder + age", data).fit()
    full = smf.ols("cpm ~ group * binder * age", data).fit()
    assert ours == pytest.approx(anova_lm(reduced, full)["Pr(>F)"].iloc[1], rel=1e-8)


def test_large_n_skips_shapiro_like_r_and_says_so():
    rng = np.random.default_rng(9)
    n = 6000
    df = pd.DataFrame({"g": rng.choice(["a", "b", "c"], n), "y": rng.normal(size=n)})
    r = compare_groups(df, "y", ["g"])
    assert r.assumptions.shapiro_w is None and r.assumptions.shapiro_n == n
    assert any("shapiro.test" in w for w in r.warnings)


def test_outcome_fitted_exactly_by_a_covariate_raises_degenerate_data(cohort):
    exact = cohort.assign(cpm=2.0 * cohort["age"] + (cohort["group"] == "FM") * 1.0)
    with pytest.raises(DegenerateData, match="fitted exactly"):
        compare_groups(exact, "cpm", ["group"], covariates=["age"])


def test_posthoc_on_a_factor_in_a_significant_interaction_warns(cohort):
    crossed = cohort.assign(cpm=cohort["cpm"] + np.where(
        (cohort["group"] == "HC") == (cohort["binder"] == "HAB"), 2.0, -2.0))
    r = compare_groups(crossed, "cpm", ["group", "binder"], posthoc="holm",
                       posthoc_factor="binder")
    assert any("interaction (group:binder)" in w for w in r.warnings)
