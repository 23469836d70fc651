"""Tests of analysis.posthoc against scipy, statsmodels, pingouin and recomputed R procedures."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.multicomp import pairwise_tukeyhsd
from statsmodels.stats.multitest import multipletests

from analysis.errors import InsufficientData, InvalidSpec
from analysis.posthoc import COLUMNS, pairwise_rank_tests, posthoc_contrasts

LABELS = ["HC", "FM", "CLBP", "RA"]
SIZES = [52, 31, 22, 21]            # unequal cells as in the brief


@pytest.fixture(scope="module")
def groups():
    rng = np.random.default_rng(11)
    means = [3.0, 4.1, 3.6, 3.3]
    return [rng.normal(m, 1.4, n) for m, n in zip(means, SIZES)]


def one_way(groups):
    """Means, cov = diag(MSE / n_i) and df = N - k of a one-way layout."""
    ns = np.array([g.size for g in groups])
    df = ns.sum() - len(groups)
    mse = sum(((g - g.mean()) ** 2).sum() for g in groups) / df
    return np.array([g.mean() for g in groups]), np.diag(mse / ns), float(df)


def run(groups, **kwargs):
    est, cov, df = one_way(groups)
    return posthoc_contrasts(LABELS[:len(groups)], est, cov, df, **kwargs)


def by_pair(table):
    return table.set_index(["group_a", "group_b"])


# --- Tukey ---------------------------------------------------------------------------------

def test_tukey_matches_scipy_tukey_hsd(groups):
    table = by_pair(run(groups, method="tukey"))
    ref = stats.tukey_hsd(*groups)
    ci = ref.confidence_interval(0.95)
    for i, j in itertools.combinations(range(4), 2):      # row: later j minus earlier i
        row = table.loc[(LABELS[j], LABELS[i])]
        assert row.difference == pytest.approx(ref.statistic[j, i], rel=1e-12)
        assert row.p_adjusted == pytest.approx(ref.pvalue[j, i], abs=1e-6)
        assert row.ci_low == pytest.approx(ci.low[j, i], abs=1e-6)
        assert row.ci_high == pytest.approx(ci.high[j, i], abs=1e-6)


def test_tukey_matches_statsmodels_and_pingouin(groups):
    data = pd.DataFrame({"g": np.repeat(LABELS, SIZES), "y": np.concatenate(groups)})
    table = by_pair(run(groups, method="tukey"))
    sm = pairwise_tukeyhsd(data.y, data.g)               # group2 - group1, sorted labels
    for (g1, g2), diff, p, (low, high) in zip(itertools.combinations(sm.groupsunique, 2),
                                              sm.meandiffs, sm.pvalues, sm.confint):
        row = table.loc[(g2, g1)] if (g2, g1) in table.index else None
        sign = 1
        if row is None:
            row, sign = table.loc[(g1, g2)], -1
        assert sign * row.difference == pytest.approx(diff, rel=1e-10)
        assert row.p_adjusted == pytest.approx(p, abs=1e-4)   # statsmodels: table lookup
        assert sorted([sign * row.ci_low, sign * row.ci_high]) == pytest.approx([low, high],
                                                                               abs=1e-4)
    pgt = pg.pairwise_tukey(data, dv="y", between="g")        # diff = A - B
    for _, ref in pgt.iterrows():
        key = (ref.A, ref.B) if (ref.A, ref.B) in table.index else (ref.B, ref.A)
        sign = 1 if key == (ref.A, ref.B) else -1
        assert sign * table.loc[key].difference == pytest.approx(ref["diff"], rel=1e-10)
        assert table.loc[key].se == pytest.approx(ref.se, rel=1e-10)
        assert table.loc[key].p_adjusted == pytest.approx(ref.p_tukey, abs=1e-6)


def test_tukey_rejects_one_sided_alternative(groups):
    with pytest.raises(InvalidSpec, match="alternative='greater'"):
        run(groups, method="tukey", alternative="greater")


# --- Dunnett -------------------------------------------------------------------------------

@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_dunnett_matches_scipy_dunnett(groups, alternative):
    table = run(groups, method="dunnett", alternative=alternative)
    ref = stats.dunnett(*groups[1:], control=groups[0], alternative=alternative, rng=1)
    ci = ref.confidence_interval(0.95)
    assert list(table.group_a) == LABELS[1:] and set(table.group_b) == {"HC"}
    assert table.t.to_numpy() == pytest.approx(ref.statistic, rel=1e-10)
    assert table.p_adjusted.to_numpy() == pytest.approx(ref.pvalue, abs=1e-3)
    # scipy's interval uses a minimizer with tol=1e-3 on a noisy objective: ~1e-3 agreement
    assert table.ci_low.to_numpy() == pytest.approx(ci.low, abs=2e-3)
    assert table.ci_high.to_numpy() == pytest.approx(ci.high, abs=2e-3)


def test_dunnett_with_other_control_matches_scipy(groups):
    table = run(groups, method="dunnett", control="CLBP")
    others = [g for i, g in enumerate(groups) if i != 2]
    ref = stats.dunnett(*others, control=groups[2], rng=3)
    assert list(table.group_a) == ["HC", "FM", "RA"]
    assert table.p_adjusted.to_numpy() == pytest.approx(ref.pvalue, abs=1e-3)


def test_dunnett_interval_has_nominal_simultaneous_coverage(groups):
    table = run(groups, method="dunnett")
    crit = (table.difference - table.ci_low) / table.se
    _, cov, df = one_way(groups)
    contrasts = np.array([[-1.0, 1, 0, 0], [-1, 0, 1, 0], [-1, 0, 0, 1]])   # level - HC
    vcov = contrasts @ cov @ contrasts.T
    corr = vcov / np.sqrt(np.outer(np.diag(vcov), np.diag(vcov)))
    c = np.full(3, crit.iloc[0])
    inside = stats.multivariate_t.cdf(c, shape=corr, df=df, lower_limit=-c,
                                      maxpts=1_000_000, random_state=99)
    assert inside == pytest.approx(0.95, abs=2e-4)


def test_dunnett_is_reproducible_with_seed_and_stable_across_seeds(groups):
    first, again = run(groups, method="dunnett", seed=5), run(groups, method="dunnett", seed=5)
    other = run(groups, method="dunnett", seed=6)
    pd.testing.assert_frame_equal(first, again)
    assert other.p_adjusted.to_numpy() == pytest.approx(first.p_adjusted.to_numpy(), abs=1e-4)


def test_dunnett_with_two_groups_equals_student_t_test(groups):
    table = run(groups[:2], method="dunnett", alternative="greater")
    ref = stats.ttest_ind(groups[1], groups[0], alternative="greater")
    assert table.p_adjusted.iloc[0] == pytest.approx(ref.pvalue, rel=1e-10)
    assert table.ci_low.iloc[0] == pytest.approx(ref.confidence_interval().low, rel=1e-8)


# --- pooled-SD t tests (R pairwise.t.test) -------------------------------------------------

def pairwise_t_test(groups, p_adjust, alternative="two-sided"):
    """R pairwise.t.test(pool.sd = TRUE) recomputed: pooled SD over all groups."""
    ns = [g.size for g in groups]
    df = sum(ns) - len(groups)
    s2 = sum((g.size - 1) * g.var(ddof=1) for g in groups) / df
    rows, ps = [], []
    for i, j in itertools.combinations(range(len(groups)), 2):
        t = (groups[j].mean() - groups[i].mean()) / np.sqrt(s2 * (1 / ns[i] + 1 / ns[j]))
        p = {"two-sided": 2 * stats.t.sf(abs(t), df), "greater": stats.t.sf(t, df),
             "less": stats.t.cdf(t, df)}[alternative]
        rows.append((LABELS[j], LABELS[i]))
        ps.append(p)
    adj = ps if p_adjust == "none" else multipletests(ps, method=p_adjust)[1]
    return dict(zip(rows, zip(ps, adj)))


@pytest.mark.parametrize("method", ["holm", "bonferroni", "none"])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_corrected_t_tests_match_recomputed_pairwise_t_test(groups, method, alternative):
    table = by_pair(run(groups, method=method, alternative=alternative))
    ref = pairwise_t_test(groups, method, alternative)
    assert len(table) == len(ref) == 6
    for key, (p, adj) in ref.items():
        assert table.loc[key].p_unadjusted == pytest.approx(p, rel=1e-10)
        assert table.loc[key].p_adjusted == pytest.approx(adj, rel=1e-10)


def test_bonferroni_interval_uses_adjusted_level_and_holm_does_not(groups):
    df = one_way(groups)[2]
    bonf = run(groups, method="bonferroni")
    holm = run(groups, method="holm")
    for table, q in [(bonf, 1 - 0.05 / 12), (holm, 0.975)]:
        half = (table.ci_high - table.difference) / table.se
        assert half.to_numpy() == pytest.approx(stats.t.ppf(q, df), rel=1e-10)


def test_holm_with_control_tests_only_level_versus_control(groups):
    table = run(groups, method="holm", control="FM")
    assert list(zip(table.group_a, table.group_b)) == [("HC", "FM"), ("CLBP", "FM"),
                                                       ("RA", "FM")]


# --- ANCOVA marginal means with a full covariance --------------------------------------------

def test_contrasts_of_ancova_marginal_means_match_statsmodels_t_test():
    rng = np.random.default_rng(5)
    g = np.repeat(["HC", "FM", "CLBP"], [25, 18, 14])
    age = rng.normal(45, 10, g.size) + (g == "FM") * 6          # covariate differs by group
    y = 2 + 0.05 * age + (g == "FM") * 0.9 + rng.normal(0, 1, g.size)
    data = pd.DataFrame({"g": pd.Categorical(g, ["HC", "FM", "CLBP"]), "age": age, "y": y})
    fit = smf.ols("y ~ g + age", data).fit()
    grid = np.array([[1, 0, 0, age.mean()], [1, 1, 0, age.mean()], [1, 0, 1, age.mean()]])
    est, cov = grid @ fit.params.to_numpy(), grid @ fit.cov_params().to_numpy() @ grid.T
    table = by_pair(posthoc_contrasts(["HC", "FM", "CLBP"], est, cov, fit.df_resid,
                                      method="none"))
    for (a, b), row in zip([("FM", "HC"), ("CLBP", "HC"), ("CLBP", "FM")],
                           [[0, 1, 0, 0], [0, 0, 1, 0], [0, -1, 1, 0]]):
        ref = fit.t_test(np.array([row], dtype=float))
        assert table.loc[(a, b)].t == pytest.approx(float(ref.tvalue[0, 0]), rel=1e-9)
        assert table.loc[(a, b)].p_unadjusted == pytest.approx(float(ref.pvalue), rel=1e-9)
        low, high = ref.conf_int()[0]
        assert (table.loc[(a, b)].ci_low, table.loc[(a, b)].ci_high) == pytest.approx(
            (low, high), rel=1e-9)


# --- pairwise rank tests -------------------------------------------------------------------

def test_pairwise_rank_tests_match_scipy_with_r_routing_and_holm():
    rng = np.random.default_rng(3)
    data = {"HC": rng.normal(0, 1, 12), "FM": rng.normal(0.8, 1, 9),
            "CLBP": np.round(rng.normal(0.4, 1, 15), 0), "RA": rng.normal(0, 1, 55)}
    data["HC"][2] = np.nan
    table = pairwise_rank_tests(data, method="holm")
    clean = {k: v[~np.isnan(v)] for k, v in data.items()}
    ps = []
    for (_, row), (i, j) in zip(table.iterrows(), itertools.combinations(list(data), 2)):
        x, y = clean[j], clean[i]
        ties = np.unique(np.concatenate([x, y])).size < x.size + y.size
        exact = x.size < 50 and y.size < 50 and not ties
        ref = stats.mannwhitneyu(x, y, method="exact" if exact else "asymptotic")
        assert (row.group_a, row.group_b) == (j, i)
        assert row.statistic == ref.statistic
        assert row.p_unadjusted == pytest.approx(ref.pvalue, rel=1e-9)
        assert ("exact=TRUE" in row.method) is exact
        assert row.rank_biserial == pytest.approx(pg.mwu(x, y)["RBC"].iloc[0], rel=1e-12)
        ps.append(ref.pvalue)
    assert table.p_adjusted.to_numpy() == pytest.approx(multipletests(ps, method="holm")[1])


def test_pairwise_rank_tests_name_the_small_group():
    with pytest.raises(InsufficientData, match="'FM'"):
        pairwise_rank_tests({"HC": np.arange(5.0), "FM": np.array([1.0, np.nan, 2.0])})


# --- output shape and errors ---------------------------------------------------------------

def test_table_has_contract_columns(groups):
    table = run(groups, method="holm")
    assert list(table.columns) == COLUMNS
    assert table.method.str.contains("pairwise.t.test").all()


def test_unknown_control_lists_labels(groups):
    with pytest.raises(InvalidSpec, match="control='XX'.*'HC', 'FM', 'CLBP', 'RA'"):
        run(groups, method="dunnett", control="XX")


def test_fewer_than_two_labels_is_insufficient():
    with pytest.raises(InsufficientData, match="at least 2 groups"):
        posthoc_contrasts(["HC"], np.array([1.0]), np.eye(1), 10, method="tukey")


@pytest.mark.parametrize("cov", [np.array([[1.0, 2.0], [2.0, 1.0]]), np.eye(3),
                                 np.array([[1.0, 0.5], [0.0, 1.0]])])
def test_bad_covariance_is_invalid_spec(cov):
    with pytest.raises(InvalidSpec, match="cov"):
        posthoc_contrasts(["HC", "FM"], np.array([1.0, 2.0]), cov, 10, method="holm")


def test_unknown_method_is_invalid_spec(groups):
    with pytest.raises(InvalidSpec, match="posthoc='scheffe'"):
        run(groups, method="scheffe")
