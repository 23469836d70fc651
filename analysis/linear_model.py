"""Ordinary least squares with categorical factors, built directly on numpy.

Design matrices with treatment or sum-to-zero (``contr.sum``) coding and full-factorial
interactions, OLS by QR with a rank check that names the collinear column, type II and type III
sums of squares (as ``car::Anova``) and estimated marginal means (as ``emmeans``). The formula
machinery of statsmodels costs ~60 ms per model; this costs well under a millisecond at n ~ 100.

Pure functions: arrays in, frozen results out. No Dash, no file I/O, no rounding.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import DegenerateData

RANK_TOL = 1e-7
"""Column j is collinear when |R_jj| < RANK_TOL * ||X_j|| (R's ``lm`` uses tol = 1e-7)."""


@dataclass(frozen=True)
class Term:
    """One model term: a factor, a covariate or an interaction of factors."""

    name: str                     # "group", "age", "group:binder" (R's naming)
    variables: tuple[str, ...]
    columns: tuple[int, ...]      # its columns in the design matrix


@dataclass(frozen=True)
class Design:
    """A design matrix (intercept first) and how to rebuild rows of it for any cell."""

    matrix: np.ndarray
    column_names: tuple[str, ...]
    terms: tuple[Term, ...]                 # excluding the intercept
    levels: dict[str, tuple[str, ...]]      # categorical variable -> its levels
    numeric_means: dict[str, float]         # numeric covariate -> its mean (EMM reference)
    contrasts: Literal["sum", "treatment"]


@dataclass(frozen=True)
class OLSFit:
    """Coefficients, their covariance and the residuals of one least-squares fit.

    ``r`` and ``qty`` (R and Q'y of X = QR) let sub-models be fitted in p dimensions:
    the RSS of the model on columns S is ``rss + min_b ||qty - r[:, S] b||^2``.
    """

    coef: np.ndarray
    cov: np.ndarray            # sigma^2 (X'X)^-1
    residuals: np.ndarray
    rss: float
    df_resid: int
    r: np.ndarray
    qty: np.ndarray

    @property
    def mse(self) -> float:
        return self.rss / self.df_resid


def contrast_matrix(n_levels: int, contrasts: Literal["sum", "treatment"]) -> np.ndarray:
    """R's ``contr.sum`` or ``contr.treatment`` for `n_levels` levels, shape (k, k - 1)."""
    if contrasts == "treatment":
        return np.eye(n_levels)[:, 1:]
    coding = np.eye(n_levels)[:, :-1]
    coding[-1, :] = -1.0
    return coding


def _rowwise_kron(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Kronecker product; the first factor varies fastest, as in R's model.matrix."""
    return (b[:, :, None] * a[:, None, :]).reshape(a.shape[0], -1)


def _term_specs(factors, covariates) -> list[tuple[str, ...]]:
    """Full factorial over `factors`, then covariates as main effects (no interactions)."""
    specs = [combo for order in range(1, len(factors) + 1)
             for combo in itertools.combinations(factors, order)]
    return specs + [(c,) for c in covariates]


def _blocks(values: dict[str, np.ndarray], levels, contrasts) -> dict[str, np.ndarray]:
    """Per-variable column blocks; categorical values are integer codes or level weights."""
    out = {}
    for var, val in values.items():
        if var in levels:
            coding = contrast_matrix(len(levels[var]), contrasts)
            out[var] = coding[val] if val.ndim == 1 else val @ coding
        else:
            out[var] = np.asarray(val, dtype=float)[:, None]
    return out


def _assemble(values, levels, terms_spec, contrasts):
    """Design matrix, its column names and the terms, from per-variable values."""
    blocks = _blocks(values, levels, contrasts)
    n = next(iter(blocks.values())).shape[0]
    parts, names, terms, start = [np.ones((n, 1))], ["(Intercept)"], [], 1
    for spec in terms_spec:
        block = blocks[spec[0]]
        for var in spec[1:]:
            block = _rowwise_kron(block, blocks[var])
        parts.append(block)
        terms.append(Term(":".join(spec), spec, tuple(range(start, start + block.shape[1]))))
        names += [f"{terms[-1].name}[{i}]" for i in range(block.shape[1])]
        start += block.shape[1]
    return np.hstack(parts), tuple(names), tuple(terms)


def build_design(data: pd.DataFrame, factors, covariates=(), *,
                 contrasts: Literal["sum", "treatment"] = "sum") -> Design:
    """Design matrix of ``y ~ f1 * f2 * ... + c1 + c2 + ...`` for complete-case `data`.

    Factors and categorical covariates must be pandas categoricals without unused levels;
    numeric covariates enter as they are (not centred, as in R).
    """
    levels, values, means = {}, {}, {}
    for var in [*factors, *covariates]:
        series = data[var]
        if isinstance(series.dtype, pd.CategoricalDtype):
            levels[var] = tuple(map(str, series.cat.categories))
            values[var] = series.cat.codes.to_numpy()
        else:
            values[var] = series.to_numpy(dtype=float)
            means[var] = float(values[var].mean())
    matrix, names, terms = _assemble(values, levels, _term_specs(factors, covariates), contrasts)
    return Design(matrix, names, terms, levels, means, contrasts)


def _collinear_column(r: np.ndarray, x: np.ndarray) -> int | None:
    """Index of the first column of `x` lying in the span of the columns before it."""
    norms = np.linalg.norm(x, axis=0)
    bad = np.flatnonzero(np.abs(np.diag(r)) < RANK_TOL * np.maximum(norms, 1e-300))
    return int(bad[0]) if bad.size else None


def fit_ols(design: Design, y: np.ndarray) -> OLSFit:
    """Least-squares fit by QR; raise :class:`DegenerateData` naming a collinear term."""
    x = design.matrix
    q, r = np.linalg.qr(x)
    bad = _collinear_column(r, x)
    if bad is not None:
        term = next((t for t in design.terms if bad in t.columns), None)
        label = "the intercept" if term is None else f"term {term.name!r}"
        raise DegenerateData(
            f"{label} is collinear with the terms before it (design column "
            f"{design.column_names[bad]!r}); remove {'it' if term else 'a constant column'} "
            "or a variable that duplicates it."
        )
    df_resid = x.shape[0] - x.shape[1]
    if df_resid < 1:
        raise DegenerateData(
            f"the model has {x.shape[1]} parameters but only {x.shape[0]} observations; "
            "remove covariates or factors, or widen the subgroup."
        )
    qty = q.T @ y
    coef = np.linalg.solve(r, qty)
    residuals = y - x @ coef
    rss = float(residuals @ residuals)
    if rss <= 1e-20 * max(float(np.sum((y - y.mean()) ** 2)), 1e-300):
        raise DegenerateData(
            "the outcome is fitted exactly by the model (zero residual variance); an F test "
            "needs residual variation. Check for an outcome that duplicates a covariate."
        )
    r_inv = np.linalg.solve(r, np.eye(r.shape[0]))
    return OLSFit(coef, (rss / df_resid) * (r_inv @ r_inv.T), residuals, rss, df_resid, r, qty)


def _rss(fit: OLSFit, keep: list[int]) -> float:
    """RSS of the sub-model on columns `keep`, from the QR factors of the full model."""
    sub = fit.r[:, keep]
    coef, *_ = np.linalg.lstsq(sub, fit.qty, rcond=None)
    gap = fit.qty - sub @ coef
    return fit.rss + float(gap @ gap)


def _without(design: Design, dropped: list[Term]) -> list[int]:
    drop = {c for t in dropped for c in t.columns}
    return [c for c in range(design.matrix.shape[1]) if c not in drop]


def sums_of_squares(design: Design, fit: OLSFit, ss_type: Literal[2, 3]) -> pd.DataFrame:
    """Type II or III sum of squares, F and p per term, as ``car::Anova(model, type=...)``.

    Type III is the Wald test of each term's coefficients (needs ``contrasts="sum"`` to mean
    what SPSS and car mean by it). Type II compares the model without the term and every
    term containing it against the model without only the containing terms (marginality).
    """
    from scipy import stats  # local: keeps import time of this module small

    rows = []
    for term in design.terms:
        idx = list(term.columns)
        if ss_type == 3:
            b = fit.coef[idx]
            ss = float(b @ np.linalg.solve(fit.cov[np.ix_(idx, idx)], b)) * fit.mse
        else:
            containing = [t for t in design.terms
                          if set(term.variables) < set(t.variables)]
            ss = _rss(fit, _without(design, [term, *containing])) \
                - _rss(fit, _without(design, containing))
        df_num = len(idx)
        f = (ss / df_num) / fit.mse
        rows.append({"term": term.name, "ss": ss, "df_num": float(df_num),
                     "df_den": float(fit.df_resid), "statistic": f,
                     "p": float(stats.f.sf(f, df_num, fit.df_resid)),
                     "partial_eta_squared": ss / (ss + fit.rss)})
    return pd.DataFrame(rows)


def reference_rows(design: Design, factors, grid: pd.DataFrame) -> np.ndarray:
    """Design rows for each row of `grid` (one column per factor holding level indices).

    Factors absent from `grid` and categorical covariates are averaged with equal weights;
    numeric covariates sit at their mean: the reference grid of ``emmeans``.
    """
    n = len(grid)
    values = {}
    for var, levels in design.levels.items():
        k = len(levels)
        values[var] = grid[var].to_numpy() if var in grid else np.full((n, k), 1.0 / k)
    for var, mean in design.numeric_means.items():
        values[var] = np.full(n, mean)
    specs = [t.variables for t in design.terms]
    matrix, _, _ = _assemble(values, design.levels, specs, design.contrasts)
    return matrix


def marginal_means(design: Design, fit: OLSFit, factors) -> tuple[pd.DataFrame, np.ndarray]:
    """Estimated marginal means over the cells of `factors` and their covariance matrix.

    Returns a frame with one column of level labels per factor plus ``emmean`` and ``se``,
    and the covariance L V L' of the means, for contrasts.
    """
    levels = [design.levels[f] for f in factors]
    combos = list(itertools.product(*[range(len(lv)) for lv in levels]))
    grid = pd.DataFrame(combos, columns=list(factors))
    rows = reference_rows(design, factors, grid)
    estimate = rows @ fit.coef
    cov = rows @ fit.cov @ rows.T
    frame = pd.DataFrame({f: [lv[i] for i in grid[f]] for f, lv in zip(factors, levels)})
    frame["emmean"] = estimate
    frame["se"] = np.sqrt(np.diag(cov))
    return frame, cov
