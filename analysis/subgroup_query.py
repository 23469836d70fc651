"""Readable URL parameters for a :class:`~analysis.subgroups.Subgroup`.

``f.<factor>``  included levels, comma-separated; ``%`` and ``,`` inside a level are
                percent-escaped (``%25``, ``%2C``), nothing else, so links stay readable.
``r.<column>``  inclusive range ``low..high``; an open end is left empty (``..13``).
                Bounds are written with ``repr`` (shortest exact form, ``.0`` dropped),
                so floats round-trip exactly.
``missing``     ``keep`` when participants missing a filtered column are kept.

Decoding never raises: a link must always open. Anything unusable is dropped with a
notice the app can show. Other keys of the mapping (tab, cohort, ...) are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from urllib.parse import unquote

from analysis.errors import InvalidSpec
from analysis.subgroups import Subgroup

FACTOR_PREFIX = "f."
RANGE_PREFIX = "r."
MISSING_KEY = "missing"


def _escape(level: str) -> str:
    return level.replace("%", "%25").replace(",", "%2C")


def _number(value: float | None) -> str:
    if value is None:
        return ""
    text = repr(float(value))
    return text.removesuffix(".0")


def subgroup_to_query(subgroup: Subgroup) -> dict[str, str]:
    """URL parameters of `subgroup` (see the module docstring)."""
    query = {f"{FACTOR_PREFIX}{factor}": ",".join(map(_escape, levels))
             for factor, levels in subgroup.include.items()}
    query.update({f"{RANGE_PREFIX}{column}": f"{_number(low)}..{_number(high)}"
                  for column, (low, high) in subgroup.ranges.items()})
    if subgroup.missing == "keep":
        query[MISSING_KEY] = "keep"
    return query


def _single(value) -> str:
    if isinstance(value, list | tuple):
        value = value[-1] if value else ""
    return value if isinstance(value, str) else str(value)


def _parse_levels(column: str, text: str, notices: list[str]) -> tuple[str, ...]:
    levels = [unquote(piece, errors="replace") for piece in text.split(",")] if text else []
    if "" in levels:
        notices.append(f"empty level name in the filter on {column!r} ignored.")
    return tuple(level for level in levels if level)


def _parse_bound(text: str) -> float | None:
    if text == "":
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _parse_range(column: str, text: str, notices: list[str]):
    parts = text.split("..")
    try:
        if len(parts) != 2:
            raise ValueError(text)
        low, high = _parse_bound(parts[0].strip()), _parse_bound(parts[1].strip())
    except ValueError:
        notices.append(f"range on {column!r} ignored: {text!r} is not of the form "
                       "low..high (e.g. 20..60, ..13, 5..).")
        return None
    if low is not None and high is not None and low > high:
        notices.append(f"range on {column!r} ignored: low {low:g} is above high {high:g}.")
        return None
    return low, high


def _read(mapping: Mapping, notices: list[str]):
    include, ranges, missing = {}, {}, "drop"
    for key, value in mapping.items():
        key, text = str(key), _single(value)
        if key.startswith(FACTOR_PREFIX) and len(key) > len(FACTOR_PREFIX):
            include[key[len(FACTOR_PREFIX):]] = _parse_levels(key[2:], text, notices)
        elif key.startswith(RANGE_PREFIX) and len(key) > len(RANGE_PREFIX):
            bounds = _parse_range(key[2:], text, notices)
            if bounds is not None:
                ranges[key[len(RANGE_PREFIX):]] = bounds
        elif key == MISSING_KEY:
            if text in ("drop", "keep"):
                missing = text
            else:
                notices.append(f"missing={text!r} ignored; use 'keep' or 'drop'.")
    return include, ranges, missing


def fit_to_dictionary(include: dict, ranges: dict, dictionary: Mapping, notices: list[str]):
    """Filters of `include`/`ranges` that fit `dictionary`; a notice for each one dropped."""
    fitted_include = {}
    for factor, levels in include.items():
        info = dictionary.get(factor)
        if info is None or not getattr(info, "levels", ()):
            notices.append(f"filter on {factor!r} ignored: not a factor of this cohort.")
            continue
        unknown = [level for level in levels if level not in info.levels]
        if unknown:
            notices.append(f"level(s) {', '.join(map(repr, unknown))} of {factor!r} "
                           f"ignored: not among {', '.join(info.levels)}.")
        kept = tuple(level for level in levels if level in info.levels)
        if kept or not levels:  # a filter left without any known level is dropped whole
            fitted_include[factor] = kept
    fitted_ranges = {}
    for column, bounds in ranges.items():
        info = dictionary.get(column)
        if info is None or getattr(info, "levels", ()):
            notices.append(f"range on {column!r} ignored: not a numeric column of this "
                           "cohort.")
            continue
        fitted_ranges[column] = bounds
    return fitted_include, fitted_ranges


def subgroup_from_query(mapping: Mapping, dictionary: Mapping | None = None
                        ) -> tuple[Subgroup, list[str]]:
    """Subgroup encoded in `mapping` and the notices for everything dropped.

    With `dictionary` ({column: ColumnInfo}), unknown columns and levels are dropped too.
    """
    notices: list[str] = []
    try:
        include, ranges, missing = _read(mapping, notices)
        if dictionary is not None:
            include, ranges = fit_to_dictionary(include, ranges, dictionary, notices)
        return Subgroup(include, ranges, missing), notices
    except (InvalidSpec, AttributeError, TypeError) as exc:  # e.g. mapping not a mapping
        notices.append(f"subgroup in the link ignored ({exc}); showing everyone.")
        return Subgroup(), notices
