"""Post hoc contrasts between group means, and pairwise rank tests after Kruskal-Wallis.

Generic over estimates and their covariance: raw one-way data (cov = diag(MSE / n_i),
df = N - k) and ANCOVA estimated marginal means (full model covariance) go through the same
code. Pure functions: arrays in, a pandas DataFrame out. No Dash, no rounding.

Orientation follows R (``TukeyHSD``, ``pairwise.t.test``): for labels in the order given, a
pair is "later - earlier" (``group_a`` is the later label), and a comparison with a control
is "level - control".
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis._data import require_choice
from analysis.errors import InsufficientData, InvalidSpec
from analysis.multiplicity import CORRECTION_LABELS, CORRECTIONS, adjust_pvalues
from analysis.twogroup import ALTERNATIVES, t_interval, t_pvalue, two_sample_test

METHODS = ("tukey", "dunnett", "holm", "bonferroni", "none")
COLUMNS = ["group_a", "group_b", "difference", "se", "t", "df", "p_unadjusted",
           "p_adjusted", "ci_low", "ci_high", "method"]
MVT_MAXPTS = None
"""Quasi-Monte Carlo points for the multivariate t cdf; None is scipy's default (error ~1e-5)."""


def posthoc_contrasts(labels: list[str], estimates: np.ndarray, cov: np.ndarray, df: float, *,
                      method: Literal["tukey", "dunnett", "holm", "bonferroni", "none"],
                      control: str | None = None, alternative: str = "two-sided",
                      seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Pairwise differences of `estimates` with adjusted p values and confidence intervals.

    Parameters
    ----------
    labels : list of str
        Group names, in the order of `estimates`.
    estimates : numpy.ndarray, shape (k,)
        Group means or estimated marginal means.
    cov : numpy.ndarray, shape (k, k)
        Covariance of `estimates` (``diag(MSE / n_i)`` for raw one-way data).
    df : float
        Residual degrees of freedom of the error term (N - k for one-way data).
    method : {"tukey", "dunnett", "holm", "bonferroni", "none"}
        - "tukey": all pairs; Tukey-Kramer p and simultaneous CIs from the studentized
          range with k means, ``q = |t| sqrt(2)`` (R ``TukeyHSD``, emmeans
          ``adjust="tukey"``). Two-sided only.
        - "dunnett": each level vs `control`; p and simultaneous CIs from the multivariate t
          with the correlation of the contrasts implied by `cov` (Dunnett 1955; R
          multcomp ``glht(mcp(g="Dunnett"))``). Its cdf is a randomized quasi-Monte Carlo
          integral (Genz & Bretz), seeded with `seed` so results are reproducible; the
          integration error is about 1e-5 on p, well below the 1e-3 agreement with R.
        - "holm", "bonferroni", "none": t tests of each pair from `estimates`/`cov`/`df`,
          p values corrected by :func:`analysis.multiplicity.adjust_pvalues`; with raw data
          and ``cov = diag(MSE / n_i)`` this is R ``pairwise.t.test(pool.sd=TRUE)``. The
          CIs are unadjusted for "holm" and "none" (Holm has no matching simultaneous
          interval) and at level ``1 - (1 - level) / m`` for "bonferroni" (m contrasts).
          All pairs by default; only level vs `control` when `control` is given.
    control : str, optional
        Control label for "dunnett" (default: the first label) or to restrict the t-test
        family to comparisons with a control; ignored by "tukey" (always all pairs).
    alternative : {"two-sided", "greater", "less"}
        "greater" means H1: group_a > group_b. One-sided CIs have an infinite bound.
    seed : int
        Seed of the quasi-Monte Carlo integration ("dunnett" only).
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per contrast, columns ``COLUMNS``.
    """
    require_choice(method, METHODS, argument="posthoc")
    require_choice(alternative, ALTERNATIVES, argument="alternative")
    labels, est, cov, df = _check_inputs(labels, estimates, cov, df, level)
    if method == "tukey" and alternative != "two-sided":
        raise InvalidSpec(f"alternative={alternative!r} is not available with posthoc='tukey' "
                          "(the studentized range is two-sided); use 'dunnett', 'holm' or "
                          "'bonferroni' for one-sided contrasts.")
    if method == "tukey":
        control = None          # Tukey always compares all pairs
    elif method == "dunnett" and control is None:
        control = labels[0]
    pairs = _pairs(labels, control)
    contrasts = np.zeros((len(pairs), len(labels)))
    for row, (i, j) in enumerate(pairs):
        contrasts[row, i], contrasts[row, j] = 1.0, -1.0
    diff = contrasts @ est
    vcov = contrasts @ cov @ contrasts.T
    se = np.sqrt(np.diag(vcov))
    t = diff / se
    p_raw = t_pvalue(t, df, alternative)
    if method == "tukey":
        p_adj, crit, name = _tukey(t, len(labels), df, level)
    elif method == "dunnett":
        p_adj, crit, name = _dunnett(t, vcov, df, alternative, level, seed)
        name = f"{name}, control {control!r}"
    else:
        p_adj, crit, name = _corrected(p_raw, df, method, alternative, level)
    low, high = t_interval(diff, se, df, alternative, level, crit=crit)
    return pd.DataFrame({
        "group_a": [labels[i] for i, _ in pairs], "group_b": [labels[j] for _, j in pairs],
        "difference": diff, "se": se, "t": t, "df": float(df), "p_unadjusted": p_raw,
        "p_adjusted": p_adj, "ci_low": low, "ci_high": high, "method": name,
    }, columns=COLUMNS)


def _check_inputs(labels, estimates, cov, df, level):
    """Validated (labels, estimates, cov); raises InvalidSpec / InsufficientData."""
    labels = [str(x) for x in labels]
    if len(labels) < 2:
        raise InsufficientData(f"post hoc contrasts need at least 2 groups; got {len(labels)} "
                               f"({', '.join(labels) or 'none'}). Include more levels.")
    if len(set(labels)) != len(labels):
        raise InvalidSpec(f"labels must be unique; got {labels}.")
    try:
        est, cov, df = np.asarray(estimates, float), np.asarray(cov, float), float(df)
    except (TypeError, ValueError) as exc:
        raise InvalidSpec(f"estimates, cov and df must be numeric ({exc}).") from None
    k = len(labels)
    if est.shape != (k,) or cov.shape != (k, k):
        raise InvalidSpec(f"estimates must have shape ({k},) and cov ({k}, {k}) for {k} labels; "
                          f"got {est.shape} and {cov.shape}.")
    if not (np.all(np.isfinite(est)) and np.all(np.isfinite(cov))):
        raise InvalidSpec("estimates and cov must be finite; got NaN or infinite values.")
    if not np.allclose(cov, cov.T) or not _positive_definite(cov):
        raise InvalidSpec("cov must be a symmetric positive definite covariance matrix of the "
                          "estimates; check the model (a group without residual variance?).")
    if not (np.isfinite(df) and df > 0):
        raise InvalidSpec(f"df={df!r} must be a positive finite number of residual "
                          "degrees of freedom.")
    if not 0.0 < level < 1.0:
        raise InvalidSpec(f"level={level!r} must be between 0 and 1, e.g. 0.95.")
    return labels, est, cov, df


def _positive_definite(cov: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        return False
    return True


def _pairs(labels: list[str], control: str | None) -> list[tuple[int, int]]:
    """(index a, index b) of each contrast a - b: all later-earlier pairs or level-control."""
    if control is None:
        return [(j, i) for i, j in itertools.combinations(range(len(labels)), 2)]
    if control not in labels:
        raise InvalidSpec(f"control={control!r} is not one of the groups; use one of "
                          f"{', '.join(repr(x) for x in labels)}.")
    c = labels.index(control)
    return [(i, c) for i in range(len(labels)) if i != c]


def _tukey(t, k: int, df: float, level: float):
    """Tukey-Kramer: p = P(Q_{k,df} > |t| sqrt(2)); critical t = q_{level,k,df} / sqrt(2)."""
    p = stats.studentized_range.sf(np.abs(t) * math.sqrt(2), k, df)
    crit = _studentized_range_quantile(level, k, float(df)) / math.sqrt(2)
    return np.minimum(p, 1.0), crit, "Tukey-Kramer (R TukeyHSD / emmeans adjust='tukey')"


@functools.lru_cache(maxsize=256)
def _studentized_range_quantile(level: float, k: int, df: float) -> float:
    """q_{level,k,df}: scipy inverts the cdf numerically (~0.1 s), and the same (k, df)
    recurs on every click of a subgroup, so it is computed once."""
    return float(stats.studentized_range.ppf(level, k, df))


def _corrected(p_raw, df: float, method: str, alternative: str, level: float):
    """Holm/Bonferroni/none p values; t critical value (Bonferroni-adjusted for bonferroni)."""
    m = len(p_raw)
    alpha = (1 - level) / (m if method == "bonferroni" else 1)
    crit = stats.t.ppf(1 - alpha / 2 if alternative == "two-sided" else 1 - alpha, df)
    name = (f"t tests from pooled error, {CORRECTION_LABELS[method]} "
            f"(R pairwise.t.test, pool.sd=TRUE, p.adjust.method='{method}')")
    return adjust_pvalues(p_raw, method), crit, name


def _dunnett(t, vcov, df: float, alternative: str, level: float, seed: int):
    """Single-step Dunnett p values and critical value from the multivariate t."""
    sd = np.sqrt(np.diag(vcov))
    corr = vcov / np.outer(sd, sd)

    def p_of(c: float) -> float:
        return _max_t_sf(c, corr, df, alternative, seed)

    p = np.array([p_of(x) for x in t])
    alpha = 1 - level
    m, tail = len(t), (alpha / 2 if alternative == "two-sided" else alpha)
    # The critical value lies between the single-test and the Bonferroni quantiles.
    lo, hi = stats.t.ppf(1 - tail, df) * 0.99, stats.t.ppf(1 - tail / m, df) * 1.01 + 1e-3
    crit = optimize.brentq(lambda c: p_of(c if alternative != "less" else -c) - alpha,
                           lo, hi, xtol=1e-6)
    return np.minimum(p, 1.0), crit, "Dunnett (multivariate t, R multcomp glht / DunnettTest)"


def _max_t_sf(c: float, corr: np.ndarray, df: float, alternative: str, seed: int) -> float:
    """P(max |T| >= |c|), P(max T >= c) or P(min T <= c), T ~ t_df(0, corr)."""
    m = corr.shape[0]
    if m == 1:
        return float(t_pvalue(c, df, alternative))
    if alternative == "two-sided":
        upper, lower = np.full(m, abs(c)), np.full(m, -abs(c))
    elif alternative == "greater":
        upper, lower = np.full(m, c), np.full(m, -np.inf)
    else:
        upper, lower = np.full(m, np.inf), np.full(m, c)
    inside = stats.multivariate_t.cdf(upper, shape=corr, df=df, lower_limit=lower,
                                      maxpts=MVT_MAXPTS, random_state=seed)
    return float(min(max(1.0 - inside, 0.0), 1.0))


def pairwise_rank_tests(groups: dict[str, np.ndarray], *, method: str = "holm") -> pd.DataFrame:
    """Pairwise Mann-Whitney tests with a multiplicity correction (R ``pairwise.wilcox.test``).

    Each pair (later label vs earlier label, as R) uses :func:`two_sample_test` with
    ``test="mannwhitney"``: exact p when both n < 50 and no ties, else the normal
    approximation with continuity and tie correction, exactly as ``wilcox.test`` decides
    per pair. NaNs are removed per group.

    Parameters
    ----------
    groups : dict of str -> numpy.ndarray
        Values per group, in display order.
    method : {"holm", "bonferroni", "none", "bh", "fdr_bh"}
        Correction across all pairs (R ``p.adjust.method``).

    Returns
    -------
    pandas.DataFrame
        Columns group_a, group_b, statistic (R's W = U of group_a), p_unadjusted,
        p_adjusted, rank_biserial (2 W / (n_a n_b) - 1, positive when group_a is larger),
        method.
    """
    require_choice(method, tuple(CORRECTIONS), argument="method")
    labels = [str(x) for x in groups]
    if len(labels) < 2:
        raise InsufficientData(f"pairwise rank tests need at least 2 groups; got {len(labels)}.")
    values = list(groups.values())
    rows = []
    for i, j in itertools.combinations(range(len(labels)), 2):
        res = two_sample_test(values[j], values[i], test="mannwhitney",
                              labels=(labels[j], labels[i]))
        rows.append({"group_a": labels[j], "group_b": labels[i], "statistic": res.statistic,
                     "p_unadjusted": res.p, "rank_biserial": res.rank_biserial,
                     "method": f"{res.method}, {CORRECTION_LABELS[method]}"})
    table = pd.DataFrame(rows)
    table.insert(4, "p_adjusted", adjust_pvalues(table["p_unadjusted"].to_numpy(), method))
    return table
