"""Numerical core of the correlation engine: one correlation from arrays.

Residualising on covariates, ranking, r, the t test, Fisher-z intervals and the choice of
Spearman p value (see :mod:`analysis.correlate_spearman_exact`). Works on numpy arrays only;
no pandas grouping, no Dash, no rounding. Callers validate their inputs first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import ndtri, stdtr

from analysis._data import require_choice
from analysis._json import json_safe
from analysis.correlate_spearman_exact import EDGEWORTH_MAX_N, EXACT_MAX_N, spearman_exact_pvalue
from analysis.errors import InvalidSpec
from analysis.multiplicity import CORRECTIONS, adjust_pvalues

METHODS = ("pearson", "spearman")
ALTERNATIVES = ("two-sided", "greater", "less")
CI_METHODS = ("fisher", "bonett_wright")
_RESIDUAL_TOL = 1e-10
"""Residual sum of squares below this fraction of the total counts as 'explained fully'."""


class RowProblem(Exception):
    """A correlation cannot be computed for one row; ``kind`` is 'small' or 'constant'."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class RowStats:
    """Statistics of one correlation (one row of a result table)."""

    n: int
    k: int              # covariate terms partialled out (rank of the covariate design)
    r: float
    ci_low: float
    ci_high: float
    df: int
    statistic: float    # t on df degrees of freedom
    p: float
    p_method: str       # "t", "exact" or "edgeworth"


def _is_factor(series: pd.Series) -> bool:
    dtype = series.dtype
    return isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype) \
        or not pd.api.types.is_numeric_dtype(dtype)


def check_options(method, correction, alternative, level, ci_method) -> None:
    """Validate the non-column options shared by :func:`correlate` and the matrix mode."""
    require_choice(method, METHODS, argument="method")
    require_choice(correction, tuple(CORRECTIONS), argument="correction")
    require_choice(alternative, ALTERNATIVES, argument="alternative")
    require_choice(ci_method, CI_METHODS, argument="ci_method")
    if ci_method == "bonett_wright" and method != "spearman":
        raise InvalidSpec("ci_method='bonett_wright' applies to Spearman's rho only; use "
                          "ci_method='fisher' with method='pearson'.")
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise InvalidSpec(f"level={level!r} must be a number between 0 and 1, e.g. 0.95.")


def covariate_design(data: pd.DataFrame, covariates: Sequence[str]):
    """Covariate matrix (numeric as is, factors dummy-coded, first level as reference).

    Returns ``(design or None, numeric flags per column)``.
    """
    blocks, numeric = [], []
    for column in covariates:
        series = data[column]
        if _is_factor(series):
            dummies = pd.get_dummies(series.astype("category"), drop_first=True, dtype=float)
            blocks.append(dummies.to_numpy())
            numeric.extend([False] * dummies.shape[1])
        else:
            blocks.append(series.to_numpy(dtype=float)[:, None])
            numeric.append(True)
    if not blocks:
        return None, np.zeros(0, dtype=bool)
    return np.column_stack(blocks), np.asarray(numeric, dtype=bool)


def rank(values: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean rank), as R's ``rank``."""
    return stats.rankdata(values, method="average")


def has_ties(values: np.ndarray) -> bool:
    """Whether any value occurs more than once."""
    ordered = np.sort(values)
    return bool(np.any(ordered[1:] == ordered[:-1]))


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product without BLAS: multi-threaded BLAS ``dot`` stalls on a busy server."""
    return float(np.sum(a * b))


def covariate_basis(design: np.ndarray | None) -> list[np.ndarray]:
    """Orthonormal basis of the centred covariate columns (modified Gram-Schmidt).

    Constant columns and columns collinear with earlier ones (relative residual norm below
    1e-8, e.g. a dummy of a level absent from a subgroup) are skipped, so ``len(basis)`` is
    the number of covariate terms identified in these rows.
    """
    basis: list[np.ndarray] = []
    if design is None:
        return basis
    for column in design.T:
        v = column - column.mean()
        norm0 = math.sqrt(_dot(v, v))
        if norm0 == 0.0:
            continue
        for _ in range(2):  # twice is enough (Giraud et al. 2005)
            for q in basis:
                v = v - _dot(v, q) * q
        norm = math.sqrt(_dot(v, v))
        if norm > 1e-8 * norm0:
            basis.append(v / norm)
    return basis


def residualise(x: np.ndarray, y: np.ndarray, design: np.ndarray | None):
    """Residuals of `x` and `y` on an intercept plus `design` columns (least squares).

    Returns ``(x_res, y_res, k)`` with ``k`` the number of covariate terms actually
    identified in these rows (constant or collinear columns do not count).
    """
    basis = covariate_basis(design)
    xr, yr = x - x.mean(), y - y.mean()
    for q in basis:
        xr = xr - _dot(xr, q) * q
        yr = yr - _dot(yr, q) * q
    return xr, yr, len(basis)


def fisher_ci(r: float, n_eff: int, level: float, alternative: str,
              se_factor: float = 1.0) -> tuple[float, float]:
    """Fisher-z interval ``tanh(atanh(r) -/+ crit * se_factor / sqrt(n_eff - 3))``.

    One-sided alternatives give one-sided intervals, as ``scipy.stats.pearsonr`` and
    ``pingouin.compute_esci`` do. ``n_eff = n - k``; with ``n_eff <= 3`` the standard error
    is infinite and the interval is (-1, 1).
    """
    if abs(r) >= 1.0:
        return float(r), float(r)
    if n_eff <= 3:
        return -1.0, 1.0
    z = math.atanh(r)
    se = se_factor / math.sqrt(n_eff - 3)
    if alternative == "two-sided":
        crit = float(ndtri(0.5 + level / 2.0))
        return math.tanh(z - crit * se), math.tanh(z + crit * se)
    crit = float(ndtri(level))
    if alternative == "greater":
        return math.tanh(z - crit * se), 1.0
    return -1.0, math.tanh(z + crit * se)


def t_test(r: float, df: int, alternative: str) -> tuple[float, float]:
    """``t = r sqrt(df / (1 - r^2))`` and its p value on `df` degrees of freedom."""
    if abs(r) >= 1.0:
        t = math.copysign(math.inf, r)
    else:
        t = r * math.sqrt(df / (1.0 - r * r))
    return float(t), float(t_pvalue(t, df, alternative))


def t_pvalue(t, df, alternative: str):
    """P value of Student's t (scalar or array) on `df` degrees of freedom."""
    if alternative == "greater":
        return stdtr(df, -t)
    if alternative == "less":
        return stdtr(df, t)
    return np.minimum(1.0, 2.0 * stdtr(df, -np.abs(t)))


