"""The tests behind :func:`analysis.compare.compare_groups`, one small function each.

Each engine takes validated complete-case data (factors categorical) and returns the rows of
the result table; assumption checks and post hoc tests live here too. No Dash, no rounding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.compare_result import Assumptions
from analysis.describe import cell_labels
from analysis.linear_model import (
    Design,
    OLSFit,
    build_design,
    fit_ols,
    marginal_means,
    sums_of_squares,
)
from analysis.posthoc import pairwise_rank_tests, posthoc_contrasts
from analysis.twogroup import two_sample_test

SHAPIRO_RANGE = (3, 5000)
"""Sample sizes R's ``shapiro.test`` accepts."""

TWO_GROUP_EFFECT = {"student": "hedges_g", "welch": "hedges_g", "mannwhitney": "rank_biserial"}


def _nan(value) -> float:
    return np.nan if value is None else float(value)


def split_by_level(data: pd.DataFrame, outcome: str, factor: str) -> dict[str, np.ndarray]:
    """Outcome values per level of `factor`, in level order."""
    y = data[outcome].to_numpy(dtype=float)
    codes = data[factor].cat.codes.to_numpy()
    return {str(level): y[codes == i] for i, level in enumerate(data[factor].cat.categories)}


def two_group_table(data: pd.DataFrame, outcome: str, factor: str, test: str,
                    alternative: str) -> tuple[pd.DataFrame, str]:
    """One-row table of a t or Mann-Whitney test of the first level against the second,
    and the method description of ``analysis.twogroup`` (exact or asymptotic p, ...)."""
    (la, a), (lb, b) = split_by_level(data, outcome, factor).items()
    r = two_sample_test(a, b, test=test, alternative=alternative, labels=(la, lb))
    t_test = test != "mannwhitney"
    row = {
        "term": factor, "df_num": np.nan, "df_den": _nan(r.df), "statistic": float(r.statistic),
        "statistic_name": r.statistic_name, "p": float(r.p),
        "effect_size": float(r.hedges_g if t_test else r.rank_biserial),
        "effect_size_name": TWO_GROUP_EFFECT[test],
        "effect_ci_low": _nan(r.g_ci_low) if t_test else np.nan,
        "effect_ci_high": _nan(r.g_ci_high) if t_test else np.nan,
        "mean_difference": _nan(r.mean_difference),
        "diff_ci_low": _nan(r.diff_ci_low), "diff_ci_high": _nan(r.diff_ci_high),
        "cohen_d": _nan(r.cohen_d), "rank_biserial": _nan(r.rank_biserial),
    }
    return pd.DataFrame([row]), r.method


def kruskal_table(data: pd.DataFrame, outcome: str, factor: str) -> pd.DataFrame:
    """Kruskal-Wallis H (tie-corrected as R's ``kruskal.test``) with epsilon squared.

    Epsilon squared E_R^2 = H / ((n^2 - 1) / (n + 1)) = H / (n - 1) (Tomczak & Tomczak 2014;
    ``rcompanion::epsilonSquared``).
    """
    samples = list(split_by_level(data, outcome, factor).values())
    res = stats.kruskal(*samples)
    n = sum(len(s) for s in samples)
    h = float(res.statistic)
    return pd.DataFrame([{
        "term": factor, "df_num": float(len(samples) - 1), "df_den": np.nan, "statistic": h,
        "statistic_name": "H", "p": float(res.pvalue), "effect_size": h / (n - 1),
        "effect_size_name": "epsilon_squared",
    }])


def linear_model_table(data: pd.DataFrame, outcome: str, factors: Sequence[str],
                       covariates: Sequence[str], ss_type: int
                       ) -> tuple[pd.DataFrame, Design, OLSFit]:
    """ANOVA/ANCOVA table (type II or III SS, sum-to-zero contrasts) and the fitted model."""
    design = build_design(data, factors, covariates, contrasts="sum")
    y = data[outcome].to_numpy(dtype=float)
    fit = fit_ols(design, y)
    table = sums_of_squares(design, fit, ss_type)
    table["statistic_name"] = "F"
    table = table.rename(columns={"partial_eta_squared": "effect_size"})
    table["effect_size_name"] = "partial_eta_squared"
    order = ["term", "df_num", "df_den", "statistic", "statistic_name", "p", "effect_size",
             "effect_size_name", "ss"]
    return table[order], design, fit


