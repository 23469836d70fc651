"""Tests of analysis.twogroup against scipy, pingouin and published R output."""

from __future__ import annotations

import json
import math

import numpy as np
import pingouin as pg
import pytest
from scipy import optimize, special, stats

from analysis.errors import AnalysisError, DegenerateData, InsufficientData, InvalidSpec
from analysis.twogroup import two_sample_test

ALTS = ["two-sided", "greater", "less"]

# R datasets::sleep, extra by group (Cushny & Peebles 1905), as printed by R.
SLEEP_1 = np.array([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0])
SLEEP_2 = np.array([1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4])
# R ?wilcox.test example (Hollander & Wolfe 1973, p. 69: permeability constants).
HW_X = np.array([0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46])
HW_Y = np.array([1.15, 0.88, 0.90, 0.74, 1.21])


@pytest.fixture
def pain_groups():
    """Unequal cells with missing values, e.g. pain ratings of patients vs controls."""
    rng = np.random.default_rng(2024)
    a = rng.normal(5.2, 1.9, 23)
    b = rng.normal(4.1, 1.1, 14)
    a[[3, 17]] = np.nan
    b[5] = np.nan
    return a, b


# --- published R output ------------------------------------------------------------------

def test_welch_matches_r_t_test_on_sleep():
    # R: t.test(extra ~ group, data = sleep)
    # t = -1.8608, df = 17.776, p-value = 0.07939; 95% CI -3.3654832 0.2054832
    r = two_sample_test(SLEEP_1, SLEEP_2, test="welch")
    assert r.statistic == pytest.approx(-1.8608, abs=1e-4)
    assert r.df == pytest.approx(17.776, abs=1e-3)
    assert r.p == pytest.approx(0.07939, abs=1e-5)
    assert (r.diff_ci_low, r.diff_ci_high) == pytest.approx((-3.3654832, 0.2054832), abs=1e-7)


def test_student_matches_r_t_test_on_sleep():
    # R: t.test(extra ~ group, data = sleep, var.equal = TRUE)
    # t = -1.8608, df = 18, p-value = 0.07919; 95% CI -3.363874 0.203874
    r = two_sample_test(SLEEP_1, SLEEP_2, test="student")
    assert r.df == 18
    assert r.p == pytest.approx(0.07919, abs=1e-5)
    assert (r.diff_ci_low, r.diff_ci_high) == pytest.approx((-3.363874, 0.203874), abs=1e-6)


def test_mannwhitney_matches_r_wilcox_test_with_ties_on_sleep():
    # R: wilcox.test(extra ~ group, data = sleep)   (ties -> normal approximation)
    # W = 25.5, p-value = 0.06933
    r = two_sample_test(SLEEP_1, SLEEP_2, test="mannwhitney")
    assert r.statistic == 25.5
    assert r.p == pytest.approx(0.06933, abs=1e-5)
    assert "exact=FALSE" in r.method


def test_mannwhitney_matches_r_wilcox_test_exact_example():
    # R: wilcox.test(x, y, alternative = "g")   (example in ?wilcox.test)
    # W = 35, p-value = 0.1272
    r = two_sample_test(HW_X, HW_Y, test="mannwhitney", alternative="greater")
    assert r.statistic == 35
    assert r.p == pytest.approx(0.1272, abs=1e-4)
    assert "exact=TRUE" in r.method


# --- t tests against scipy -----------------------------------------------------------------

@pytest.mark.parametrize("alternative", ALTS)
@pytest.mark.parametrize("test", ["student", "welch"])
def test_t_tests_match_scipy_ttest_ind(pain_groups, test, alternative):
    a, b = pain_groups
    r = two_sample_test(a, b, test=test, alternative=alternative)
    ref = stats.ttest_ind(a, b, equal_var=test == "student", alternative=alternative,
                          nan_policy="omit")
    ci = ref.confidence_interval(0.95)
    assert r.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert r.p == pytest.approx(ref.pvalue, rel=1e-10)
    assert r.df == pytest.approx(ref.df, rel=1e-12)
    assert (r.diff_ci_low, r.diff_ci_high) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert (r.n_a, r.n_b) == (21, 13)
    assert r.mean_difference == pytest.approx(np.nanmean(a) - np.nanmean(b))


# --- Mann-Whitney against scipy and pingouin -----------------------------------------------

