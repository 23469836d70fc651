"""Tests of analysis.mediate against statsmodels OLS and pingouin.mediation_analysis.

Data are simulated like the cLBP PET cohorts: an SUVR predictor, an integer-scored
questionnaire mediator (ties), a pain outcome with missing values, age and a TSPO binder
class with a rare level (LAB) as covariates. No number is hard-coded: every expected value
is recomputed here by an independent implementation.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis import bootstrap as bs
from analysis.errors import DegenerateData, InsufficientData, InvalidSpec, UnknownColumn
from analysis.mediate import mediate, mediation_permutations


def cohort(n: int = 126, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    binder = rng.choice(["HAB", "MAB", "LAB"], size=n, p=[0.55, 0.37, 0.08])
    suvr = 1.2 + 0.2 * rng.normal(size=n) + 0.1 * (binder == "HAB")
    age = rng.uniform(20, 60, size=n).round()
    bdi = np.clip(np.round(8 + 15 * (suvr - 1.2) + 0.05 * age + 4 * rng.normal(size=n)), 0, 63)
    pain = 30 + 1.2 * bdi + 10 * (suvr - 1.2) + 8 * rng.normal(size=n)
    df = pd.DataFrame({"suvr": suvr, "bdi": bdi, "pain": pain, "age": age,
                       "binder": pd.Categorical(binder, categories=["HAB", "MAB", "LAB"]),
                       "site": rng.choice(["A", "B"], size=n)})
    df.loc[rng.choice(n, size=5, replace=False), "pain"] = np.nan
    df.loc[rng.choice(n, size=3, replace=False), "bdi"] = np.nan
    return df


def dummy_frame(df: pd.DataFrame, covariates) -> pd.DataFrame:
    """Treatment coding done independently with pandas.get_dummies (first level dropped)."""
    if not covariates:
        return pd.DataFrame(index=df.index)
    return pd.get_dummies(df[covariates], drop_first=True, dtype=float)


def statsmodels_paths(df, x, m, y, covariates):
    data = df[[x, m, y, *covariates]].dropna()
    cov = dummy_frame(data, covariates)
    xc = sm.add_constant(pd.concat([data[[x]], cov], axis=1))
    full = pd.concat([xc, data[[m]]], axis=1)
    return {"a": (sm.OLS(data[m], xc).fit(), x), "b": (sm.OLS(data[y], full).fit(), m),
            "c": (sm.OLS(data[y], xc).fit(), x), "c_prime": (sm.OLS(data[y], full).fit(), x)}


@pytest.mark.parametrize("covariates", [[], ["age"], ["age", "binder", "site"]])
def test_mediate_point_estimates_match_statsmodels_ols(covariates):
    df = cohort()
    r = mediate(df, "suvr", "bdi", "pain", covariates=covariates, n_boot=200)
    for path, (fit, term) in statsmodels_paths(df, "suvr", "bdi", "pain", covariates).items():
        row = r.paths.loc[path]
        ci = fit.conf_int(alpha=0.05).loc[term]
        np.testing.assert_allclose(
            [row.estimate, row.se, row.t, row.p, row.ci_low, row.ci_high, row.df],
            [fit.params[term], fit.bse[term], fit.tvalues[term], fit.pvalues[term], ci[0],
             ci[1], fit.df_resid], rtol=1e-9, atol=1e-12)
    # OLS identity c = c' + ab holds exactly with the same covariates in every model
    assert r.paths.at["c", "estimate"] == pytest.approx(
        r.paths.at["c_prime", "estimate"] + r.indirect, rel=1e-9)


@pytest.mark.parametrize("covariates", [[], ["age"]])
def test_mediate_indirect_equals_pingouin_point_estimate(covariates):
    df = cohort().dropna()
    ours = mediate(df, "suvr", "bdi", "pain", covariates=covariates, n_boot=100)
    theirs = pg.mediation_analysis(df, x="suvr", m="bdi", y="pain", covar=covariates or None,
                                   n_boot=100, seed=1)
    indirect = theirs.set_index("path").at["Indirect", "coef"]
    assert ours.indirect == pytest.approx(indirect, rel=1e-12)
    assert ours.paths.at["c_prime", "estimate"] == pytest.approx(
        theirs.set_index("path").at["Direct", "coef"], rel=1e-12)


@pytest.mark.parametrize("n", [12, 126])
def test_vectorised_bootstrap_equals_pingouin_loop_on_the_same_resamples(n):
    """Same resample indices as pingouin draws -> the same a*b for every resample.

    Covariates include dummies of the rare LAB level, so some resamples miss a level and
    exercise the pseudo-inverse path (pingouin uses lstsq there: both give the
    minimum-norm solution, whose a and b are identified).
    """
    df = cohort(n=max(n, 60), seed=3).dropna().iloc[:n].copy()
    df.iloc[0, df.columns.get_loc("binder")] = "LAB"  # one LAB: often absent from a resample
    cov = dummy_frame(df, ["age", "binder"])
    data = pd.concat([df[["suvr", "bdi", "pain"]], cov], axis=1)
    _, dist = pg.mediation_analysis(data, x="suvr", m="bdi", y="pain", covar=list(cov.columns),
                                    n_boot=300, seed=11, return_dist=True)
    idx = np.random.RandomState(11).choice(np.arange(len(data)), replace=True,
                                           size=(300, len(data)))  # pingouin's own draw
    ours = bs.indirect_for_indices(data.suvr.to_numpy(), data.bdi.to_numpy(),
                                   data.pain.to_numpy(), cov.to_numpy(), idx)
    valid = ~np.isnan(ours)
    assert valid.sum() >= 250
    # NaN exactly where numpy's SVD rank says a or b is not identified in the resample
    base = np.column_stack([np.ones(len(data)), data.suvr, cov])
    full = np.column_stack([base, data.bdi])
    rank = np.linalg.matrix_rank
    identified = [rank(base[i]) > rank(base[i][:, [0, *range(2, base.shape[1])]])
                  and rank(full[i]) > rank(full[i][:, :-1]) for i in idx]
    np.testing.assert_array_equal(valid, identified)
    np.testing.assert_allclose(ours[valid], np.ravel(dist)[valid], rtol=1e-7, atol=1e-10)


def test_mediate_bc_interval_matches_pingouin_within_monte_carlo_error():
    """Boot SE and BC limits agree with pingouin (independent RNG) within 4 MC SDs.

    Tolerance: the Monte Carlo SD of each quantity is measured directly as its SD over
    30 seeds of our implementation (n_boot = 5000). Two independent runs differ with SD
    sqrt(2) * that; 4 of those SDs (p ~ 6e-5 under normality) is the tolerance. As a
    check on that measurement, the asymptotic SD of a 2.5% quantile,
    sqrt(p(1 - p) / B) / f(q) (f: density of the bootstrap distribution), is of the
    same size.
    """
    df = cohort().dropna()
    runs = [mediate(df, "suvr", "bdi", "pain", n_boot=5000, seed=s) for s in range(30)]
    mc_sd = {k: np.std([getattr(r, k) for r in runs], ddof=1)
             for k in ("boot_se", "ci_low", "ci_high")}
    boot = runs[0].boot_distribution
    density = stats.gaussian_kde(boot)(runs[0].ci_low)[0]
    asymptotic = np.sqrt(0.025 * 0.975 / 5000) / density
    assert 0.5 < mc_sd["ci_low"] / asymptotic < 2
    theirs = pg.mediation_analysis(df, x="suvr", m="bdi", y="pain", n_boot=5000, seed=2024)
    row = theirs.set_index("path").loc["Indirect"]
    tol = {k: 4 * np.sqrt(2) * v for k, v in mc_sd.items()}
    assert abs(runs[0].boot_se - row.se) < tol["boot_se"]
    assert abs(runs[0].ci_low - row["CI2.5"]) < tol["ci_low"]
    assert abs(runs[0].ci_high - row["CI97.5"]) < tol["ci_high"]


def test_bc_and_percentile_intervals_differ_by_the_bias_correction():
    df = cohort().dropna()
    bc = mediate(df, "suvr", "bdi", "pain", n_boot=2000, ci="bc", seed=5)
    pct = mediate(df, "suvr", "bdi", "pain", n_boot=2000, ci="percentile", seed=5)
    boot = pct.boot_distribution
    np.testing.assert_array_equal(boot, bc.boot_distribution)  # same seed, same resamples
    assert bc.boot_se == pct.boot_se
    np.testing.assert_allclose([pct.ci_low, pct.ci_high], np.percentile(boot, [2.5, 97.5]),
                               rtol=1e-12)
    z0 = stats.norm.ppf(np.mean(boot < bc.indirect))  # Efron & Tibshirani eq. 14.10, a = 0
    q = 100 * stats.norm.cdf(2 * z0 + np.array([-1, 1]) * stats.norm.ppf(0.975))
    np.testing.assert_allclose([bc.ci_low, bc.ci_high], np.percentile(boot, q), rtol=1e-12)
    assert z0 != 0 and bc.ci_low != pct.ci_low
    # the interval moves towards the side where the point estimate lies
    assert np.sign(bc.ci_low - pct.ci_low) == np.sign(z0) == np.sign(bc.ci_high - pct.ci_high)


def test_same_seed_reproduces_the_interval_and_another_seed_changes_it():
    df = cohort()
    first = mediate(df, "suvr", "bdi", "pain", n_boot=1000, seed=42)
    again = mediate(df, "suvr", "bdi", "pain", n_boot=1000, seed=42)
    other = mediate(df, "suvr", "bdi", "pain", n_boot=1000, seed=43)
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    np.testing.assert_array_equal(first.boot_distribution, again.boot_distribution)
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)


def test_mediate_drops_incomplete_rows_and_reports_them():
    df = cohort()
    complete = df.dropna(subset=["suvr", "bdi", "pain", "age"])
    r = mediate(df, "suvr", "bdi", "pain", covariates=["age"], n_boot=500, seed=1)
    ref = mediate(complete, "suvr", "bdi", "pain", covariates=["age"], n_boot=500, seed=1)
    assert (r.n, r.n_dropped) == (len(complete), len(df) - len(complete))
    assert r.n_dropped > 0
    assert (r.ci_low, r.ci_high, r.indirect) == (ref.ci_low, ref.ci_high, ref.indirect)


def test_mediate_categorical_covariate_as_text_or_category_gives_the_same_model():
    df = cohort()
    as_text = df.assign(binder=df.binder.astype(str))
    a = mediate(df, "suvr", "bdi", "pain", covariates=["binder"], n_boot=300)
    b = mediate(as_text.assign(binder=pd.Categorical(as_text.binder,
                                                     categories=["HAB", "LAB", "MAB"])),
                "suvr", "bdi", "pain", covariates=["binder"], n_boot=300)
    pd.testing.assert_frame_equal(a.paths, b.paths, rtol=1e-9)


def test_mediate_tiny_sample_of_twelve_matches_statsmodels():
    df = cohort(n=12, seed=5).assign(pain=lambda d: d.pain.fillna(40.0),
                                     bdi=lambda d: d.bdi.fillna(10.0))
    r = mediate(df, "suvr", "bdi", "pain", n_boot=1000)
    fit = statsmodels_paths(df, "suvr", "bdi", "pain", [])["b"][0]
    assert r.n == 12 and r.paths.at["b", "df"] == 9
    assert r.paths.at["b", "p"] == pytest.approx(fit.pvalues["bdi"], rel=1e-9)
    assert np.isfinite([r.ci_low, r.ci_high, r.boot_se]).all()
    assert r.n_boot_valid == len(r.boot_distribution) <= 1000


def test_sobel_test_matches_the_hand_formula():
    df = cohort()
    r = mediate(df, "suvr", "bdi", "pain", covariates=["age"], n_boot=100)
    fits = statsmodels_paths(df, "suvr", "bdi", "pain", ["age"])
    a, sa = fits["a"][0].params["suvr"], fits["a"][0].bse["suvr"]
    b, sb = fits["b"][0].params["bdi"], fits["b"][0].bse["bdi"]
    z = a * b / np.sqrt(a**2 * sb**2 + b**2 * sa**2)  # Sobel 1982, first-order SE
    assert r.sobel_z == pytest.approx(z, rel=1e-9)
    assert r.sobel_p == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)
    assert r.proportion_mediated == pytest.approx(r.indirect / fits["c"][0].params["suvr"])


def test_result_describes_itself_without_the_bootstrap_distribution():
    r = mediate(cohort(), "suvr", "bdi", "pain", covariates=["binder"], n_boot=500)
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert "boot_distribution" not in d and d["significant"] == r.significant
    assert list(r.table.path) == ["a", "b", "c", "c_prime", "indirect"]
    text = r.methods_text()
    assert f"n = {r.n}" in text and "500" in text and "bias-corrected" in text
    assert "binder" in text


def test_mediation_permutations_runs_all_six_orderings():
    df = cohort()
    res = mediation_permutations(df, ["suvr", "bdi", "pain"], covariates=["age"], n_boot=300,
                                 seed=3)
    table = res.table
    assert len(table) == 6 and len(set(zip(table.x, table.m, table.y))) == 6
    single = mediate(df, "pain", "suvr", "bdi", covariates=["age"], n_boot=300, seed=3)
    row = table[(table.x == "pain") & (table.m == "suvr")].iloc[0]
    assert (row.indirect, row.ci_low, row.ci_high) == (single.indirect, single.ci_low,
                                                       single.ci_high)
    assert row.b_p == single.paths.at["b", "p"]
    assert all(r.n == single.n for r in res.results)
    json.dumps(res.to_dict(), allow_nan=False)


def test_mediate_rejects_subgroup_with_too_few_participants():
    df = cohort().dropna().iloc[:4]
    with pytest.raises(InsufficientData, match="at least 5"):
        mediate(df, "suvr", "bdi", "pain", covariates=["age"], n_boot=100)


@pytest.mark.parametrize("column", ["suvr", "bdi"])
def test_mediate_rejects_constant_predictor_or_mediator(column):
    df = cohort().assign(**{column: 1.0})
    with pytest.raises(DegenerateData, match=column):
        mediate(df, "suvr", "bdi", "pain", n_boot=100)


@pytest.mark.parametrize("kwargs, error, text", [
    ({"x": "suvr", "m": "suvr"}, InvalidSpec, "three different"),
    ({"x": "suvrr"}, UnknownColumn, "suvr"),
    ({"covariates": ["bdi"]}, InvalidSpec, "covariates"),
    ({"n_boot": 50}, InvalidSpec, "n_boot=50"),
    ({"n_boot": 200_000}, InvalidSpec, "100000"),
    ({"ci": "bca"}, InvalidSpec, "'bca'"),
    ({"level": 95}, InvalidSpec, "level=95"),
    ({"x": "binder"}, InvalidSpec, "numeric"),
])
def test_mediate_rejects_invalid_specs_with_a_named_message(kwargs, error, text):
    spec = {"x": "suvr", "m": "bdi", "y": "pain", "n_boot": 100} | kwargs
    with pytest.raises(error, match=text):
        mediate(cohort(), **spec)


def test_mediate_rejects_covariate_collinear_with_the_predictor():
    df = cohort().assign(suvr_copy=lambda d: 2 * d.suvr + 1)
    with pytest.raises(DegenerateData, match="collinear"):
        mediate(df, "suvr", "bdi", "pain", covariates=["suvr_copy"], n_boot=100)
