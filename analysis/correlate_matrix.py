"""Correlation matrix of several measures: r, p, corrected p and pairwise-complete n.

Each pair uses the participants complete on that pair (and the covariates); when nothing
is missing the whole matrix is computed at once. Inference per pair is the same as in
:func:`analysis.correlate.correlate`. Pure functions; no Dash, no I/O, no rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from analysis._data import require_columns, require_numeric
from analysis.correlate_core import (
    EDGEWORTH_MAX_N,
    EXACT_MAX_N,
    RowProblem,
    adjust,
    check_options,
    covariate_design,
    fisher_ci,
    has_ties,
    json_records,
    pearson_r,
    prepare,
    rank,
    t_pvalue,
)
from analysis.correlate_spearman_exact import spearman_exact_pvalue
from analysis.errors import InsufficientData, InvalidSpec
from analysis.multiplicity import CORRECTION_LABELS


@dataclass(frozen=True, eq=False)
class CorrelationMatrixResult:
    """Pairwise correlations of `columns`.

    ``r``, ``p``, ``p_adjusted`` and ``n`` are square DataFrames indexed by `columns`
    (``n`` is pairwise-complete; its diagonal counts non-missing values). The diagonal of
    ``r`` is 1 and that of ``p``/``p_adjusted`` is NaN (no test); a pair that could not be
    computed is NaN there, absent from ``table`` and named in ``warnings``. ``table`` has
    one row per computed pair (x, y, n, r, ci_low, ci_high, df, statistic, p, p_adjusted,
    p_method); the correction runs over those pairs.
    """

    columns: tuple[str, ...]
    method: str
    covariates: tuple[str, ...]
    correction: str
    alternative: str
    level: float
    r: pd.DataFrame
    p: pd.DataFrame
    p_adjusted: pd.DataFrame
    n: pd.DataFrame
    table: pd.DataFrame
    warnings: tuple[str, ...]

    def to_dict(self) -> dict:
        """JSON-safe form: the long table plus the options (NaN becomes None)."""
        return {"columns": list(self.columns), "method": self.method,
                "covariates": list(self.covariates), "correction": self.correction,
                "alternative": self.alternative, "level": float(self.level),
                "warnings": list(self.warnings), "table": json_records(self.table)}

    def methods_text(self) -> str:
        """A methods-paragraph description of the matrix."""
        name = "Pearson's r" if self.method == "pearson" else "Spearman's rho"
        partial = (f" partialling out {', '.join(self.covariates)} (least-squares residuals"
                   f"{' of ranks' if self.method == 'spearman' else ''})"
                   if self.covariates else "")
        sizes = self.table["n"]
        family = (f"adjusted with {CORRECTION_LABELS[self.correction]} across the "
                  f"{len(self.table)} unique pairs" if self.correction != "none"
                  else "not adjusted for multiple comparisons")
        return (f"{name} was computed for each pair of {len(self.columns)} variables"
                f"{partial}, using the participants complete on each pair (n = "
                f"{sizes.min()} to {sizes.max()}), {self.alternative} tests with p values as "
                f"in R's cor.test() (Spearman: exact for n <= {EXACT_MAX_N}, AS 89 Edgeworth "
                f"series up to n = {EDGEWORTH_MAX_N} without ties, t approximation otherwise), "
                f"Fisher-z {self.level * 100:g}% confidence intervals; p values were {family}.")


def _check(df, columns, covariates):
    columns, covariates = tuple(columns), tuple(covariates)
    require_columns(df, columns, argument="column")
    require_columns(df, covariates, argument="covariate")
    if len(columns) < 2 or len(set(columns)) != len(columns):
        raise InvalidSpec(f"columns={list(columns)} must name at least 2 distinct columns.")
    for column in columns:
        require_numeric(df, column, argument="column")
        if column in covariates:
            raise InvalidSpec(f"column {column!r} is also a covariate; remove it from one list.")
    return columns, covariates


def _pair(df, a, b, covariates, method):
    """(r, n, k, untied) of one pair on its complete cases; raises RowProblem."""
    data = df[[a, b, *covariates]].dropna()
    n = len(data)
    if n < 3:
        raise RowProblem("small", f"pair {a} x {b} has n = {n} complete case(s); 3 needed.")
    design, numeric = covariate_design(data, covariates)
    xa, xb = data[a].to_numpy(dtype=float), data[b].to_numpy(dtype=float)
    ra, rb, k = prepare(xa, xb, design, numeric, method=method, names=(a, b),
                        where=f"pair {a} x {b}")
    if n - 2 - k < 1:
        raise RowProblem("small", f"pair {a} x {b} has n = {n} for {k} covariate term(s).")
    return pearson_r(ra, rb), n, k, not (has_ties(xa) or has_ties(xb))


def _all_pairs_at_once(df, columns, covariates, method):
    """(r matrix, n, k, untied per column) without missing values; None if not possible."""
    data = df[[*columns, *covariates]]
    if data.isna().to_numpy().any():
        return None
    values = data[list(columns)].to_numpy(dtype=float)
    if len(values) < 3 or np.any(np.ptp(values, axis=0) == 0):
        return None
    untied = np.array([not has_ties(values[:, j]) for j in range(values.shape[1])])
    design, numeric = covariate_design(data, covariates)
    if method == "spearman":
        values = np.apply_along_axis(rank, 0, values)
        if design is not None:
            design = design.copy()
            for j in np.flatnonzero(numeric):
                design[:, j] = rank(design[:, j])
    full = np.column_stack([np.ones(len(values)), *(() if design is None else (design,))])
    coef, _, rank_, _ = np.linalg.lstsq(full, values, rcond=None)
    res = values - full @ coef
    centred = values - values.mean(axis=0)
    if np.any(np.sum(res ** 2, axis=0) <= 1e-10 * np.sum(centred ** 2, axis=0)) \
            or len(values) - 1 - rank_ < 1:
        return None
    return np.clip(np.corrcoef(res, rowvar=False), -1, 1), len(values), int(rank_) - 1, untied


def _pair_rows(df, columns, covariates, method):
    """Per computable pair ``(a, b, r, n, k, untied)``, and warnings for the others."""
    fast = _all_pairs_at_once(df, columns, covariates, method)
    pairs, warnings = [], []
    for i, j in combinations(range(len(columns)), 2):
        a, b = columns[i], columns[j]
        if fast is not None:
            r, n, k, untied = fast
            pairs.append((a, b, float(r[i, j]), n, k, bool(untied[i] and untied[j])))
            continue
        try:
            pairs.append((a, b, *_pair(df, a, b, covariates, method)))
        except RowProblem as problem:
            warnings.append(f"{problem} Left out of the matrix.")
    return pairs, warnings


def _inference(pairs, method, alternative, level):
    """Long table of the computed pairs (vectorised t test, scalar exact Spearman p)."""
    table = pd.DataFrame(pairs, columns=["x", "y", "r", "n", "k", "untied"])
    df_ = (table["n"] - 2 - table["k"]).to_numpy()
    r = table["r"].to_numpy()
    with np.errstate(divide="ignore"):
        t = np.where(np.abs(r) >= 1, np.sign(r) * np.inf, r * np.sqrt(df_ / (1 - r ** 2)))
    p = np.asarray(t_pvalue(t, df_, alternative), dtype=float)
    p_method = np.full(len(table), "t", dtype=object)
    for idx, row in enumerate(table.itertuples()):
        if method == "spearman" and row.k == 0 and row.untied and row.n <= EDGEWORTH_MAX_N:
            p[idx] = spearman_exact_pvalue(row.r, row.n, alternative)
            p_method[idx] = "exact" if row.n <= EXACT_MAX_N else "edgeworth"
    cis = [fisher_ci(row.r, row.n - row.k, level, alternative) for row in table.itertuples()]
    table["ci_low"], table["ci_high"] = [c[0] for c in cis], [c[1] for c in cis]
    table["df"], table["statistic"], table["p"], table["p_method"] = df_, t, p, p_method
    return table


def correlation_matrix(df: pd.DataFrame, columns: Sequence[str], *, method: str = "pearson",
                       covariates: Sequence[str] = (), correction: str = "holm",
                       alternative: str = "two-sided", level: float = 0.95
                       ) -> CorrelationMatrixResult:
    """Correlate every pair of `columns` (pairwise-complete), correcting over unique pairs.

    Parameters
    ----------
    df : pandas.DataFrame
    columns : sequence of str
        Two or more numeric columns.
    method : {"pearson", "spearman"}
    covariates : sequence of str
        Partialled out of every pair (factors dummy-coded), as in ``correlate``.
    correction : {"holm", "bonferroni", "bh", "none"}
        Over the k(k - 1)/2 computed pairs.
    alternative : {"two-sided", "greater", "less"}
    level : float
        Confidence level of the Fisher-z intervals.
    """
    columns, covariates = _check(df, columns, covariates)
    check_options(method, correction, alternative, level, "fisher")
    pairs, warnings = _pair_rows(df, columns, covariates, method)
    if not pairs:
        raise InsufficientData("No pair of " + ", ".join(map(repr, columns)) + " could be "
                               "correlated: " + " ".join(warnings))
    table = _inference(pairs, method, alternative, level)
    table["p_adjusted"] = adjust(table["p"].to_numpy(dtype=float), correction)
    table = table[["x", "y", "n", "r", "ci_low", "ci_high", "df", "statistic", "p",
                   "p_adjusted", "p_method"]]
    squares = {name: pd.DataFrame(np.nan, index=list(columns), columns=list(columns))
               for name in ("r", "p", "p_adjusted", "n")}
    for row in table.itertuples():
        for name, square in squares.items():
            square.loc[row.x, row.y] = square.loc[row.y, row.x] = getattr(row, name)
    for column in columns:
        squares["r"].loc[column, column] = 1.0
        squares["n"].loc[column, column] = int(df[column].notna().sum())
    return CorrelationMatrixResult(columns, method, covariates, correction, alternative,
                                   float(level), squares["r"], squares["p"],
                                   squares["p_adjusted"], squares["n"], table.reset_index(
                                       drop=True), tuple(warnings))