@pytest.mark.parametrize("alternative", ALTS)
def test_mannwhitney_exact_matches_scipy_and_pingouin(pain_groups, alternative):
    a, b = (x[~np.isnan(x)] for x in pain_groups)
    r = two_sample_test(a, b, test="mannwhitney", alternative=alternative)
    ref = stats.mannwhitneyu(a, b, alternative=alternative, method="exact")
    pg_ref = pg.mwu(a, b, alternative=alternative, method="exact")
    assert r.statistic == ref.statistic == pg_ref["U_val"].iloc[0]
    assert r.p == pytest.approx(ref.pvalue, rel=1e-9)
    assert r.p == pytest.approx(pg_ref["p_val"].iloc[0], rel=1e-9)
    assert r.rank_biserial == pytest.approx(pg_ref["RBC"].iloc[0], rel=1e-12)


@pytest.mark.parametrize("alternative", ALTS)
def test_mannwhitney_with_ties_uses_corrected_normal_approximation(alternative):
    rng = np.random.default_rng(7)
    a = rng.integers(0, 8, 17).astype(float)     # 0-10 pain scale: many ties
    b = rng.integers(2, 10, 12).astype(float)
    r = two_sample_test(a, b, test="mannwhitney", alternative=alternative)
    ref = stats.mannwhitneyu(a, b, alternative=alternative, method="asymptotic",
                             use_continuity=True)
    assert r.p == pytest.approx(ref.pvalue, rel=1e-10)
    assert "exact=FALSE" in r.method


@pytest.mark.parametrize(("n_a", "exact"), [(49, True), (50, False)])
def test_mannwhitney_routes_exact_below_50_as_r(n_a, exact):
    rng = np.random.default_rng(n_a)
    a, b = rng.normal(0.3, 1, n_a), rng.normal(0, 1, 30)
    r = two_sample_test(a, b, test="mannwhitney")
    ref = stats.mannwhitneyu(a, b, method="exact" if exact else "asymptotic")
    assert r.p == pytest.approx(ref.pvalue, rel=1e-8)
    assert ("exact=TRUE" in r.method) is exact


def test_rank_biserial_sign_follows_pingouin_and_mean_difference():
    a, b = np.array([5.0, 6, 7, 8, 9]), np.array([1.0, 2, 3, 4.5, 6.5])
    r = two_sample_test(a, b, test="mannwhitney")
    ref = pg.mwu(a, b)["RBC"].iloc[0]
    assert r.rank_biserial == pytest.approx(ref)
    assert r.rank_biserial > 0 and r.mean_difference > 0
    # r = 2U/(n_a n_b) - 1 with U = W = 23 pairs where a wins (b's 6.5 beats a's 5 and 6)
    assert r.statistic == 23 and r.rank_biserial == pytest.approx(2 * 23 / 25 - 1)


# --- effect sizes --------------------------------------------------------------------------

def test_cohen_d_and_hedges_g_match_pingouin(pain_groups):
    a, b = (x[~np.isnan(x)] for x in pain_groups)
    r = two_sample_test(a, b, test="welch")
    assert r.cohen_d == pytest.approx(pg.compute_effsize(a, b, eftype="cohen"), rel=1e-12)
    # pingouin uses the approximation J ~ 1 - 3/(4(n_a + n_b) - 9): agreement to ~1e-4
    assert r.hedges_g == pytest.approx(pg.compute_effsize(a, b, eftype="hedges"), rel=2e-4)
    df = a.size + b.size - 2
    j = special.gamma(df / 2) / (math.sqrt(df / 2) * special.gamma((df - 1) / 2))
    assert r.hedges_g == pytest.approx(r.cohen_d * j, rel=1e-12)


def _nct_limit(t, df, prob):
    """Independent inversion: bisection on nct.sf over a fixed wide bracket."""
    sol = optimize.root_scalar(lambda ncp: stats.nct.sf(t, df, ncp) - (1 - prob),
                               bracket=[t - 30, t + 30], method="bisect", xtol=1e-12)
    return sol.root


