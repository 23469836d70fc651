"""Two-sample comparisons: Student and Welch t tests, Mann-Whitney U, with effect sizes.

Pure functions: arrays in, a frozen :class:`TwoSampleResult` out. No Dash, no file I/O, no
rounding. Every choice follows the R default (``t.test``, ``wilcox.test``,
``effectsize::hedges_g``) so that numbers can be checked against R output.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from analysis._data import MIN_PER_CELL, require_choice
from analysis.errors import DegenerateData, InsufficientData, InvalidSpec

TESTS = ("student", "welch", "mannwhitney")
ALTERNATIVES = ("two-sided", "greater", "less")
EXACT_LIMIT = 50
"""R ``wilcox.test`` uses the exact null distribution when both n are below this and no ties."""

_T_METHODS = {
    "student": "Student two-sample t-test (R t.test, var.equal=TRUE)",
    "welch": "Welch two-sample t-test (R t.test, var.equal=FALSE)",
}
_MW_EXACT = "Mann-Whitney U test, exact p (R wilcox.test, exact=TRUE)"
_MW_NORMAL = ("Mann-Whitney U test, normal approximation with continuity and tie correction "
              "(R wilcox.test, exact=FALSE, correct=TRUE)")


@dataclass(frozen=True)
class TwoSampleResult:
    """Test statistic, p value and effect sizes of one comparison of sample A with sample B.

    ``mean_difference`` and every effect size are oriented A - B (positive when A is larger).
    For a one-sided `alternative` the confidence intervals are one-sided as in R: one bound is
    ``inf`` or ``-inf`` (``to_dict`` turns it into ``None``). ``diff_ci_*`` is ``None`` for
    Mann-Whitney. Cohen's d, Hedges' g and the rank-biserial r are reported for every test.
    """

    test: str
    statistic_name: str
    statistic: float
    df: float | None
    p: float
    alternative: str
    mean_difference: float
    diff_ci_low: float | None
    diff_ci_high: float | None
    cohen_d: float
    hedges_g: float
    g_ci_low: float
    g_ci_high: float
    rank_biserial: float
    method: str
    n_a: int
    n_b: int
    labels: tuple[str, str] = ("A", "B")
    level: float = 0.95

    @property
    def table(self) -> pd.DataFrame:
        """One-row DataFrame of every field (labels split into ``label_a``/``label_b``)."""
        return pd.DataFrame([self.to_dict()])

    def to_dict(self) -> dict:
        """JSON-safe dict: plain floats/ints/strings, non-finite numbers as ``None``."""
        out = asdict(self)
        out["label_a"], out["label_b"] = (str(x) for x in out.pop("labels"))
        return {k: _json_safe(v) for k, v in out.items()}

    def methods_text(self) -> str:
        """A sentence or two naming the test, the sample sizes and the effect size method."""
        a, b = self.labels
        side = {"two-sided": "two-sided",
                "greater": f"one-sided (H1: {a} > {b})",
                "less": f"one-sided (H1: {a} < {b})"}[self.alternative]
        text = (f"{a} (n = {self.n_a}) and {b} (n = {self.n_b}) were compared with a "
                f"{self.method}, {side}. Effect size: Hedges' g (pooled-SD Cohen's d times the "
                f"exact small-sample correction J) with a {self.level:.0%} confidence interval "
                "from the noncentral t distribution (as R effectsize::hedges_g)")
        if self.test == "mannwhitney":
            text += "; rank-biserial correlation r = 2U/(n_a n_b) - 1"
        return text + "."


def two_sample_test(a: np.ndarray, b: np.ndarray, *,
                    test: Literal["student", "welch", "mannwhitney"],
                    alternative: Literal["two-sided", "greater", "less"] = "two-sided",
                    labels: tuple[str, str] = ("A", "B"),
                    level: float = 0.95) -> TwoSampleResult:
    """Compare sample `a` with sample `b` as R ``t.test`` / ``wilcox.test`` would.

    Parameters
    ----------
    a, b : numpy.ndarray
        Values of the two groups; NaNs are removed (the caller does listwise deletion and
        reports what it dropped).
    test : {"student", "welch", "mannwhitney"}
    alternative : {"two-sided", "greater", "less"}
        "greater" means H1: A > B (mean, or stochastically larger for Mann-Whitney).
    labels : tuple of str
        Names of the groups, used in error messages and ``methods_text``.
    level : float
        Confidence level of the intervals (R ``conf.level``).

    Returns
    -------
    TwoSampleResult

    Raises
    ------
    InvalidSpec
        Unknown `test`, `alternative` or a `level` outside (0, 1).
    InsufficientData
        Fewer than 3 non-missing values in a group.
    DegenerateData
        Both groups have zero variance.
    """
    require_choice(test, TESTS, argument="test")
    require_choice(alternative, ALTERNATIVES, argument="alternative")
    if not 0.0 < level < 1.0:
        raise InvalidSpec(f"level={level!r} is not supported; use a number between 0 and 1, "
                          "e.g. 0.95.")
    x, y = _clean(a, labels[0]), _clean(b, labels[1])
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        raise DegenerateData(
            f"both groups have zero variance ({labels[0]!r}: all {x[0]:g}; {labels[1]!r}: all "
            f"{y[0]:g}); a two-sample test needs values that differ within a group.")
    if test == "mannwhitney":
        w, p, exact = _mann_whitney(x, y, alternative)
        fields = {"statistic_name": "U", "statistic": w, "df": None, "p": p,
                  "diff_ci_low": None, "diff_ci_high": None,
                  "method": _MW_EXACT if exact else _MW_NORMAL}
    else:
        t, df, p, low, high = _t_test(x, y, test == "welch", alternative, level)
        fields = {"statistic_name": "t", "statistic": t, "df": df, "p": p,
                  "diff_ci_low": low, "diff_ci_high": high, "method": _T_METHODS[test]}
    return TwoSampleResult(test=test, alternative=alternative,
                           mean_difference=float(x.mean() - y.mean()),
                           **_effect_sizes(x, y, alternative, level), **fields,
                           n_a=int(x.size), n_b=int(y.size),
                           labels=(str(labels[0]), str(labels[1])), level=float(level))


def _json_safe(value):
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _clean(values: np.ndarray, label: str) -> np.ndarray:
    """`values` as a float array without NaN; at least ``MIN_PER_CELL`` of them."""
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise InvalidSpec(f"group {label!r} holds non-numeric values ({exc}); "
                          "choose a numeric outcome.") from None
    arr = arr[~np.isnan(arr)]
    if arr.size < MIN_PER_CELL:
        raise InsufficientData(
            f"group {label!r} has {arr.size} non-missing value(s); at least {MIN_PER_CELL} "
            "are needed. Widen the subgroup or merge levels.")
    return arr


# --- t tests ---------------------------------------------------------------------------

def _t_test(x, y, welch: bool, alternative: str, level: float):
    """t, df, p and the CI of mean(x) - mean(y) (R ``t.test``)."""
    nx, ny = x.size, y.size
    vx, vy = x.var(ddof=1), y.var(ddof=1)
    if welch:
        # Welch-Satterthwaite: df = (vx/nx + vy/ny)^2 / ((vx/nx)^2/(nx-1) + (vy/ny)^2/(ny-1))
        se2x, se2y = vx / nx, vy / ny
        se = math.sqrt(se2x + se2y)
        df = (se2x + se2y) ** 2 / (se2x ** 2 / (nx - 1) + se2y ** 2 / (ny - 1))
    else:
        df = nx + ny - 2.0
        pooled = ((nx - 1) * vx + (ny - 1) * vy) / df
        se = math.sqrt(pooled * (1 / nx + 1 / ny))
    diff = x.mean() - y.mean()
    t = diff / se
    low, high = t_interval(diff, se, df, alternative, level)
    return float(t), float(df), float(t_pvalue(t, df, alternative)), low, high


def t_pvalue(t, df: float, alternative: str):
    """p value of a t statistic (array or scalar) for `alternative` (greater: H1 t > 0)."""
    if alternative == "greater":
        return stats.t.sf(t, df)
    if alternative == "less":
        return stats.t.cdf(t, df)
    return 2 * stats.t.sf(np.abs(t), df)


def t_interval(diff, se, df: float, alternative: str, level: float, crit=None):
    """``diff -/+ crit * se``, one-sided as in R when `alternative` is not two-sided.

    `crit` defaults to the t quantile: ``t(1 - (1 - level)/2, df)`` two-sided, else
    ``t(level, df)``.
    """
    two = alternative == "two-sided"
    if crit is None:
        crit = stats.t.ppf(1 - (1 - level) / 2 if two else level, df)
    low = diff - crit * se if alternative != "less" else -np.inf * np.ones_like(diff)
    high = diff + crit * se if alternative != "greater" else np.inf * np.ones_like(diff)
    return (float(low), float(high)) if np.ndim(diff) == 0 else (low, high)


# --- Mann-Whitney ----------------------------------------------------------------------

def _mann_whitney(x, y, alternative: str) -> tuple[float, float, bool]:
    """R's W (= U of `x`), its p value and whether the exact distribution was used."""
    ranks = stats.rankdata(np.concatenate([x, y]))
    nx, ny = x.size, y.size
    w = float(ranks[:nx].sum() - nx * (nx + 1) / 2)
    ties = np.unique(ranks).size < ranks.size
    if nx < EXACT_LIMIT and ny < EXACT_LIMIT and not ties:
        return w, _exact_pvalue(w, nx, ny, alternative), True
    return w, _normal_pvalue(w, ranks, nx, ny, alternative), False


