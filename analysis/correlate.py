"""Correlations (Pearson, Spearman, partial) pooled and within subgroups, in one table.

Pure functions: DataFrames in, frozen results out. No Dash, no file I/O, no rounding.
The numerical core lives in :mod:`analysis.correlate_core` (one correlation from arrays) and
:mod:`analysis.correlate_spearman_exact` (R's exact / AS 89 Spearman p values); the
result type and its methods text in :mod:`analysis.correlate_result`; the comparison of two
correlations in :mod:`analysis.correlate_compare`; matrices in :mod:`analysis.correlate_matrix`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis._data import complete_cases, require_choice, require_columns, require_numeric
from analysis.correlate_compare import (
    CorrelationDifference,
    compare_correlations,
    compare_subgroups,
)
from analysis.correlate_core import (
    METHODS,
    RowProblem,
    check_options,
    covariate_design,
    prepare,
    row_statistics,
)
from analysis.correlate_matrix import CorrelationMatrixResult, correlation_matrix
from analysis.correlate_result import POOLED, CorrelationResult, build_table
from analysis.errors import DegenerateData, InsufficientData, InvalidSpec

__all__ = ["CorrelationDifference", "CorrelationMatrixResult", "CorrelationResult",
           "compare_correlations", "compare_subgroups", "correlate", "correlation_matrix",
           "partial_residuals"]


def check_variables(df: pd.DataFrame, x: str, y: str, covariates, by=()) -> tuple:
    """Validate the column arguments; return ``(covariates, by)`` as tuples."""
    covariates = (covariates,) if isinstance(covariates, str) else tuple(covariates)
    by = (by,) if isinstance(by, str) else tuple(by)
    require_columns(df, [x], argument="x")
    require_columns(df, [y], argument="y")
    require_columns(df, covariates, argument="covariate")
    require_columns(df, by, argument="by")
    require_numeric(df, x, argument="x")
    require_numeric(df, y, argument="y")
    if x == y:
        raise InvalidSpec(f"x and y are both {x!r}; choose two different columns.")
    for name, group in (("covariate", covariates), ("by", by)):
        if len(set(group)) != len(group):
            raise InvalidSpec(f"{name} columns {list(group)} contain a duplicate; list each once.")
        for column in group:
            if column in (x, y):
                raise InvalidSpec(f"{name} {column!r} is also x or y; remove it from {name}.")
    for column in by:
        if pd.api.types.is_float_dtype(df[column].dtype):
            raise InvalidSpec(f"by {column!r} holds continuous numbers; group by a factor "
                              "column (e.g. diagnosis or genotype) instead.")
    return covariates, by


def complete_positions(df: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Positions of the rows of `df` with no missing value in `columns` (listwise deletion).

    Same rule as :func:`analysis._data.complete_cases`, which raises the shared
    :class:`InsufficientData` message when no row is complete; positions instead of a copied
    frame keep an 8-subgroup table within a few milliseconds.
    """
    mask = np.ones(len(df), dtype=bool)
    for column in dict.fromkeys(columns):
        mask &= df[column].notna().to_numpy()
    if not mask.any():
        complete_cases(df, list(columns))  # raises InsufficientData naming the columns
    return np.flatnonzero(mask)


def _label(levels: tuple) -> str:
    return "/".join(str(level) for level in levels)