@pytest.mark.parametrize("alternative", ALTS)
def test_g_interval_inverts_noncentral_t(pain_groups, alternative):
    a, b = (x[~np.isnan(x)] for x in pain_groups)
    r = two_sample_test(a, b, test="student", alternative=alternative)
    scale = math.sqrt(1 / a.size + 1 / b.size)
    t, df = r.cohen_d / scale, a.size + b.size - 2
    j = r.hedges_g / r.cohen_d
    tail = 0.025 if alternative == "two-sided" else 0.05
    low = _nct_limit(t, df, 1 - tail) * scale * j if alternative != "less" else -np.inf
    high = _nct_limit(t, df, tail) * scale * j if alternative != "greater" else np.inf
    assert (r.g_ci_low, r.g_ci_high) == pytest.approx((low, high), rel=1e-8)


def test_g_interval_close_to_hedges_olkin_normal_approximation(pain_groups):
    # pingouin.compute_esci uses the symmetric normal approximation (Hedges & Olkin 1985,
    # SE from their eq. 8); the noncentral-t interval is asymmetric but close at n = 34.
    a, b = (x[~np.isnan(x)] for x in pain_groups)
    r = two_sample_test(a, b, test="student")
    low, high = pg.compute_esci(r.hedges_g, a.size, b.size, eftype="hedges", decimals=10)
    assert r.g_ci_low == pytest.approx(low, abs=0.05)
    assert r.g_ci_high == pytest.approx(high, abs=0.05)


# --- result object and errors -------------------------------------------------------------

def test_to_dict_is_strict_json_and_methods_text_names_r(pain_groups):
    a, b = pain_groups
    r = two_sample_test(a, b, test="mannwhitney", alternative="greater", labels=("FM", "HC"))
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["diff_ci_low"] is None and d["g_ci_high"] is None      # one-sided: inf -> None
    assert d["label_a"] == "FM" and isinstance(d["p"], float)
    text = r.methods_text()
    assert "wilcox.test" in text and "n = 21" in text and "FM > HC" in text
    assert list(r.table.columns)[:3] == ["test", "statistic_name", "statistic"]


def test_rejects_group_with_two_values_after_removing_nan():
    with pytest.raises(InsufficientData, match="'HC' has 2 non-missing"):
        two_sample_test([1.0, 2, 3, 4], [1.0, np.nan, 2], test="welch", labels=("FM", "HC"))


def test_rejects_zero_variance_in_both_groups():
    with pytest.raises(DegenerateData, match="zero variance"):
        two_sample_test([2.0, 2, 2], [3.0, 3, 3, 3], test="mannwhitney")


def test_zero_variance_in_one_group_is_still_tested():
    r = two_sample_test([2.0, 2, 2, 2], [3.0, 4, 5, 3.5], test="welch")
    assert math.isfinite(r.p) and r.df == pytest.approx(3.0)


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"test": "ttest"}, "test='ttest'"),
    ({"test": "welch", "alternative": "two"}, "alternative='two'"),
    ({"test": "welch", "level": 95}, "level=95"),
])
def test_rejects_bad_spec_with_argument_name(kwargs, named):
    with pytest.raises(InvalidSpec, match=named) as err:
        two_sample_test([1.0, 2, 3], [2.0, 3, 5], **kwargs)
    assert isinstance(err.value, AnalysisError)


def test_hedges_g_interval_survives_scipy_nct_nan_region():
    """scipy's nct.cdf(4.2379, 124, -4.1574) is NaN; the g interval must still be finite.

    Reference: the interval is checked against an independent bisection on nct.sf, which
    is finite in that region.
    """
    from scipy import stats as st
    from analysis.twogroup import two_sample_test

    rng = np.random.default_rng(11)
    a = rng.normal(0.8, 1.0, 80)
    b = rng.normal(0.0, 1.0, 43)
    result = two_sample_test(a, b, test="student")
    assert np.isfinite(result.g_ci_low) and np.isfinite(result.g_ci_high)
    assert result.g_ci_low < result.hedges_g < result.g_ci_high
    t, df = result.statistic, len(a) + len(b) - 2
    scale = np.sqrt(1 / len(a) + 1 / len(b))
    lo, hi = -50.0, 50.0
    for _ in range(200):   # ncp with sf(t) = 0.025 -> lower bound of d
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if st.nct.sf(t, df, mid) < 0.025 else (lo, mid)
    from analysis.twogroup import hedges_j
    assert np.isclose(result.g_ci_low, lo * scale * hedges_j(df), rtol=1e-6)