def pearson_r(xc: np.ndarray, yc: np.ndarray) -> float:
    """Correlation of two centred (or residual) vectors, clipped to [-1, 1]."""
    r = _dot(xc, yc) / math.sqrt(_dot(xc, xc) * _dot(yc, yc))
    return min(1.0, max(-1.0, r))


def _require_spread(values: np.ndarray, name: str, where: str) -> None:
    if values.size < 2:
        raise RowProblem("small", f"{where} has {values.size} complete pair(s) of {name!r}; "
                                  "no correlation there.")
    if np.ptp(values) == 0:
        raise RowProblem("constant", f"{name!r} has zero variance in {where} "
                                     f"(every value is {values[0]:g}); no correlation there.")


def prepare(x, y, design, numeric, *, method: str, names: tuple[str, str], where: str):
    """Checked, ranked (Spearman) and residualised x and y of one row.

    `design` holds the covariate columns of these rows (or None); `numeric` flags the
    columns to rank for Spearman (dummy columns of categorical covariates are left as
    they are: ranking a 0/1 column is an affine map, so the fit is unchanged).
    Returns ``(x_res, y_res, k)``; raises :class:`RowProblem`.
    """
    _require_spread(x, names[0], where)
    _require_spread(y, names[1], where)
    if method == "spearman":
        x, y = rank(x), rank(y)
        if design is not None and design.shape[1]:
            design = design.copy()
            for j in np.flatnonzero(numeric):
                design[:, j] = rank(design[:, j])
    xr, yr, k = residualise(x, y, design)
    for res, raw, name in ((xr, x, names[0]), (yr, y, names[1])):
        total = np.sum((raw - raw.mean()) ** 2)
        if _dot(res, res) <= _RESIDUAL_TOL * total:
            raise RowProblem("constant", f"{name!r} is fully explained by the covariates in "
                                         f"{where}; its partial correlation is undefined.")
    return xr, yr, k


def row_statistics(x, y, design, numeric, *, method: str, alternative: str, level: float,
                   ci_method: str, names: tuple[str, str], where: str) -> RowStats:
    """Correlation, t test, p value and interval of one row (see :func:`prepare`)."""
    n = len(x)
    if n < 3:
        raise RowProblem("small", f"{where} has n = {n} complete pair(s); at least 3 needed.")
    xr, yr, k = prepare(x, y, design, numeric, method=method, names=names, where=where)
    df = n - 2 - k
    if df < 1:
        raise RowProblem("small", f"{where} has n = {n} complete case(s) for {k} covariate "
                                  f"term(s); at least {k + 3} are needed.")
    r = pearson_r(xr, yr)
    t, p = t_test(r, df, alternative)
    p_method = "t"
    if method == "spearman" and k == 0 and n <= EDGEWORTH_MAX_N \
            and not has_ties(x) and not has_ties(y):
        p = spearman_exact_pvalue(r, n, alternative)
        p_method = "exact" if n <= EXACT_MAX_N else "edgeworth"
    se_factor = math.sqrt(1.0 + r * r / 2.0) if ci_method == "bonett_wright" else 1.0
    low, high = fisher_ci(r, n - k, level, alternative, se_factor)
    return RowStats(n, k, r, low, high, df, t, p, p_method)


def adjust(p_values: np.ndarray, correction: str) -> np.ndarray:
    """Adjusted p values of a family (see :func:`analysis.multiplicity.adjust_pvalues`)."""
    return adjust_pvalues(np.asarray(p_values, dtype=float), correction)


def json_records(table: pd.DataFrame) -> list[dict]:
    """Rows of `table` as JSON-safe dicts (numpy scalars to Python, NaN and inf to None)."""
    return json_safe(table)
