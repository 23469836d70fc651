"""Reading the recomputed statistic of a published finding out of an engine result.

One small function per analysis kind, collected in :data:`EXTRACTORS`. Each returns a
:class:`Recomputed`: the statistic matching ``published.statistic`` for ``published.term``,
its p value and whether the direction agrees with the paper. No statistics are computed
here beyond averaging cell means for the direction of a factor.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analysis.errors import InvalidSpec
from analysis.findings_schema import Published

SIGNED_BY_ORDER = frozenset({"t", "z", "d"})
"""Statistics whose sign only reflects which level comes first; the direction check
(cell means) decides orientation, so they are compared with the published sign."""


@dataclass(frozen=True)
class Recomputed:
    """Statistic, p value and direction agreement read from one engine result."""

    value: float | None
    p: float | None
    direction_ok: bool | None
    significant: bool | None = None


def _float(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _row(table: pd.DataFrame, term: str, columns: tuple[str, ...]) -> pd.Series:
    for column in columns:
        if column in table.columns:
            hits = table[table[column].astype(str) == term]
            if len(hits):
                return hits.iloc[0]
    rows = [str(v) for c in columns if c in table.columns for v in table[c]]
    raise InvalidSpec(f"published.term {term!r} is not a row of the result table; rows are "
                      f"{', '.join(rows) or 'none'}.")


def _column(row: pd.Series, names: tuple[str, ...], statistic: str):
    for name in names:
        if name in row.index:
            return row[name]
    raise InvalidSpec(f"published.statistic {statistic!r} has no column in the result row "
                      f"(looked for {', '.join(names)}).")


def _sign_ok(value: float | None, pub: Published) -> bool | None:
    if pub.direction is None or pub.direction.sign is None or value is None:
        return None
    return value > 0 if pub.direction.sign == "positive" else value < 0


def _oriented(value: float | None, pub: Published) -> float | None:
    if value is None or pub.statistic not in SIGNED_BY_ORDER or pub.value is None:
        return value
    return math.copysign(abs(value), pub.value)


def _marginal_means(cells: pd.DataFrame, factor: str) -> pd.Series:
    """Unweighted mean of cell means per level of `factor` (adjusted means if present)."""
    column = "adjusted_mean" if "adjusted_mean" in cells and cells["adjusted_mean"].notna(
    ).any() else "mean"
    return cells.groupby(cells[factor].astype(str))[column].mean()


def _compare_direction(result, pub: Published, value: float | None) -> bool | None:
    d = pub.direction
    if d is None:
        return None
    if d.sign is not None:
        return _sign_ok(value, pub)
    if d.factor not in result.cells.columns:
        raise InvalidSpec(f"published.direction.factor {d.factor!r} is not a factor of the "
                          f"comparison ({', '.join(result.factors)}).")
    means = _marginal_means(result.cells, d.factor)
    if d.higher not in means.index or d.lower not in means.index:
        raise InvalidSpec(f"published.direction levels {d.higher!r}/{d.lower!r} are not "
                          f"both among the cells of {d.factor!r} ({', '.join(means.index)}).")
    return bool(means[d.higher] > means[d.lower])


def _u_oriented(value: float | None, result, pub: Published) -> float | None:
    """U as the paper reports it: U and n1*n2 - U describe the same test."""
    if value is None or pub.value is None or len(result.cells) != 2:
        return value
    other = float(result.cells["n"].prod()) - value
    half = (value + other) / 2                      # n1 * n2 / 2
    return min(value, other) if pub.value <= half else max(value, other)


def extract_compare(result, pub: Published) -> Recomputed:
    row = _row(result.table, pub.term, ("term",))
    names = ("cohen_d", "effect_size") if pub.statistic == "d" else ("statistic",)
    value = _float(_column(row, names, pub.statistic))
    if pub.statistic == "U":
        value = _u_oriented(value, result, pub)
    direction = _compare_direction(result, pub, value)
    return Recomputed(_oriented(value, pub), _float(row["p"]), direction)


def extract_correlate(result, pub: Published) -> Recomputed:
    row = _row(result.table, pub.term, ("subgroup",))
    value = _float(_column(row, ("r",), pub.statistic))
    return Recomputed(value, _float(row["p"]), _sign_ok(value, pub))


def extract_difference(result, pub: Published) -> Recomputed:
    value = _float(result.z if pub.statistic == "z" else result.difference)
    return Recomputed(value, _float(result.p), _sign_ok(value, pub))


def extract_mediate(result, pub: Published) -> Recomputed:
    if pub.term == "indirect":
        value = _float(result.indirect)
        return Recomputed(value, None, _sign_ok(value, pub), bool(result.significant))
    if pub.term not in result.paths.index:
        raise InvalidSpec(f"published.term {pub.term!r} is not a mediation path; use a, b, "
                          "c, c_prime or indirect.")
    row = result.paths.loc[pub.term]
    value = _float(row["estimate"] if pub.statistic != "t" else row["t"])
    return Recomputed(value, _float(row["p"]), _sign_ok(value, pub))


def extract_repeated(result, pub: Published) -> Recomputed:
    row = _row(result.table, pub.term, ("term",))
    names = ("beta", "estimate") if pub.statistic == "beta" else (pub.statistic, "statistic")
    value = _float(_column(row, names, pub.statistic))
    return Recomputed(_oriented(value, pub) if pub.statistic != "beta" else value,
                      _float(row["p"]), _sign_ok(value, pub))


EXTRACTORS: dict[str, Callable[[object, Published], Recomputed]] = {
    "compare": extract_compare,
    "correlate": extract_correlate,
    "compare_correlations": extract_difference,
    "mediate": extract_mediate,
    "repeated": extract_repeated,
}
