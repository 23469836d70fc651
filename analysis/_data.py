"""Input checks and missing-data handling shared by every analysis module.

Each check raises an :mod:`analysis.errors` exception whose message names the column and
says what would fix it. No statistics live here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.errors import DegenerateData, InsufficientData, InvalidSpec, UnknownColumn

MIN_PER_CELL = 3
"""Smallest number of complete observations accepted in any cell or correlation."""


def require_columns(df: pd.DataFrame, columns: Iterable[str], *, argument: str) -> None:
    """Raise :class:`UnknownColumn` naming each column of `columns` absent from `df`."""
    for column in columns:
        if column not in df.columns:
            close = difflib.get_close_matches(str(column), [str(c) for c in df.columns], n=3)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise UnknownColumn(
                f"{argument} {column!r} is not a column of the data.{hint}"
            )


def require_numeric(df: pd.DataFrame, column: str, *, argument: str) -> None:
    """Raise :class:`InvalidSpec` when `column` is not numeric (e.g. a factor or text)."""
    dtype = df[column].dtype
    if isinstance(dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(dtype) \
            or pd.api.types.is_bool_dtype(dtype):
        raise InvalidSpec(
            f"{argument} {column!r} must be numeric, but it holds {dtype} values; "
            "choose a measure or covariate column."
        )


def require_choice(value: object, allowed: Sequence[object], *, argument: str) -> None:
    """Raise :class:`InvalidSpec` when `value` is not one of `allowed`."""
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise InvalidSpec(f"{argument}={value!r} is not supported; use one of {options}.")


def complete_cases(df: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """Rows of `df` with no missing value in `columns` (listwise deletion).

    Returns the reduced frame (only `columns`, unused categories removed) and the number
    of rows dropped, which results report as ``n_dropped``.
    """
    unique = list(dict.fromkeys(columns))
    subset = df[unique]
    kept = subset.dropna()
    kept = kept.apply(
        lambda s: s.cat.remove_unused_categories()
        if isinstance(s.dtype, pd.CategoricalDtype) else s
    )
    if kept.empty:
        raise InsufficientData(
            f"No participant has complete values for {', '.join(map(repr, unique))}; "
            "widen the subgroup or choose other variables."
        )
    return kept, len(subset) - len(kept)


def as_factor(series: pd.Series) -> pd.Series:
    """`series` as an ordered-by-appearance categorical without unused levels."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.remove_unused_categories()
    return series.astype("category")


def require_levels(series: pd.Series, *, factor: str, minimum: int = 2) -> None:
    """Raise :class:`InsufficientData` when `series` has fewer than `minimum` levels."""
    levels = as_factor(series).cat.categories
    if len(levels) < minimum:
        have = ", ".join(map(str, levels)) or "none"
        raise InsufficientData(
            f"factor {factor!r} has {len(levels)} level(s) left after filtering ({have}); "
            f"at least {minimum} are needed. Include more levels of {factor!r} in the subgroup."
        )


def require_cell_sizes(df: pd.DataFrame, factors: Sequence[str], *, outcome: str,
                       minimum: int = MIN_PER_CELL) -> None:
    """Raise :class:`InsufficientData` naming the first cell of `factors` below `minimum`."""
    counts = df.groupby(list(factors), observed=True).size()
    full = pd.MultiIndex.from_product(
        [as_factor(df[f]).cat.categories for f in factors], names=list(factors)
    )
    counts = counts.reindex(full if len(factors) > 1 else full.get_level_values(0),
                            fill_value=0)
    small = counts[counts < minimum]
    if len(small):
        key = small.index[0]
        cell = "/".join(map(str, key)) if isinstance(key, tuple) else str(key)
        raise InsufficientData(
            f"outcome {outcome!r} has {int(small.iloc[0])} non-missing value(s) in cell "
            f"{cell}; at least {minimum} are needed. Widen the subgroup or merge levels."
        )


def require_variance(values: np.ndarray | pd.Series, *, column: str, where: str = "") -> None:
    """Raise :class:`DegenerateData` when `values` are all equal."""
    arr = np.asarray(values, dtype=float)
    if arr.size and np.ptp(arr) == 0:
        place = f" in {where}" if where else ""
        raise DegenerateData(
            f"{column!r} has zero variance{place} (every value is {arr[0]:g}); "
            "a statistic needs values that differ."
        )