def _exact_null(nx: int, ny: int) -> np.ndarray:
    """P(W = w), w = 0..nx*ny, under H0 (no ties): rank sums of nx of nx+ny ranks.

    0/1 knapsack count of subsets of {1..N} of size nx by their sum, divided by C(N, nx).
    """
    n = nx + ny
    counts = np.zeros((nx + 1, n * (n + 1) // 2 + 1))
    counts[0, 0] = 1.0
    for r in range(1, n + 1):
        counts[1:, r:] = counts[1:, r:] + counts[:-1, :-r]
    offset = nx * (nx + 1) // 2
    return counts[nx, offset:offset + nx * ny + 1] / special.comb(n, nx, exact=False)


def _exact_pvalue(w: float, nx: int, ny: int, alternative: str) -> float:
    """R ``wilcox.test`` exact p: tails of the permutation distribution of W."""
    dens = _exact_null(nx, ny)
    q = round(w)
    lower, upper = dens[:q + 1].sum(), dens[q:].sum()   # P(W <= q), P(W >= q)
    if alternative == "greater":
        return float(min(upper, 1.0))
    if alternative == "less":
        return float(min(lower, 1.0))
    return float(min(2 * (upper if q > nx * ny / 2 else lower), 1.0))


def _normal_pvalue(w, ranks, nx: int, ny: int, alternative: str) -> float:
    """Normal approximation with tie-corrected variance and continuity correction (R)."""
    n = nx + ny
    _, tie_counts = np.unique(ranks, return_counts=True)
    # Var(W) = nx ny / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1)))
    sigma = math.sqrt(nx * ny / 12 * ((n + 1) - (tie_counts ** 3 - tie_counts).sum()
                                      / (n * (n - 1))))
    z = w - nx * ny / 2
    correction = {"two-sided": np.sign(z) * 0.5, "greater": 0.5, "less": -0.5}[alternative]
    z = (z - correction) / sigma
    if alternative == "greater":
        return float(stats.norm.sf(z))
    if alternative == "less":
        return float(stats.norm.cdf(z))
    return float(min(2 * min(stats.norm.cdf(z), stats.norm.sf(z)), 1.0))


# --- effect sizes ----------------------------------------------------------------------

def hedges_j(df: float) -> float:
    """Exact small-sample correction J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2)).

    Hedges (1981), eq. 6e; ``effectsize:::.J`` in R. Approximately 1 - 3 / (4 df - 1).
    """
    return math.exp(special.gammaln(df / 2) - 0.5 * math.log(df / 2)
                    - special.gammaln((df - 1) / 2))


def _effect_sizes(x, y, alternative: str, level: float) -> dict:
    """Cohen's d (pooled SD), Hedges' g with its noncentral-t CI, rank-biserial r."""
    nx, ny = x.size, y.size
    df = nx + ny - 2
    pooled_sd = math.sqrt(((nx - 1) * x.var(ddof=1) + (ny - 1) * y.var(ddof=1)) / df)
    d = (x.mean() - y.mean()) / pooled_sd
    j = hedges_j(df)
    d_low, d_high = _d_interval(d, nx, ny, alternative, level)
    u_x = stats.rankdata(np.concatenate([x, y]))[:nx].sum() - nx * (nx + 1) / 2
    return {"cohen_d": float(d), "hedges_g": float(d * j), "g_ci_low": float(d_low * j),
            "g_ci_high": float(d_high * j), "rank_biserial": float(2 * u_x / (nx * ny) - 1)}


def _d_interval(d: float, nx: int, ny: int, alternative: str, level: float):
    """CI of Cohen's d by inverting the noncentral t (Steiger & Fouladi 1997; MBESS).

    With t = d / sqrt(1/nx + 1/ny) on nx + ny - 2 df, the limits are the noncentrality
    parameters ncp for which P(T <= t | ncp) = 1 - alpha/2 (lower) and alpha/2 (upper),
    rescaled by sqrt(1/nx + 1/ny). One-sided alternatives give one-sided limits as in R
    ``effectsize`` (alpha instead of alpha/2, the other bound infinite).
    """
    scale = math.sqrt(1 / nx + 1 / ny)
    t, df = d / scale, nx + ny - 2
    alpha = 1 - level
    tail = alpha / 2 if alternative == "two-sided" else alpha
    low = _ncp_for(t, df, 1 - tail) * scale if alternative != "less" else -math.inf
    high = _ncp_for(t, df, tail) * scale if alternative != "greater" else math.inf
    return low, high


def _nct_cdf(t: float, df: float, ncp: float) -> float:
    """NaN-safe noncentral t cdf.

    scipy 1.17's ``nct.cdf`` returns NaN for some arguments with ncp far below t (e.g.
    t = 4.24, df = 124, ncp = -4.16), where the true value is 1 to double precision; fall
    back to the survival function, then to the limit.
    """
    value = stats.nct.cdf(t, df, ncp)
    if math.isnan(value):
        value = 1.0 - stats.nct.sf(t, df, ncp)
    if math.isnan(value):
        value = 1.0 if ncp < t else 0.0
    return float(value)


def _ncp_for(t: float, df: float, prob: float) -> float:
    """Noncentrality ncp with ``nct.cdf(t, df, ncp) == prob`` (the cdf decreases in ncp)."""
    def gap(ncp):
        return _nct_cdf(t, df, ncp) - prob

    width = 5.0 + abs(t)
    for _ in range(30):
        if gap(t - width) >= 0 >= gap(t + width):
            break
        width *= 2
    return float(optimize.brentq(gap, t - width, t + width, xtol=1e-10))