def adjusted_cells(design: Design, fit: OLSFit, factors: Sequence[str]) -> pd.DataFrame:
    """Estimated marginal means per cell with SE and t-based 95% CI (as ``emmeans``)."""
    frame, _ = marginal_means(design, fit, list(factors))
    half = stats.t.ppf(0.975, fit.df_resid) * frame["se"]
    return pd.DataFrame({
        "label": cell_labels(frame, factors), "adjusted_mean": frame["emmean"],
        "adjusted_se": frame["se"], "adjusted_ci_low": frame["emmean"] - half,
        "adjusted_ci_high": frame["emmean"] + half,
    })


def cell_codes(data: pd.DataFrame, factors: Sequence[str]) -> np.ndarray:
    """Integer cell index per row (mixed radix over the factors' category codes)."""
    codes = np.zeros(len(data), dtype=np.int64)
    for f in factors:
        codes = codes * len(data[f].cat.categories) + data[f].cat.codes.to_numpy()
    return codes


def check_assumptions(residuals: np.ndarray, data: pd.DataFrame, outcome: str,
                      factors: Sequence[str]) -> Assumptions:
    """Shapiro-Wilk on `residuals`; Levene (median-centred) on `outcome` across cells."""
    n = len(residuals)
    w = p_w = None
    if SHAPIRO_RANGE[0] <= n <= SHAPIRO_RANGE[1] and np.ptp(residuals) > 0:
        res = stats.shapiro(residuals)
        w, p_w = float(res.statistic), float(res.pvalue)
    codes = cell_codes(data, factors)
    y = data[outcome].to_numpy(dtype=float)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    samples = np.split(y[order], bounds)
    lev = stats.levene(*samples, center="median")
    return Assumptions(w, p_w, n, float(lev.statistic), len(samples) - 1,
                       n - len(samples), float(lev.pvalue))


def within_cell_residuals(data: pd.DataFrame, outcome: str,
                          factors: Sequence[str]) -> np.ndarray:
    """Deviations of `outcome` from its cell mean."""
    codes = cell_codes(data, factors)
    y = data[outcome].to_numpy(dtype=float)
    means = np.bincount(codes, weights=y) / np.maximum(np.bincount(codes), 1)
    return y - means[codes]


def model_posthoc(design: Design, fit: OLSFit, target: Sequence[str], method: str,
                  control: str | None, alternative: str) -> pd.DataFrame:
    """Post hoc contrasts between the estimated marginal means of the cells of `target`."""
    frame, cov = marginal_means(design, fit, list(target))
    labels = list(cell_labels(frame, target))
    return posthoc_contrasts(labels, frame["emmean"].to_numpy(), cov, float(fit.df_resid),
                             method=method, control=control, alternative=alternative, seed=0)


def rank_posthoc(data: pd.DataFrame, outcome: str, factor: str, method: str) -> pd.DataFrame:
    """Pairwise Mann-Whitney tests after Kruskal-Wallis (R's ``pairwise.wilcox.test``)."""
    return pairwise_rank_tests(split_by_level(data, outcome, factor), method=method)


def slopes_homogeneity_p(design: Design, fit: OLSFit, data: pd.DataFrame,
                         factors: Sequence[str], covariates: Sequence[str]) -> float | None:
    """p of the joint F test of every factor x numeric covariate interaction (ANCOVA check).

    The interaction columns are residualized on the fitted design (through its R factor),
    so the test costs one thin QR of the extra columns rather than a second model fit.
    """
    numeric = [c for c in covariates if not isinstance(data[c].dtype, pd.CategoricalDtype)]
    if not numeric:
        return None
    x = design.matrix
    cells = np.column_stack([x[:, list(t.columns)] for t in design.terms
                             if set(t.variables) <= set(factors)])
    extra = np.column_stack([cells * data[c].to_numpy(dtype=float)[:, None] for c in numeric])
    inner = np.linalg.solve(fit.r, np.linalg.solve(fit.r.T, x.T @ extra))
    extra_res = extra - x @ inner
    q, r = np.linalg.qr(extra_res)
    norms = np.maximum(np.linalg.norm(extra, axis=0), 1e-300)
    df_den = fit.df_resid - extra.shape[1]
    if df_den < 1 or (np.abs(np.diag(r)) < 1e-7 * norms).any():
        return None
    reduction = float(np.sum((q.T @ fit.residuals) ** 2))
    f = (reduction / extra.shape[1]) / ((fit.rss - reduction) / df_den)
    return float(stats.f.sf(f, extra.shape[1], df_den))
