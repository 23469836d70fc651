"""Tests of analysis.correlate.correlate and partial_residuals.

Every expected number comes from an independent implementation computed in the test:
scipy.stats.pearsonr / spearmanr, pingouin.corr / partial_corr, statsmodels multipletests,
or a full permutation enumeration.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis.correlate import compare_subgroups, correlate, partial_residuals
from analysis.errors import DegenerateData, InsufficientData, InvalidSpec, UnknownColumn

CELLS = {("FM", "HAB"): 52, ("FM", "MLAB"): 31, ("HC", "HAB"): 22, ("HC", "MLAB"): 21}
"""Fibromyalgia TSPO-PET shape: diagnosis x binder class, unequal cells (126 in all)."""


def fm_cohort(seed: int = 0, cells=CELLS) -> pd.DataFrame:
    """Simulated cohort of the fibromyalgia shape, with NaNs and tied questionnaire scores."""
    rng = np.random.default_rng(seed)
    group = np.concatenate([[g] * n for (g, _), n in cells.items()])
    binder = np.concatenate([[b] * n for (_, b), n in cells.items()])
    n = len(group)
    df = pd.DataFrame({
        "participant_id": [f"sub-{i:03d}" for i in range(n)],
        "group": pd.Categorical(group, categories=["HC", "FM"]),
        "binder_class": pd.Categorical(binder, categories=["HAB", "MLAB"]),
        "age": rng.normal(45, 11, n).round(1),
        "sex": pd.Categorical(rng.choice(["F", "M"], n, p=[0.8, 0.2])),
        "genotype": pd.Categorical(rng.choice(["AA", "AG", "GG"], n)),
    })
    df["tspo_suv"] = 1.0 + 0.01 * df["age"] + 0.3 * (df["group"] == "FM") + rng.normal(0, .3, n)
    df["fiqr"] = (20 + 25 * df["tspo_suv"] + 0.2 * df["age"] + rng.normal(0, 12, n)).round(0)
    df["pain_vas"] = np.clip(df["fiqr"] / 10 + rng.normal(0, 1.5, n), 0, None)
    df["bdi"] = rng.integers(0, 40, n).astype(float)       # integer score: many ties
    df.loc[rng.choice(n, 6, replace=False), "fiqr"] = np.nan
    df.loc[rng.choice(n, 4, replace=False), "tspo_suv"] = np.nan
    df.loc[rng.choice(n, 3, replace=False), "age"] = np.nan
    return df


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return fm_cohort()


def _subsets(df, by, columns):
    """Pooled then per-cell complete-case frames, as correlate orders its rows."""
    complete = df.dropna(subset=columns)
    yield "all", complete
    for key, part in complete.groupby(by, observed=True, sort=True):
        yield "/".join(map(str, key if isinstance(key, tuple) else (key,))), part


def test_pearson_rows_match_scipy_pearsonr_in_every_cell(cohort):
    result = correlate(cohort, "tspo_suv", "fiqr", by=["group", "binder_class"])
    table = result.table.set_index("subgroup")
    assert list(table.index) == ["all", "HC/HAB", "HC/MLAB", "FM/HAB", "FM/MLAB"]
    for label, part in _subsets(cohort, ["group", "binder_class"], ["tspo_suv", "fiqr"]):
        ref = stats.pearsonr(part["tspo_suv"], part["fiqr"])
        ci = ref.confidence_interval(0.95)           # scipy: Fisher z, SE 1/sqrt(n - 3)
        row = table.loc[label]
        assert row["n"] == len(part) and row["df"] == len(part) - 2
        assert row["r"] == pytest.approx(ref.statistic, abs=1e-12)
        assert row["p"] == pytest.approx(ref.pvalue, rel=1e-9)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high), abs=1e-12)
        t = ref.statistic * math.sqrt((len(part) - 2) / (1 - ref.statistic ** 2))
        assert row["statistic"] == pytest.approx(t, rel=1e-12)
    assert result.n_dropped == len(cohort) - table.loc["all", "n"]
    assert table.loc["all", "n"] == 126 - cohort[["tspo_suv", "fiqr"]].isna().any(axis=1).sum()


@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_one_sided_alternatives_match_scipy_including_interval(cohort, alternative):
    result = correlate(cohort, "tspo_suv", "pain_vas", by="group", alternative=alternative,
                       level=0.9)
    for (label, part), row in zip(_subsets(cohort, "group", ["tspo_suv", "pain_vas"]),
                                  result.table.itertuples()):
        ref = stats.pearsonr(part["tspo_suv"], part["pain_vas"], alternative=alternative)
        ci = ref.confidence_interval(0.9)
        assert row.subgroup == label
        assert row.p == pytest.approx(ref.pvalue, rel=1e-9)
        assert (row.ci_low, row.ci_high) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_spearman_with_ties_uses_t_approximation_like_scipy_and_pingouin(cohort):
    result = correlate(cohort, "bdi", "fiqr", method="spearman", by=["group", "binder_class"])
    table = result.table.set_index("subgroup")
    for label, part in _subsets(cohort, ["group", "binder_class"], ["bdi", "fiqr"]):
        ref = stats.spearmanr(part["bdi"], part["fiqr"])
        pgr = pg.corr(part["bdi"], part["fiqr"], method="spearman")
        row = table.loc[label]
        assert row["p_method"] == "t"
        assert row["r"] == pytest.approx(ref.statistic, abs=1e-12)
        assert row["p"] == pytest.approx(ref.pvalue, rel=1e-9)
        assert row["p"] == pytest.approx(pgr["p_val"].iloc[0], rel=1e-6)
        # pg.corr displays CI95 rounded to 2 decimals; compute_esci is the function it calls
        ci = pg.compute_esci(stat=ref.statistic, nx=len(part), ny=len(part), eftype="r",
                             decimals=6)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(ci), abs=1e-6)


def _exact_spearman_p(x, y) -> float:
    """Two-sided exact p by enumerating all n! permutations (independent of the module)."""
    rx, ry = stats.rankdata(x), stats.rankdata(y)
    n = len(rx)
    s_obs = round(float(np.sum((rx - ry) ** 2)))
    s_all = np.array([sum((i + 1 - p) ** 2 for i, p in enumerate(perm))
                      for perm in itertools.permutations(range(1, n + 1))])
    if s_obs > (n ** 3 - n) / 6:
        tail = np.mean(s_all >= s_obs)
    else:
        tail = np.mean(s_all <= s_obs)
    return min(1.0, 2 * tail)


def test_spearman_tiny_untied_subgroup_gets_exact_permutation_p():
    rng = np.random.default_rng(7)
    cells = {("FM", "HAB"): 40, ("FM", "MLAB"): 7, ("HC", "HAB"): 8, ("HC", "MLAB"): 30}
    df = fm_cohort(3, cells)
    df["a"], df["b"] = rng.normal(size=len(df)), rng.normal(size=len(df))
    df["b"] += 0.5 * df["a"]
    table = correlate(df, "a", "b", method="spearman", by=["group", "binder_class"]).table
    for label in ("FM/MLAB", "HC/HAB"):
        g, b = label.split("/")
        part = df[(df["group"] == g) & (df["binder_class"] == b)]
        row = table.set_index("subgroup").loc[label]
        assert row["p_method"] == "exact"
        assert row["p"] == pytest.approx(_exact_spearman_p(part["a"], part["b"]), abs=1e-12)
    big = table.set_index("subgroup").loc[["all", "FM/HAB", "HC/MLAB"]]
    assert set(big["p_method"]) == {"edgeworth"}


@pytest.mark.parametrize("method", ["pearson", "spearman"])
@pytest.mark.parametrize("covariates", [["age"], ["age", "tspo_suv"]])
def test_partial_correlation_matches_pingouin_partial_corr(cohort, method, covariates):
    result = correlate(cohort, "fiqr", "pain_vas", method=method, covariates=covariates,
                       by="binder_class")
    k = len(covariates)
    columns = ["fiqr", "pain_vas", *covariates]
    for (label, part), row in zip(_subsets(cohort, "binder_class", columns),
                                  result.table.itertuples()):
        ref = pg.partial_corr(part, x="fiqr", y="pain_vas", covar=covariates, method=method)
        assert row.subgroup == label and row.n == ref["n"].iloc[0]
        assert row.df == row.n - 2 - k
        assert row.r == pytest.approx(ref["r"].iloc[0], abs=1e-10)
        assert row.p == pytest.approx(ref["p_val"].iloc[0], rel=1e-7)
        # the CI95 column is displayed rounded to 2 decimals; partial_corr computes it as
        # compute_esci(r, nx=n - k, ny=n - k, eftype="r", decimals=6)
        ci = pg.compute_esci(stat=ref["r"].iloc[0], nx=row.n - k, ny=row.n - k, eftype="r",
                             decimals=6)
        assert (row.ci_low, row.ci_high) == pytest.approx(tuple(ci), abs=1e-6)
        assert tuple(ref["CI95"].iloc[0]) == pytest.approx((row.ci_low, row.ci_high), abs=.006)
        assert row.p_method == "t" and row.method == f"partial {method}"


def test_categorical_covariate_is_dummy_coded_with_levels_minus_one_df(cohort):
    result = correlate(cohort, "tspo_suv", "fiqr", covariates=["genotype", "age"])
    part = cohort.dropna(subset=["tspo_suv", "fiqr", "age"]).copy()
    part["AG"] = (part["genotype"] == "AG").astype(float)
    part["GG"] = (part["genotype"] == "GG").astype(float)
    ref = pg.partial_corr(part, x="tspo_suv", y="fiqr", covar=["AG", "GG", "age"])
    row = result.table.iloc[0]
    assert row["df"] == len(part) - 2 - 3
    assert row["r"] == pytest.approx(ref["r"].iloc[0], abs=1e-10)
    assert row["p"] == pytest.approx(ref["p_val"].iloc[0], rel=1e-7)


def test_covariate_constant_within_subgroup_does_not_cost_a_degree_of_freedom(cohort):
    table = correlate(cohort, "tspo_suv", "fiqr", covariates=["group"], by="group").table
    plain = correlate(cohort, "tspo_suv", "fiqr", by="group").table
    assert table["df"].tolist()[1:] == plain["df"].tolist()[1:]
    assert table["r"].tolist()[1:] == pytest.approx(plain["r"].tolist()[1:], abs=1e-12)
    assert table["df"].iloc[0] == plain["df"].iloc[0] - 1


@pytest.mark.parametrize("correction,sm", [("holm", "holm"), ("bonferroni", "bonferroni"),
                                           ("bh", "fdr_bh")])
def test_adjusted_p_values_match_statsmodels_over_all_rows(cohort, correction, sm):
    table = correlate(cohort, "tspo_suv", "pain_vas", by=["group", "binder_class"],
                      correction=correction).table
    expected = multipletests(table["p"].to_numpy(), method=sm)[1]
    assert table["p_adjusted"].to_numpy() == pytest.approx(expected, rel=1e-12)
    none = correlate(cohort, "tspo_suv", "pain_vas", by="group", correction="none").table
    assert none["p_adjusted"].tolist() == none["p"].tolist()


def test_too_small_subgroup_is_left_out_with_a_warning_and_out_of_the_family():
    cells = {("FM", "HAB"): 30, ("FM", "MLAB"): 2, ("HC", "HAB"): 25, ("HC", "MLAB"): 20}
    df = fm_cohort(5, cells)
    result = correlate(df, "tspo_suv", "pain_vas", by=["group", "binder_class"])
    assert "FM/MLAB" not in set(result.table["subgroup"])
    assert any("FM/MLAB" in w and "n = 2" in w for w in result.warnings)
    expected = multipletests(result.table["p"].to_numpy(), method="holm")[1]
    assert result.table["p_adjusted"].to_numpy() == pytest.approx(expected)
    assert not result.table[["r", "p", "ci_low", "ci_high"]].isna().any().any()


def test_partial_row_needs_k_plus_three_cases():
    cells = {("FM", "HAB"): 30, ("FM", "MLAB"): 4, ("HC", "HAB"): 25, ("HC", "MLAB"): 20}
    df = fm_cohort(6, cells).dropna()
    result = correlate(df, "tspo_suv", "pain_vas", covariates=["age", "bdi"],
                       by=["group", "binder_class"])
    assert "FM/MLAB" not in set(result.table["subgroup"])
    assert any("FM/MLAB" in w and "n = 4" in w for w in result.warnings)


def test_zero_variance_subgroup_warns_and_pooled_zero_variance_raises(cohort):
    df = cohort.copy()
    df.loc[df["group"] == "HC", "bdi"] = 10.0
    result = correlate(df, "bdi", "fiqr", by="group")
    assert list(result.table["subgroup"]) == ["all", "FM"]
    assert any("HC" in w and "zero variance" in w for w in result.warnings)
    df["bdi"] = 10.0
    with pytest.raises(DegenerateData, match="'bdi' has zero variance in the whole sample"):
        correlate(df, "bdi", "fiqr", by="group")


def test_insufficient_data_when_every_row_is_too_small_or_all_missing(cohort):
    tiny = cohort.dropna(subset=["tspo_suv", "fiqr"]).head(2)
    with pytest.raises(InsufficientData, match="n = 2"):
        correlate(tiny, "tspo_suv", "fiqr")
    empty = cohort.assign(fiqr=np.nan)
    with pytest.raises(InsufficientData, match="fiqr"):
        correlate(empty, "tspo_suv", "fiqr")


@pytest.mark.parametrize("kwargs,error,pattern", [
    ({"x": "tspo", "y": "fiqr"}, UnknownColumn, "Did you mean 'tspo_suv'"),
    ({"x": "tspo_suv", "y": "fiqr", "covariates": ["agee"]}, UnknownColumn, "covariate 'agee'"),
    ({"x": "tspo_suv", "y": "fiqr", "by": ["grp"]}, UnknownColumn, "by 'grp'"),
    ({"x": "group", "y": "fiqr"}, InvalidSpec, "x 'group' must be numeric"),
    ({"x": "fiqr", "y": "fiqr"}, InvalidSpec, "both 'fiqr'"),
    ({"x": "tspo_suv", "y": "fiqr", "method": "kendall"}, InvalidSpec, "method='kendall'"),
    ({"x": "tspo_suv", "y": "fiqr", "correction": "sidak"}, InvalidSpec, "correction='sidak'"),
    ({"x": "tspo_suv", "y": "fiqr", "alternative": "two.sided"}, InvalidSpec, "alternative="),
    ({"x": "tspo_suv", "y": "fiqr", "level": 95}, InvalidSpec, "level=95"),
    ({"x": "tspo_suv", "y": "fiqr", "covariates": ["fiqr"]}, InvalidSpec, "also x or y"),
    ({"x": "tspo_suv", "y": "fiqr", "by": ["age"]}, InvalidSpec, "continuous"),
    ({"x": "tspo_suv", "y": "fiqr", "ci_method": "bonett_wright"}, InvalidSpec, "Spearman"),
])
def test_bad_specifications_raise_actionable_errors(cohort, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        correlate(cohort, **kwargs)


def test_bonett_wright_interval_widens_fisher_by_its_factor(cohort):
    fisher = correlate(cohort, "tspo_suv", "fiqr", method="spearman").table.iloc[0]
    bw = correlate(cohort, "tspo_suv", "fiqr", method="spearman",
                   ci_method="bonett_wright").table.iloc[0]
    z, n = math.atanh(bw["r"]), bw["n"]
    se = math.sqrt((1 + bw["r"] ** 2 / 2) / (n - 3))   # Bonett & Wright (2000), eq. for rho
    crit = stats.norm.ppf(0.975)
    assert (bw["ci_low"], bw["ci_high"]) == pytest.approx(
        (math.tanh(z - crit * se), math.tanh(z + crit * se)), abs=1e-12)
    assert bw["ci_high"] - bw["ci_low"] > fisher["ci_high"] - fisher["ci_low"]


def test_to_dict_is_json_safe_and_pooled_row_has_no_factor_levels(cohort):
    result = correlate(cohort, "tspo_suv", "fiqr", method="spearman",
                       by=["group", "binder_class"], covariates=["age"])
    payload = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    first = payload["table"][0]
    assert first["subgroup"] == "all" and first["group"] is None
    assert first["binder_class"] is None
    assert payload["table"][1]["group"] == "HC" and payload["covariates"] == ["age"]
    assert payload["n_dropped"] == result.n_dropped


def test_methods_text_names_test_sizes_intervals_and_family(cohort):
    text = correlate(cohort, "tspo_suv", "fiqr", by="group", correction="bh").methods_text()
    for part in ("Pearson", "n = ", "Fisher's z", "Benjamini-Hochberg", "pooled row included",
                 "cor.test"):
        assert part in text
    spear = correlate(cohort, "tspo_suv", "pain_vas", method="spearman",
                      by="group").methods_text()
    assert "AS 89" in spear and "Spearman" in spear


def test_participants_missing_the_by_factor_are_pooled_and_reported(cohort):
    df = cohort.copy()
    df.loc[df.index[:3], "binder_class"] = np.nan
    result = correlate(df, "age", "bdi", by="binder_class")
    pooled = result.table.iloc[0]
    assert pooled["n"] == df[["age", "bdi"]].notna().all(axis=1).sum()
    assert pooled["n"] > result.table["n"].iloc[1:].sum()
    assert any("missing binder_class" in w for w in result.warnings)


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_partial_residuals_reproduce_the_tested_correlation(cohort, method):
    result = correlate(cohort, "fiqr", "pain_vas", method=method, covariates=["age", "sex"],
                       by="group")
    res = partial_residuals(cohort, "fiqr", "pain_vas", ["age", "sex"], method, by="group")
    for label, part in res.groupby("group", sort=False):
        r = np.corrcoef(part["fiqr"], part["pain_vas"])[0, 1]
        assert r == pytest.approx(result.row(str(label))["r"], abs=1e-12)
        assert abs(part["fiqr"].mean()) < 1e-8
    pooled = partial_residuals(cohort, "fiqr", "pain_vas", ["age", "sex"], method)
    assert np.corrcoef(pooled["fiqr"], pooled["pain_vas"])[0, 1] == pytest.approx(
        result.row("all")["r"], abs=1e-12)
    assert set(pooled.index) <= set(cohort.index)


def test_compare_subgroups_uses_the_two_rows_and_refuses_the_pooled_row(cohort):
    result = correlate(cohort, "tspo_suv", "fiqr", by="group")
    diff = compare_subgroups(result, "FM", "HC")
    fm, hc = result.row("FM"), result.row("HC")
    z = (math.atanh(fm["r"]) - math.atanh(hc["r"])) / math.sqrt(1 / (fm["n"] - 3)
                                                                 + 1 / (hc["n"] - 3))
    assert diff.z == pytest.approx(z, rel=1e-12)
    with pytest.raises(InvalidSpec, match="overlaps"):
        compare_subgroups(result, "all", "HC")
    with pytest.raises(InvalidSpec, match="'XX' is not a row"):
        compare_subgroups(result, "XX", "HC")


def test_partial_residuals_skip_a_subgroup_without_complete_pairs():
    """x measured only in one group (e.g. FM duration): the other subgroup has no pairs;
    the scatter data leave it out instead of failing (found by the app benchmark)."""
    import pandas as pd

    from analysis.correlate import partial_residuals

    rng = np.random.default_rng(2)
    df = pd.DataFrame({"group": pd.Categorical(["FM"] * 20 + ["HC"] * 10),
                       "x": np.r_[rng.normal(size=20), [np.nan] * 10],
                       "y": rng.normal(size=30)})
    points = partial_residuals(df, "x", "y", by=["group"])
    assert set(points["group"]) == {"FM"} and len(points) == 20
