"""Exact-regression helpers shared by the two chronic low back pain PET cohorts.

The PET papers report model statistics (ANCOVA F, adjusted differences, partial correlations,
mediation paths) rather than cell means of the imaging measures. These helpers build an outcome
whose ordinary least squares fit reproduces chosen coefficients *exactly*: the outcome is
``X @ beta + e`` with the residual ``e`` orthogonal to the columns of ``X`` and scaled to the
target residual SD. The direction of ``e`` inside that orthogonal complement is free; it is a
weighted mix of other variables (e.g. BDI) and seeded noise, and the weights are tuned
numerically so that correlations or mediation paths land on their published values.

Nothing here reads files; randomness only enters through the noise vectors passed in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
from scipy import optimize


def residualize(design: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Part of `vector` orthogonal to the column space of `design` (OLS residual)."""
    design = np.asarray(design, float)
    coef, *_ = np.linalg.lstsq(design, vector, rcond=None)
    return vector - design @ coef


def unit(vector: np.ndarray) -> np.ndarray:
    """`vector` scaled to unit Euclidean norm."""
    norm = np.linalg.norm(vector)
    if norm == 0:
        raise ValueError("cannot scale a zero vector to unit length")
    return vector / norm


def exact_outcome(design: np.ndarray, beta: Sequence[float], resid_sd: float,
                  direction: np.ndarray) -> np.ndarray:
    """Outcome whose OLS fit on `design` gives `beta` and residual SD `resid_sd` exactly.

    The residual SD is ``sqrt(SSE / (n - p))`` (the ``sigma`` of R's ``summary.lm``); the
    residual points along the part of `direction` orthogonal to `design`.
    """
    design = np.asarray(design, float)
    n, p = design.shape
    resid = unit(residualize(design, np.asarray(direction, float)))
    return design @ np.asarray(beta, float) + resid_sd * np.sqrt(n - p) * resid


def with_correlation(anchor: np.ndarray, r: float, noise: np.ndarray,
                     also_orthogonal: Sequence[np.ndarray] = ()) -> np.ndarray:
    """Zero-mean, unit-SD vector whose Pearson correlation with `anchor` is exactly `r`.

    The noise part is made orthogonal to the anchor and to every vector of
    `also_orthogonal` (so the new variable correlates with those only through the anchor).
    """
    n = len(anchor)
    base = np.column_stack([np.ones(n), anchor, *also_orthogonal])
    z_anchor = unit(anchor - anchor.mean())
    z_noise = unit(residualize(base, noise))
    out = r * z_anchor + np.sqrt(1.0 - r * r) * z_noise
    return out * np.sqrt(n - 1)


def tune(objective: Callable[[np.ndarray], np.ndarray], start: Sequence[float]) -> np.ndarray:
    """Weights minimising the squared residuals of `objective` (deterministic least squares)."""
    fit = optimize.least_squares(objective, np.asarray(start, float), xtol=1e-12, ftol=1e-12,
                                 gtol=1e-12, max_nfev=2000)
    return fit.x


def ols(y: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and standard errors of ``y ~ 1 + columns`` (as R's ``lm``)."""
    design = np.column_stack([np.ones(len(y)), *columns])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = len(y) - design.shape[1]
    cov = (resid @ resid / dof) * np.linalg.inv(design.T @ design)
    return coef, np.sqrt(np.diag(cov))


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of the rows where both are observed."""
    keep = ~(np.isnan(x) | np.isnan(y))
    return float(np.corrcoef(x[keep], y[keep])[0, 1])


def resid_sd_for_f(design: np.ndarray, columns: Sequence[int], beta: Sequence[float],
                   f_value: float) -> float:
    """Residual SD at which the Wald F of `columns` (coefficients `beta`) equals `f_value`.

    ``F = b' (V_bb)^-1 b / (q sigma^2)`` with ``V = (X'X)^-1``; solved for ``sigma``.
    """
    design = np.asarray(design, float)
    v = np.linalg.inv(design.T @ design)[np.ix_(columns, columns)]
    b = np.asarray([beta[c] for c in columns], float)
    return float(np.sqrt(b @ np.linalg.solve(v, b) / (len(columns) * f_value)))


def refine_small_cell(values: np.ndarray, mean: float, sd: float, lower: float, upper: float,
                      step: float, max_n: int = 4) -> np.ndarray:
    """Best grid values for a tiny cell (n <= `max_n` observed), keeping the ranks of `values`.

    ``match_moments`` tunes a location/scale pair, which on a coarse grid with three or four
    values can miss an SD the grid does allow (e.g. 5.9 +- 2.0 from three integers: 4, 6, 8).
    Here every sorted combination on the grid within mean +- 3 SD is scored by
    ``|mean error| + |SD error|`` and the best one is assigned in the rank order of `values`.
    """
    out = np.array(values, float)
    seen = np.flatnonzero(~np.isnan(out))
    if not 2 <= seen.size <= max_n:
        return out
    grid = np.arange(max(lower, mean - 3 * sd), min(upper, mean + 3 * sd) + step / 2, step)
    grid = np.round(np.round(grid / step) * step, 10)
    combos = np.array(list(itertools.combinations_with_replacement(grid, seen.size)))
    score = np.abs(combos.mean(1) - mean) + np.abs(combos.std(1, ddof=1) - sd)
    best = combos[np.argmin(score)]
    out[seen[np.argsort(out[seen], kind="stable")]] = best
    return out


def bootstrap_indirect(x: np.ndarray, m: np.ndarray, y: np.ndarray, n_boot: int,
                       rng: np.random.Generator) -> np.ndarray:
    """Bootstrap distribution of the OLS indirect effect a*b of x -> m -> y (no covariates)."""
    idx = rng.integers(0, len(x), size=(n_boot, len(x)))
    xs, ms, ys = x[idx], m[idx], y[idx]
    xs = xs - xs.mean(1, keepdims=True)
    ms = ms - ms.mean(1, keepdims=True)
    ys = ys - ys.mean(1, keepdims=True)
    sxx, sxm, smm = (xs * xs).sum(1), (xs * ms).sum(1), (ms * ms).sum(1)
    sxy, smy = (xs * ys).sum(1), (ms * ys).sum(1)
    a = sxm / sxx
    b = (sxx * smy - sxm * sxy) / (sxx * smm - sxm ** 2)
    return a * b


def spread_to_sd(values: np.ndarray, sd: float, lower: float, upper: float,
                 step: float) -> np.ndarray:
    """Widen a floor-clipped grid sample towards `sd` keeping its mean and order.

    When the SD exceeds the mean on a bounded scale (e.g. e-stim pain 25.6 +- 33.9 on 0-100)
    many values sit at the floor and the location/scale fit of ``match_moments`` falls short
    of the SD. Moving one step from the smallest value above the floor to the largest value
    below the ceiling keeps the mean and raises the SD; repeat while that brings the SD closer.
    """
    x = np.array(values, float)
    for _ in range(10000):
        gap = sd - x.std(ddof=1)
        up = np.flatnonzero(x <= upper - step)
        down = np.flatnonzero(x >= lower + step)
        if gap <= 0 or not up.size or not down.size:
            break
        i, j = up[np.argmax(x[up])], down[np.argmin(x[down])]
        trial = x.copy()
        trial[i] += step
        trial[j] -= step
        if i == j or abs(sd - trial.std(ddof=1)) >= abs(gap):
            break
        x = trial
    return np.round(x / step) * step
