"""Result type of :func:`analysis.correlate.correlate`: table, JSON form and methods text.

No statistics beyond the multiplicity correction of the finished table; no rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.correlate_core import adjust, json_records
from analysis.multiplicity import CORRECTION_LABELS

POOLED = "all"
"""Label of the pooled row (every complete case, whatever its subgroup)."""

_P_METHODS = {
    "t": "the t distribution with n - 2 - k degrees of freedom",
    "exact": "the exact permutation distribution of S (n <= 9)",
    "edgeworth": "the Edgeworth series approximation of algorithm AS 89 (10 <= n <= 1290)",
}


def build_table(rows, by, method: str, partial: bool, correction: str) -> pd.DataFrame:
    """Result table from ``[(label, levels, RowStats)]``, with adjusted p values."""
    stats = [s for _, _, s in rows]
    columns = {"subgroup": [label for label, _, _ in rows]}
    for i, factor in enumerate(by):
        columns[factor] = pd.Series([None if levels is None else str(levels[i])
                                     for _, levels, _ in rows], dtype=object)
    for name in ("n", "r", "ci_low", "ci_high", "df", "statistic", "p"):
        columns[name] = [getattr(s, name) for s in stats]
    columns["p_adjusted"] = adjust(np.array(columns["p"], dtype=float), correction)
    columns["method"] = ("partial " if partial else "") + method
    columns["p_method"] = [s.p_method for s in stats]
    return pd.DataFrame(columns)


@dataclass(frozen=True, eq=False)
class CorrelationResult:
    """Pooled and per-subgroup correlations of `x` with `y` and their corrected p values.

    ``table`` has one row per computable subgroup, the pooled row ``"all"`` first, with
    columns subgroup, one per `by` factor (None in the pooled row), n, r (rho for
    Spearman; the partial coefficient with covariates), ci_low, ci_high, df, statistic (t),
    p, p_adjusted (across the rows of this table), method and p_method ("t", "exact" or
    "edgeworth"). Rows that could not be computed are absent and named in ``warnings``.
    """

    x: str
    y: str
    method: str
    covariates: tuple[str, ...]
    by: tuple[str, ...]
    correction: str
    alternative: str
    level: float
    ci_method: str
    table: pd.DataFrame
    warnings: tuple[str, ...]
    n_dropped: int

    def row(self, label: str) -> pd.Series:
        """The table row of subgroup `label` (e.g. "all" or "FM/HAB")."""
        from analysis.errors import InvalidSpec
        hits = self.table[self.table["subgroup"] == label]
        if hits.empty:
            labels = ", ".join(repr(s) for s in self.table["subgroup"])
            raise InvalidSpec(f"subgroup {label!r} is not a row of this table; rows: {labels}.")
        return hits.iloc[0]

    def to_dict(self) -> dict:
        """JSON-safe form: strings, numbers, lists; NaN and infinities become None."""
        return {"x": self.x, "y": self.y, "method": self.method,
                "covariates": list(self.covariates), "by": list(self.by),
                "correction": self.correction, "alternative": self.alternative,
                "level": float(self.level), "ci_method": self.ci_method,
                "n_dropped": self.n_dropped, "warnings": list(self.warnings),
                "table": json_records(self.table)}

    def methods_text(self) -> str:
        """A methods-paragraph description naming the test, n, intervals and correction."""
        return f"{self._what()} {self._pvalues()} {self._interval()} {self._family()}"

    def _what(self) -> str:
        name = "Pearson's r" if self.method == "pearson" else "Spearman's rho"
        pooled = self.table.iloc[0]
        sizes = ", ".join(f"{row.subgroup} n = {row.n}" for row in self.table.itertuples())
        text = (f"{name} between {self.x!r} and {self.y!r} ({self.alternative} test) "
                f"was computed ")
        text += (f"in the whole sample and within each {' x '.join(self.by)} subgroup "
                 f"({sizes})" if self.by else f"in n = {pooled.n} participants")
        text += f", after listwise deletion of {self.n_dropped} participant(s) with missing values."
        if self.covariates:
            rank = "ranks of x, y and numeric covariates" if self.method == "spearman" \
                else "x and y"
            text += (f" Partial correlation controlling for {', '.join(self.covariates)} "
                     f"(factors dummy-coded): {rank} were residualised on the covariates by "
                     "least squares within each row, as pingouin.partial_corr and R's "
                     "ppcor::pcor.test do; k covariate terms reduce the degrees of freedom.")
        return text

    def _pvalues(self) -> str:
        used = [m for m in ("exact", "edgeworth", "t") if m in set(self.table["p_method"])]
        rows = {m: ", ".join(self.table.loc[self.table["p_method"] == m, "subgroup"])
                for m in used}
        how = "; ".join(f"{_P_METHODS[m]} ({rows[m]})" for m in used)
        if self.method == "pearson":
            return f"P values come from {how}, as R's cor.test()."
        return (f"P values follow R's cor.test(method = 'spearman'): {how}; the t "
                "approximation is used when there are ties, covariates or n > 1290.")

    def _interval(self) -> str:
        se = "sqrt((1 + rho^2/2)/(n - 3 - k)) (Bonett & Wright 2000)" \
            if self.ci_method == "bonett_wright" else "1/sqrt(n - 3 - k)"
        sided = "two-sided" if self.alternative == "two-sided" else "one-sided"
        return (f"{sided.capitalize()} {self.level * 100:g}% confidence intervals use Fisher's z "
                f"transformation with standard error {se}.")

    def _family(self) -> str:
        m = len(self.table)
        if self.correction == "none" or m == 1:
            return "P values were not adjusted for multiple comparisons."
        return (f"P values were adjusted with {CORRECTION_LABELS[self.correction]} across the "
                f"{m} rows of the table (pooled row included).")