def _codes(series: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes (-1 = missing) and levels in display order (categories or sorted)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(), list(series.cat.categories)
    codes, levels = pd.factorize(series, sort=True)
    return codes, list(levels)


def subgroup_rows(work: pd.DataFrame, kept_positions: np.ndarray, by: tuple[str, ...]):
    """``[(label, levels, positions among the kept rows)]``: the pooled row first, then each
    level combination of `by` present in `work` (rows of `work` at `kept_positions` are the
    complete cases; a combination without any gets an empty position array)."""
    rows = [(POOLED, None, np.arange(len(kept_positions)))]
    if not by:
        return rows
    combined = np.zeros(len(work), dtype=np.int64)
    valid = np.ones(len(work), dtype=bool)
    all_levels = []
    for factor in by:
        codes, levels = _codes(work[factor])
        combined = combined * max(len(levels), 1) + np.maximum(codes, 0)
        valid &= codes >= 0
        all_levels.append(levels)
    kept_codes = np.where(valid, combined, -1)[kept_positions]
    for code in np.unique(combined[valid]):
        levels, rest = [], int(code)
        for factor_levels in reversed(all_levels):
            rest, digit = divmod(rest, len(factor_levels))
            levels.append(factor_levels[digit])
        levels = tuple(reversed(levels))
        rows.append((_label(levels), levels, np.flatnonzero(kept_codes == code)))
    return rows


def correlate(df: pd.DataFrame, x: str, y: str, *, method: str = "pearson",
              covariates: Sequence[str] = (), by: Sequence[str] = (),
              correction: str = "holm", alternative: str = "two-sided",
              level: float = 0.95, ci_method: str = "fisher") -> CorrelationResult:
    """Correlate `x` with `y` in the whole sample and within each subgroup of `by`.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per participant.
    x, y : str
        Numeric columns to correlate.
    method : {"pearson", "spearman"}
        Spearman p values follow R's ``cor.test``: exact for n <= 9, AS 89 Edgeworth series
        for 10 <= n <= 1290, t approximation with ties, covariates or n > 1290.
    covariates : sequence of str
        Partialled out of x and y by least squares (after ranking for Spearman);
        factors are dummy-coded. Degrees of freedom drop by the number of terms.
    by : sequence of str
        Factor columns; one row per level combination present, after the pooled row "all".
    correction : {"holm", "bonferroni", "bh", "none"}
        Multiplicity correction across the rows of the table (pooled row included).
    alternative : {"two-sided", "greater", "less"}
    level : float
        Confidence level of the Fisher-z intervals (one-sided for one-sided alternatives).
    ci_method : {"fisher", "bonett_wright"}
        Standard error of atanh(rho) for Spearman: ``1/sqrt(n-3-k)`` or Bonett & Wright's
        ``sqrt((1 + rho^2/2)/(n-3-k))``.

    Returns
    -------
    CorrelationResult
        Rows whose correlation cannot be computed (too few cases, zero variance) are left
        out of the table and of the correction family and named in ``warnings``.
    """
    covariates, by = check_variables(df, x, y, covariates, by)
    check_options(method, correction, alternative, level, ci_method)
    kept = complete_positions(df, [x, y, *covariates])
    design, numeric = covariate_design(df, covariates)
    design = None if design is None else design[kept]
    xs, ys = df[x].to_numpy(dtype=float)[kept], df[y].to_numpy(dtype=float)[kept]
    rows, warnings = [], []
    for label, levels, idx in subgroup_rows(df, kept, by):
        where = "the whole sample" if levels is None else f"subgroup {label}"
        try:
            stats = row_statistics(xs[idx], ys[idx], None if design is None else design[idx],
                                   numeric, method=method, alternative=alternative,
                                   level=level, ci_method=ci_method, names=(x, y), where=where)
        except RowProblem as problem:
            if levels is None and problem.kind == "constant":
                raise DegenerateData(str(problem)) from None
            warnings.append(f"{problem} Left out of the table.")
            continue
        rows.append((label, levels, stats))
    if not rows:
        raise InsufficientData(
            f"No row of the correlation of {x!r} with {y!r} has enough complete cases: "
            + " ".join(warnings) + " Widen the subgroup or drop covariates.")
    if by:
        missing = int(df[list(by)].iloc[kept].isna().any(axis=1).sum())
        if missing:
            warnings.append(f"{missing} participant(s) with a missing {'/'.join(by)} value are "
                            "in the pooled row 'all' but in no subgroup row.")
    table = build_table(rows, by, method, bool(covariates), correction)
    return CorrelationResult(x=x, y=y, method=method, covariates=covariates, by=by,
                             correction=correction, alternative=alternative, level=level,
                             ci_method=ci_method, table=table, warnings=tuple(warnings),
                             n_dropped=len(df) - len(kept))


def partial_residuals(df: pd.DataFrame, x: str, y: str, covariates: Sequence[str] = (),
                      method: str = "pearson", *, by: Sequence[str] = ()) -> pd.DataFrame:
    """The x and y values that :func:`correlate` actually correlates, for a scatter plot.

    Pearson without covariates: the centred values; Spearman: centred ranks; with
    covariates: residuals (mean zero) of x and y (ranked first for Spearman) on the
    covariates. With `by`, ranks and residuals are computed within each subgroup, as the
    subgroup rows of the table are; subgroups that cannot be computed are left out.

    Returns
    -------
    pandas.DataFrame
        Indexed like `df` (complete cases only); columns `x`, `y` and the `by` columns.
    """
    covariates, by = check_variables(df, x, y, covariates, by)
    require_choice(method, METHODS, argument="method")
    kept = complete_positions(df, [x, y, *covariates])
    design, numeric = covariate_design(df, covariates)
    design = None if design is None else design[kept]
    xs, ys = df[x].to_numpy(dtype=float)[kept], df[y].to_numpy(dtype=float)[kept]
    pieces = []
    for label, levels, idx in subgroup_rows(df, kept, by)[(1 if by else 0):]:
        try:
            xr, yr, _ = prepare(xs[idx], ys[idx], None if design is None else design[idx],
                                numeric, method=method, names=(x, y), where=label)
        except RowProblem:
            continue
        piece = pd.DataFrame({x: xr, y: yr}, index=df.index[kept[idx]])
        for column, level in zip(by, levels or ()):
            piece[column] = level
        pieces.append(piece)
    if not pieces:
        raise InsufficientData(f"No subgroup of {'/'.join(by)} has a computable correlation "
                               f"of {x!r} with {y!r}.")
    return pd.concat(pieces)
