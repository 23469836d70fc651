"""Subgroups of a cohort: which factor levels to include and which numeric ranges to keep.

A :class:`Subgroup` is a small immutable value (hashable, so usable in cache keys) that
filters a participants DataFrame. Missing values: a participant without a value in a
filtered column is dropped (``missing="drop"``, the default) or kept (``missing="keep"``);
columns that are not filtered never drop anyone. URL encoding lives in
:mod:`analysis.subgroup_query`. Pure functions: no Dash, no file I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import pandas as pd

from analysis._data import require_columns, require_numeric
from analysis.errors import InvalidSpec

Bound = float | None


def _levels(factor: str, levels) -> tuple[str, ...]:
    if isinstance(levels, str):
        levels = (levels,)
    out = tuple(dict.fromkeys(str(level) for level in levels))
    if any(level == "" for level in out):
        raise InvalidSpec(f"include[{factor!r}] contains an empty level name; "
                          "name the levels to include.")
    return out


def _bound(column: str, value) -> Bound:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidSpec(f"ranges[{column!r}] bound {value!r} must be a finite number or "
                          "None (open end).")
    return float(value)


def _range(column: str, bounds) -> tuple[Bound, Bound]:
    if isinstance(bounds, str | bytes) or len(bounds) != 2:
        raise InvalidSpec(f"ranges[{column!r}]={bounds!r} must be a pair (low, high); "
                          "use None for an open end.")
    low, high = _bound(column, bounds[0]), _bound(column, bounds[1])
    if low is not None and high is not None and low > high:
        raise InvalidSpec(f"ranges[{column!r}]=({low:g}, {high:g}) has low > high; "
                          "swap the bounds.")
    return low, high


@dataclass(frozen=True)
class Subgroup:
    """Participants whose factors take the included levels and whose values lie in ranges.

    Parameters
    ----------
    include : {factor: levels}
        Levels kept for each filtered factor (a factor absent here is not filtered; an
        empty tuple selects nobody).
    ranges : {column: (low, high)}
        Inclusive bounds on numeric columns; None is an open end.
    missing : {"drop", "keep"}
        What happens to a participant missing a *filtered* column.
    """

    include: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[Bound, Bound]] = field(default_factory=dict)
    missing: Literal["drop", "keep"] = "drop"

    def __post_init__(self) -> None:
        if self.missing not in ("drop", "keep"):
            raise InvalidSpec(f"missing={self.missing!r} is not supported; use 'drop' or "
                              "'keep'.")
        include = {str(k): _levels(str(k), v) for k, v in dict(self.include).items()}
        ranges = {str(k): _range(str(k), v) for k, v in dict(self.ranges).items()}
        object.__setattr__(self, "include", MappingProxyType(dict(sorted(include.items()))))
        object.__setattr__(self, "ranges", MappingProxyType(dict(sorted(ranges.items()))))

    def __hash__(self) -> int:
        return hash((tuple(self.include.items()), tuple(self.ranges.items()), self.missing))

    def __reduce__(self):
        """Pickle as plain dicts (read-only mapping views cannot be pickled), so results
        that hold a Subgroup can be cached by flask-caching's pickling backends."""
        return (Subgroup, (dict(self.include), dict(self.ranges), self.missing))

    @property
    def is_empty(self) -> bool:
        """True when nothing is filtered (the subgroup is the whole cohort)."""
        return not self.include and not self.ranges

    def mask(self, df: pd.DataFrame) -> pd.Series:
        """Boolean Series: which rows of `df` belong to the subgroup."""
        require_columns(df, [*self.include, *self.ranges], argument="subgroup column")
        keep = pd.Series(True, index=df.index)
        for factor, levels in self.include.items():
            values = df[factor].astype("object")
            keep &= values.isin(levels) | self._missing_ok(values)
        for column, (low, high) in self.ranges.items():
            require_numeric(df, column, argument="subgroup range column")
            values = df[column].astype("float64")
            inside = pd.Series(True, index=df.index)
            if low is not None:
                inside &= values >= low
            if high is not None:
                inside &= values <= high
            keep &= inside.fillna(False).astype(bool) | self._missing_ok(values)
        return keep

    def _missing_ok(self, values: pd.Series) -> pd.Series:
        return values.isna() & (self.missing == "keep")

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """Rows of `df` in the subgroup (a copy); included factors keep only their
        included levels as categories, in the column's original level order."""
        out = df.loc[self.mask(df)].copy()
        for factor, levels in self.include.items():
            column = out[factor]
            order = list(column.cat.categories) if isinstance(
                column.dtype, pd.CategoricalDtype) else list(levels)
            kept = [level for level in order if level in levels]
            out[factor] = pd.Categorical(column.astype("object").where(column.notna()),
                                         categories=kept)
        return out

    def n_selected(self, df: pd.DataFrame) -> int:
        """Number of participants of `df` in the subgroup."""
        return int(self.mask(df).sum())

    def without(self, column: str) -> Subgroup:
        """The same subgroup with the filter on `column` (if any) removed."""
        return Subgroup({k: v for k, v in self.include.items() if k != column},
                        {k: v for k, v in self.ranges.items() if k != column}, self.missing)

    def cell_counts(self, df: pd.DataFrame, factors: Sequence[str]) -> pd.DataFrame:
        """Participants per cell of `factors` in the subgroup, over the full level grid
        (zeros included); columns are the factors and ``n``."""
        data = self.apply(df)
        require_columns(data, factors, argument="factor")
        grid = pd.MultiIndex.from_product([_categories(data[f]) for f in factors],
                                          names=list(factors))
        counts = data.groupby(list(factors), observed=True).size()
        counts = counts.reindex(grid if len(factors) > 1 else grid.get_level_values(0),
                                fill_value=0)
        return counts.rename("n").reset_index().astype({"n": "int64"})

    def validate(self, dictionary: Mapping) -> list[str]:
        """Notices for filters that do not fit `dictionary` ({column: ColumnInfo})."""
        from analysis.subgroup_query import fit_to_dictionary
        notices: list[str] = []
        fit_to_dictionary(dict(self.include), dict(self.ranges), dictionary, notices)
        return notices

    def to_query(self) -> dict[str, str]:
        """Readable URL parameters, e.g. ``{"f.group": "FM,HC", "r.age": "20..60"}``."""
        from analysis.subgroup_query import subgroup_to_query
        return subgroup_to_query(self)

    @classmethod
    def from_query(cls, mapping: Mapping, dictionary: Mapping | None = None
                   ) -> tuple[Subgroup, list[str]]:
        """Subgroup from URL parameters plus notices for anything dropped; never raises."""
        from analysis.subgroup_query import subgroup_from_query
        return subgroup_from_query(mapping, dictionary)


def _categories(series: pd.Series) -> Iterable:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.categories
    return pd.Index(sorted(series.dropna().unique()))


def level_counts(df: pd.DataFrame, subgroup: Subgroup, factor: str) -> pd.Series:
    """Live n of each level of `factor` under the *other* filters of `subgroup`.

    This is what a checklist shows next to each level: how many participants ticking
    that level would add. Returns an int Series indexed by every level (zeros included).
    """
    require_columns(df, [factor], argument="factor")
    others = subgroup.without(factor)
    data = df.loc[others.mask(df), factor]
    levels = _categories(df[factor])
    counts = data.astype("object").value_counts().reindex(levels, fill_value=0)
    return counts.astype("int64").rename("n").rename_axis(factor)
