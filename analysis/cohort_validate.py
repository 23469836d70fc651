"""Checking a cohort's column dictionary and converting its TSV text into typed columns.

Every check appends a sentence to ``problems`` (file, line, column, what was expected)
instead of raising, so that loading reports all problems of a folder at once. Line numbers
count the TSV header as line 1. At most :data:`MAX_LISTED` bad cells are listed per column
and kind of problem; the rest are summarised with their line numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analysis.cohort_files import MISSING_TOKENS, RawTable

ROLES = ("factor", "measure", "covariate")
MODALITIES = ("clinical", "psychophysics", "MRS", "PET", "fMRI", "MRI", "demographic")
ID_COLUMN = "participant_id"
MAX_LISTED = 5


@dataclass(frozen=True)
class ColumnInfo:
    """What participants.json (or a long table's JSON) says about one column.

    ``levels`` is empty for a numeric column; its order is the display order and the
    first level is the default reference. ``range`` is ``(low, high)`` with None for an
    open end, or None when undocumented. ``label`` defaults to the column name.
    """

    name: str
    role: str
    description: str
    units: str | None = None
    levels: tuple[str, ...] = ()
    level_descriptions: tuple[str, ...] = ()
    modality: str | None = None
    region: str | None = None
    range: tuple[float | None, float | None] | None = None
    integer: bool = False
    label: str = ""

    @property
    def is_categorical(self) -> bool:
        """True when the column holds levels (a factor or a categorical covariate)."""
        return bool(self.levels)


def parse_dictionary(obj: dict, file: str, problems: list[str]) -> dict[str, ColumnInfo]:
    """Column dictionary of `obj` (participants.json content); bad entries are reported."""
    infos = {}
    for name, entry in obj.items():
        if name == ID_COLUMN:
            continue
        if not isinstance(entry, dict):
            problems.append(f"{file}: entry {name!r} must be an object with Description, "
                            f"Role, ...; found {type(entry).__name__}.")
            continue
        info = _column_info(name, entry, f"{file} column {name!r}", problems)
        if info is not None:
            infos[name] = info
    return infos


def _column_info(name: str, entry: dict, where: str, problems: list[str]) -> ColumnInfo | None:
    before = len(problems)
    role = entry.get("Role")
    if role not in ROLES:
        problems.append(f"{where}: Role {role!r} is unknown; use one of {', '.join(ROLES)}.")
    description = entry.get("Description")
    if not isinstance(description, str) or not description.strip():
        problems.append(f"{where}: Description is missing; add one sentence for the app.")
    levels, descriptions = _levels(entry.get("Levels"), where, problems)
    if role == "factor" and not levels and "Levels" not in entry:
        problems.append(f"{where}: a factor needs Levels ({{level: description}}).")
    if role == "measure" and levels:
        problems.append(f"{where}: a measure is numeric and cannot have Levels; "
                        "use Role factor or covariate for a categorical column.")
    modality = entry.get("Modality")
    if modality is not None and modality not in MODALITIES:
        problems.append(f"{where}: Modality {modality!r} is unknown; use one of "
                        f"{', '.join(MODALITIES)}.")
    value_range = _range(entry.get("Range"), where, problems)
    integer = entry.get("Integer", False)
    if not isinstance(integer, bool):
        problems.append(f"{where}: Integer must be true or false, not {integer!r}.")
    if len(problems) > before:
        return None
    return ColumnInfo(
        name=name, role=role, description=description.strip(), units=entry.get("Units"),
        levels=levels, level_descriptions=descriptions, modality=modality,
        region=entry.get("Region"), range=value_range, integer=integer,
        label=str(entry.get("Label") or name),
    )


def _levels(raw, where: str, problems: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if raw is None:
        return (), ()
    if isinstance(raw, dict) and raw:
        return tuple(map(str, raw)), tuple(str(v) for v in raw.values())
    if isinstance(raw, list) and raw and all(isinstance(v, str) for v in raw):
        return tuple(raw), tuple(raw)
    problems.append(f"{where}: Levels must be a non-empty object {{level: description}}, "
                    f"found {raw!r}.")
    return (), ()


def _range(raw, where: str, problems: list[str]):
    if raw is None:
        return None
    ends_ok = isinstance(raw, list) and len(raw) == 2 and all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool)
                      and math.isfinite(v)) for v in raw)
    if not ends_ok or (None not in raw and raw[0] > raw[1]):
        problems.append(f"{where}: Range must be [min, max] (numbers or null, min <= max), "
                        f"found {raw!r}.")
        return None
    return tuple(None if v is None else float(v) for v in raw)


def check_columns(table: RawTable, infos: dict[str, ColumnInfo], json_file: str,
                  problems: list[str], *, described: set[str] | None = None) -> None:
    """participant_id first; every TSV column described in JSON and vice versa."""
    if ID_COLUMN not in table.header:
        problems.append(f"{table.file} line 1: no {ID_COLUMN!r} column; the first column "
                        f"must be {ID_COLUMN} (sub-<label>).")
    elif table.header[0] != ID_COLUMN:
        problems.append(f"{table.file} line 1: {ID_COLUMN!r} is column "
                        f"{table.header.index(ID_COLUMN) + 1}; it must be the first column.")
    known = set(infos) if described is None else described
    for column in table.header:
        if column != ID_COLUMN and column not in known:
            problems.append(f"{table.file} line 1: column {column!r} is not described in "
                            f"{json_file}; add an entry with Description and Role.")
    for column in known:
        if column not in table.header:
            problems.append(f"{json_file}: column {column!r} is described but absent from "
                            f"{table.file}; remove the entry or add the column.")


def convert_table(table: RawTable, infos: dict[str, ColumnInfo],
                  problems: list[str]) -> pd.DataFrame:
    """Typed DataFrame of `table`: categoricals in Levels order, floats, ids as strings.

    Bad cells are reported and become missing so that checking can go on.
    """
    data = {}
    for column in table.header:
        cells = table.column(column)
        if column == ID_COLUMN:
            data[column] = pd.Series(cells, dtype="str")
        elif column in infos and infos[column].is_categorical:
            data[column] = _categorical(table, column, cells, infos[column], problems)
        elif column in infos:
            data[column] = _numeric(table, column, cells, infos[column], problems)
    return pd.DataFrame(data)


def _categorical(table, column, cells, info, problems) -> pd.Categorical:
    values = [None if c in MISSING_TOKENS else c for c in cells]
    bad = [(line, v) for line, v in zip(table.lines, values)
           if v is not None and v not in info.levels]
    _report(table, column, bad, problems,
            lambda v: f"{v!r} is not one of the Levels ({', '.join(info.levels)})")
    return pd.Categorical([v if v in info.levels else None for v in values],
                          categories=list(info.levels))


def _numeric(table, column, cells, info, problems) -> pd.Series:
    numbers, bad = [], []
    for line, cell in zip(table.lines, cells):
        value = math.nan if cell in MISSING_TOKENS else _to_float(cell)
        if value is None:
            bad.append((line, cell))
            value = math.nan
        numbers.append(value)
    _report(table, column, bad, problems, _not_a_number)
    low, high = info.range or (None, None)
    outside = [(line, v) for line, v in zip(table.lines, numbers)
               if (low is not None and v < low) or (high is not None and v > high)]
    _report(table, column, outside, problems,
            lambda v: f"{v:g} is outside the documented Range [{_end(low)}, {_end(high)}]")
    if info.integer:
        fractional = [(line, v) for line, v in zip(table.lines, numbers)
                      if math.isfinite(v) and v != round(v)]
        _report(table, column, fractional, problems,
                lambda v: f"{v:g} is not a whole number but the column is Integer")
    return pd.Series(numbers, dtype="float64")


def _to_float(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _not_a_number(value: str) -> str:
    hint = " (use '.' as decimal point)" if "," in value and _to_float(
        value.replace(",", ".")) is not None else " (write n/a for a missing value)"
    return f"{value!r} is not a number{hint}"


def _end(value: float | None) -> str:
    return "null" if value is None else f"{value:g}"


def _report(table: RawTable, column: str, bad: list, problems: list[str],
            describe: Callable[[object], str]) -> None:
    for line, value in bad[:MAX_LISTED]:
        problems.append(f"{table.file} line {line}, column {column!r}: {describe(value)}.")
    if len(bad) > MAX_LISTED:
        rest = [str(line) for line, _ in bad[MAX_LISTED:]]
        problems.append(f"{table.file} column {column!r}: {len(rest)} more value(s) like "
                        f"these on lines {', '.join(rest[:20])}{' ...' if len(rest) > 20 else ''}.")


def check_ids(table: RawTable, problems: list[str]) -> None:
    """participant_id values of participants.tsv: present, ``sub-<label>``, unique."""
    if ID_COLUMN not in table.header:
        return
    seen: dict[str, list[int]] = {}
    malformed = []
    for line, value in zip(table.lines, table.column(ID_COLUMN)):
        seen.setdefault(value, []).append(line)
        if not value.startswith("sub-") or len(value) == 4 or not value[4:].isalnum():
            malformed.append((line, value))
    _report(table, ID_COLUMN, malformed, problems,
            lambda v: f"{v!r} is not of the form sub-<label> (letters and digits)")
    for value, lines in seen.items():
        if len(lines) > 1:
            problems.append(f"{table.file}: participant_id {value!r} is duplicated on lines "
                            f"{', '.join(map(str, lines))}; ids must be unique.")


def check_long_ids(table: RawTable, known: set[str], problems: list[str]) -> None:
    """Every participant_id of a long table must exist in participants.tsv."""
    if ID_COLUMN not in table.header:
        return
    unknown = [(line, v) for line, v in zip(table.lines, table.column(ID_COLUMN))
               if v not in known]
    _report(table, ID_COLUMN, unknown, problems,
            lambda v: f"participant {v!r} is not in participants.tsv")
