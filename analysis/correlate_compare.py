"""Test whether two correlations from independent samples differ (Fisher's z test).

Pure functions: numbers (or rows of a correlation table) in, a frozen result out.
No Dash, no I/O, no rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from scipy import stats

from analysis._data import require_choice
from analysis.correlate_core import ALTERNATIVES, fisher_ci, json_records
from analysis.errors import InsufficientData, InvalidSpec


@dataclass(frozen=True, eq=False)
class CorrelationDifference:
    """Fisher z test of ``rho1 == rho2`` for two independent samples, with a CI of r1 - r2.

    ``z = (atanh r1 - atanh r2) / sqrt(1/(n1 - 3 - k1) + 1/(n2 - 3 - k2))`` is referred to
    the standard normal distribution (Fisher 1921). The interval of the difference r1 - r2 is Zou's (2007) method, built from
    the two Fisher-z intervals; it is two-sided whatever the alternative.
    """

    r1: float
    n1: int
    r2: float
    n2: int
    k1: int
    k2: int
    label1: str
    label2: str
    difference: float
    z: float
    p: float
    ci_low: float
    ci_high: float
    alternative: str
    level: float

    @property
    def table(self) -> pd.DataFrame:
        """One-row table: labels, r and n of both samples, difference, CI, z, p."""
        return pd.DataFrame([{
            "subgroup_1": self.label1, "r_1": self.r1, "n_1": self.n1,
            "subgroup_2": self.label2, "r_2": self.r2, "n_2": self.n2,
            "difference": self.difference, "ci_low": self.ci_low, "ci_high": self.ci_high,
            "z": self.z, "p": self.p}])

    def to_dict(self) -> dict:
        """JSON-safe form (NaN and infinities become None)."""
        out = json_records(self.table)[0]
        out.update(k_1=self.k1, k_2=self.k2, alternative=self.alternative,
                   level=float(self.level))
        return out

    def methods_text(self) -> str:
        """A sentence for a methods paragraph."""
        partial = (f" (partial correlations: standard errors use n - 3 - k with k = "
                   f"{self.k1} and {self.k2} covariate terms)" if self.k1 or self.k2 else "")
        return (f"The correlations of {self.label1} (n = {self.n1}) and "
                f"{self.label2} (n = {self.n2}) were compared with Fisher's "
                f"z test for independent correlations ({self.alternative}){partial}, as "
                f"cocor's 'fisher1925' or psych::r.test(n, r12, r34, n2) in R; the "
                f"{self.level * 100:g}% interval of the difference follows Zou (2007).")


def _check(r: float, n: int, k: int, which: str) -> None:
    if not isinstance(r, (int, float)) or not -1.0 < r < 1.0:
        raise InvalidSpec(f"r{which}={r!r} must lie strictly between -1 and 1 for Fisher's z.")
    if n - k <= 3:
        raise InsufficientData(f"n{which}={n} with k{which}={k} covariate term(s) leaves no "
                               f"error degrees of freedom; at least {k + 4} cases are needed.")


def compare_correlations(r1: float, n1: int, r2: float, n2: int, *,
                         alternative: str = "two-sided", level: float = 0.95,
                         k1: int = 0, k2: int = 0, labels: tuple[str, str] = ("1", "2")
                         ) -> CorrelationDifference:
    """Fisher z test of the difference between two independent correlations.

    Parameters
    ----------
    r1, r2 : float
        Correlations (Pearson, Spearman or partial) in two independent samples.
    n1, n2 : int
        Sample sizes.
    alternative : {"two-sided", "greater", "less"}
        "greater" tests rho1 > rho2.
    level : float
        Confidence level of Zou's interval for r1 - r2.
    k1, k2 : int
        Covariate terms partialled out of each correlation (0 for simple correlations).
    labels : tuple of str
        Names of the two samples, for the table and the methods text.
    """
    require_choice(alternative, ALTERNATIVES, argument="alternative")
    if not 0 < level < 1:
        raise InvalidSpec(f"level={level!r} must be between 0 and 1, e.g. 0.95.")
    _check(r1, n1, k1, "1")
    _check(r2, n2, k2, "2")
    se = math.sqrt(1.0 / (n1 - 3 - k1) + 1.0 / (n2 - 3 - k2))
    z = (math.atanh(r1) - math.atanh(r2)) / se
    if alternative == "greater":
        p = float(stats.norm.sf(z))
    elif alternative == "less":
        p = float(stats.norm.cdf(z))
    else:
        p = float(2.0 * stats.norm.sf(abs(z)))
    l1, u1 = fisher_ci(r1, n1 - k1, level, "two-sided")
    l2, u2 = fisher_ci(r2, n2 - k2, level, "two-sided")
    diff = r1 - r2
    low = diff - math.sqrt((r1 - l1) ** 2 + (u2 - r2) ** 2)   # Zou (2007)
    high = diff + math.sqrt((u1 - r1) ** 2 + (r2 - l2) ** 2)
    return CorrelationDifference(float(r1), int(n1), float(r2), int(n2), int(k1), int(k2),
                                 str(labels[0]), str(labels[1]), diff, z, p, low, high,
                                 alternative, float(level))


def compare_subgroups(result, first: str, second: str, *,
                      alternative: str = "two-sided", level: float = 0.95
                      ) -> CorrelationDifference:
    """Fisher z test between two subgroup rows of a :class:`CorrelationResult` table.

    `first` and `second` are labels of the ``subgroup`` column (e.g. "FM/HAB"). The pooled
    row "all" contains every subgroup, so it is not independent of them and is refused.
    """
    from analysis.correlate_result import POOLED
    if POOLED in (first, second):
        raise InvalidSpec(f"the pooled row {POOLED!r} overlaps every subgroup; Fisher's test "
                          "needs two independent samples, so compare two subgroup rows.")
    if first == second:
        raise InvalidSpec(f"first and second are both {first!r}; choose two different rows.")
    rows = [result.row(label) for label in (first, second)]
    ks = [int(row["n"] - 2 - row["df"]) for row in rows]
    return compare_correlations(float(rows[0]["r"]), int(rows[0]["n"]), float(rows[1]["r"]),
                                int(rows[1]["n"]), alternative=alternative, level=level,
                                k1=ks[0], k2=ks[1], labels=(first, second))
