"""Least squares path models and the vectorised case-resampling bootstrap of ``a * b``.

Helpers of :mod:`analysis.mediate`: ordinary least squares with the usual t inference, the
indirect effect for many bootstrap resamples at once, and percentile / bias-corrected
intervals. Pure numpy/scipy; no Dash, no file I/O, no rounding.

The bootstrap never loops over resamples in Python. A block of resamples is represented by
its count matrix ``W`` (``W[r, i]`` = how often participant ``i`` was drawn in resample
``r``), so that every resample's cross-product matrix ``Z' diag(W[r]) Z`` is one row of the
single matrix product ``W @ vec(z_i z_i')``. The two regressions of Hayes' model 4 are then
solved for all resamples with :func:`numpy.linalg.solve` on the stacked normal equations.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import stats

CHUNK_ELEMENTS = 2_000_000
"""Upper bound on resamples x participants held in memory at once (about 16 MB per array)."""

_CONSTANT_TOL = 1e-10
"""A column whose resample variance is below this fraction of its sample variance is constant."""

_RANK_TOL = 1e-10
"""Predictor j is collinear with the others when RSS_j / SS_j (SPSS's tolerance) is below this."""


def ols(design: np.ndarray, response: np.ndarray, *, level: float) -> dict[str, np.ndarray]:
    """OLS coefficients with standard errors, t tests and t-based confidence intervals.

    ``se = sqrt(diag(s^2 (Z'Z)^-1))`` with ``s^2 = RSS / (n - p)``; t on ``n - p`` df, as
    in R's ``lm`` / statsmodels ``OLS``. The caller guarantees full column rank.
    """
    n, p = design.shape
    q, r = np.linalg.qr(design)
    beta = np.linalg.solve(r, q.T @ response)
    resid = response - design @ beta
    df = n - p
    sigma2 = resid @ resid / df
    r_inv = np.linalg.solve(r, np.eye(p))
    se = np.sqrt(sigma2 * np.sum(r_inv**2, axis=1))  # diag((R'R)^-1) = row sums of R^-1 ** 2
    t = beta / se
    half = stats.t.ppf(0.5 + level / 2, df) * se
    return {"estimate": beta, "se": se, "t": t, "df": np.full(p, float(df)),
            "p": 2 * stats.t.sf(np.abs(t), df), "ci_low": beta - half, "ci_high": beta + half,
            "rss": np.array(resid @ resid)}


def resample_indices(n: int, n_boot: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Blocks of an ``n_boot x n`` matrix of draws with replacement, drawn block by block."""
    rows = max(1, CHUNK_ELEMENTS // n)
    for start in range(0, n_boot, rows):
        yield rng.integers(0, n, size=(min(rows, n_boot - start), n))


def bootstrap_indirect(x, m, y, covariates: np.ndarray, *, n_boot: int,
                       rng: np.random.Generator) -> np.ndarray:
    """``a * b`` for `n_boot` case resamples; NaN where X or M is constant in a resample."""
    n = len(x)
    blocks = [indirect_for_indices(x, m, y, covariates, idx)
              for idx in resample_indices(n, n_boot, rng)]
    return np.concatenate(blocks)


def indirect_for_indices(x, m, y, covariates: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``a * b`` of Hayes' model 4 for each row of the resample index matrix `idx`.

    ``a`` is the slope of X in ``M ~ 1 + X + C`` and ``b`` the slope of M in
    ``Y ~ 1 + X + C + M``. Continuous columns are centred and scaled by the full-sample
    mean and SD first (slopes are invariant to centring; scaling is undone at the end),
    which keeps the normal equations well conditioned. A resample in which ``a`` or ``b``
    is not identified (X or M constant, or collinear with the other predictors, e.g. fewer
    distinct participants than coefficients) gives NaN; PROCESS likewise discards such
    resamples.
    """
    x, m, y = (np.asarray(v, dtype=float) for v in (x, m, y))
    scale = [np.std(v) for v in (x, m, y)]
    cols = [(x - x.mean()) / scale[0], *map(_standardise, np.asarray(covariates, float).T),
            (m - m.mean()) / scale[1], (y - y.mean()) / scale[2]]
    z = np.column_stack([np.ones(len(x)), *cols])
    cross = _resample_cross_products(z, idx)  # (B, q, q)
    q = z.shape[1]
    a, a_ok = _slope(cross, q - 2, target=q - 2, coef=1)  # M ~ [1, X, C]
    b, b_ok = _slope(cross, q - 1, target=q - 1, coef=q - 2)  # Y ~ [1, X, C, M]
    ab = a * b * scale[2] / scale[0]
    ab[~(a_ok & b_ok)] = np.nan
    return ab


def _standardise(column: np.ndarray) -> np.ndarray:
    """Centre and scale a numeric covariate; 0/1 dummies stay as they are (exact zeros)."""
    if np.isin(column, (0.0, 1.0)).all():
        return column
    return (column - column.mean()) / column.std()


def _resample_cross_products(z: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``Z' diag(w_r) Z`` for every resample r, via counts and one matrix product."""
    n_res, n = idx.shape
    flat = (idx + n * np.arange(n_res)[:, None]).ravel()
    counts = np.bincount(flat, minlength=n_res * n).reshape(n_res, n).astype(float)
    q = z.shape[1]
    outer = (z[:, :, None] * z[:, None, :]).reshape(n, q * q)
    return (counts @ outer).reshape(n_res, q, q)


def _slope(cross: np.ndarray, p: int, *, target: int, coef: int):
    """Coefficient `coef` of column `target` regressed on the first `p` columns.

    Returns the coefficient and whether it is identified, for every resample. Full-rank
    normal equations are solved by LU together with the diagonal of their inverse, whose
    j-th entry is ``1 / RSS_j`` (RSS of predictor j on the others): a tolerance
    ``RSS_j / SS_j < 1e-10`` marks rank deficiency. Rank-deficient resamples (e.g. a rare
    covariate level not drawn) are solved with the pseudo-inverse, the minimum-norm least
    squares solution (as ``numpy.linalg.lstsq``), which is exact for identified slopes.
    """
    gram, rhs = cross[:, :p, :p], cross[:, :p, target]
    out, ok = np.empty(len(cross)), np.ones(len(cross), dtype=bool)
    singular = _constant_in_resample(cross, range(1, p))
    full = np.flatnonzero(~singular)
    if full.size:
        try:
            sol = np.linalg.solve(gram[full], np.concatenate(
                [rhs[full, :, None], np.broadcast_to(np.eye(p), (full.size, p, p))], axis=2))
            inv_diag = np.diagonal(sol[:, :, 1:], axis1=1, axis2=2)
            ss = np.diagonal(gram[full], axis1=1, axis2=2).copy()
            ss[:, 1:] -= gram[full, 0, 1:] ** 2 / gram[full, :1, 0]
            # a positive definite matrix has a positive inverse diagonal; anything else is
            # round-off on a singular matrix
            deficient = ~((inv_diag > 0) & (inv_diag * ss * _RANK_TOL < 1)).all(axis=1)
            out[full] = sol[:, coef, 0]
            singular[full[deficient]] = True
        except np.linalg.LinAlgError:  # exactly singular beyond constant columns: rare
            singular[:] = True
    if singular.any():
        pinv = np.linalg.pinv(gram[singular], rcond=1e-10, hermitian=True)
        out[singular] = (pinv @ rhs[singular, :, None])[:, coef, 0]
        # identified iff e_coef lies in the row space: (pinv @ gram)[coef, coef] == 1
        ok[singular] = np.abs((pinv @ gram[singular])[:, coef, coef] - 1) < 1e-6
    return out, ok


def _constant_in_resample(cross: np.ndarray, columns) -> np.ndarray:
    """True for resamples in which any of `columns` takes a single value."""
    n_w = cross[:, 0, 0]
    flags = np.zeros(len(cross), dtype=bool)
    for j in columns:
        mean = cross[:, 0, j] / n_w
        var = cross[:, j, j] / n_w - mean**2
        full = max(float(np.max(cross[:, j, j] / n_w)), 1e-300)
        flags |= var <= _CONSTANT_TOL * full
    return flags


def percentile_ci(boot: np.ndarray, level: float) -> tuple[float, float]:
    """Percentile bootstrap interval (linear interpolation, as ``numpy.percentile``)."""
    alpha = 1 - level
    low, high = np.percentile(boot, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(low), float(high)


def bias_corrected_ci(boot: np.ndarray, estimate: float, level: float) -> tuple[float, float]:
    """Bias-corrected (BC, not BCa) interval as in PROCESS and pingouin.

    ``z0 = Phi^-1(mean(boot < estimate))``; the percentiles used are
    ``Phi(2 z0 + z_{alpha/2})`` and ``Phi(2 z0 + z_{1-alpha/2})`` (Efron & Tibshirani 1993,
    eq. 14.10 with zero acceleration).
    """
    alpha = 1 - level
    z0 = stats.norm.ppf(np.mean(boot < estimate))
    q = stats.norm.cdf(2 * z0 + stats.norm.ppf([alpha / 2, 1 - alpha / 2])) * 100
    low, high = np.percentile(boot, q)
    return float(low), float(high)


def sobel(a: float, se_a: float, b: float, se_b: float) -> tuple[float, float]:
    """Sobel (1982) first-order test: ``z = ab / sqrt(b^2 se_a^2 + a^2 se_b^2)``, two-sided p."""
    z = a * b / np.sqrt(b**2 * se_a**2 + a**2 * se_b**2)
    return float(z), float(2 * stats.norm.sf(abs(z)))
