"""Reading the text files of a cohort folder, collecting every problem found.

Readers never raise for a bad file: they append a sentence naming the file, the line and
what was expected to a ``problems`` list and return ``None`` (or what could be read), so
that :func:`analysis.cohort.load_cohort` reports every problem of a folder at once.

Line numbers count like a text editor or a spreadsheet: the header of a TSV is line 1 and
the first participant is on line 2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

MISSING_TOKENS = frozenset({"n/a", ""})
"""Cell texts read as a missing value (BIDS writes ``n/a``; an empty cell is tolerated)."""

_OTHER_DELIMITERS = ((",", "comma"), (";", "semicolon"), ("|", "pipe"))


@dataclass(frozen=True)
class RawTable:
    """A TSV file as text: header and rows of cells, each row with its line number.

    Rows with the wrong number of fields are left out (and reported), so ``lines`` keeps
    the line number of every row that was kept.
    """

    file: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]

    def column(self, name: str) -> list[str]:
        """Cells of column `name`, one per kept row."""
        j = self.header.index(name)
        return [row[j] for row in self.rows]


def read_text(path: Path, name: str, problems: list[str]) -> str | None:
    """Text of `path` decoded as UTF-8 (a byte-order mark is accepted), or None."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(f"{name}: cannot be read ({exc.strerror or exc}).")
        return None
    if not raw.strip():
        problems.append(f"{name}: the file is empty; it needs content (see data/FORMAT.md).")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            f"{name} line {line}: byte 0x{raw[exc.start]:02x} is not valid UTF-8 "
            "(unreadable encoding, e.g. Latin-1 or UTF-16); save the file as UTF-8."
        )
        return None


def read_json(path: Path, name: str, problems: list[str]) -> dict | None:
    """JSON object in `path`, or None after recording why it could not be read."""
    text = read_text(path, name, problems)
    if text is None:
        return None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(
            f"{name} line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})."
        )
        return None
    if not isinstance(obj, dict):
        problems.append(
            f"{name}: expected a JSON object {{...}} at the top level, found a "
            f"{type(obj).__name__}."
        )
        return None
    return obj


def read_tsv(path: Path, name: str, problems: list[str]) -> RawTable | None:
    """Tab-separated table in `path`, or None when it has no usable header."""
    text = read_text(path, name, problems)
    if text is None:
        return None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    header = tuple(cell.strip() for cell in lines[0].split("\t"))
    if len(header) == 1 and _report_delimiter(lines[0], name, problems):
        return None
    if not _header_ok(header, name, problems):
        return None
    rows, numbers = [], []
    for number, line in enumerate(lines[1:], start=2):
        cells = tuple(cell.strip() for cell in line.split("\t"))
        if not line.strip():
            problems.append(f"{name} line {number}: blank line inside the table; remove it.")
        elif len(cells) != len(header):
            problems.append(
                f"{name} line {number}: {len(cells)} tab-separated field(s) but the header "
                f"has {len(header)}; every row needs one value per column (n/a if missing)."
            )
        else:
            rows.append(cells)
            numbers.append(number)
    if not rows and len(lines) < 2:
        problems.append(f"{name}: has a header but no data rows.")
    return RawTable(name, header, tuple(rows), tuple(numbers))


def _report_delimiter(first_line: str, name: str, problems: list[str]) -> bool:
    for delimiter, label in _OTHER_DELIMITERS:
        if delimiter in first_line:
            problems.append(
                f"{name} line 1: looks {label}-separated; BIDS requires tabs between "
                "columns. Save it as tab-separated values (.tsv)."
            )
            return True
    if len(first_line.split()) > 1:
        problems.append(
            f"{name} line 1: looks space-separated; BIDS requires tabs between columns."
        )
        return True
    return False


def _header_ok(header: tuple[str, ...], name: str, problems: list[str]) -> bool:
    ok = True
    if any(not cell for cell in header):
        problems.append(f"{name} line 1: a column has an empty name; name every column.")
        ok = False
    duplicates = sorted({cell for cell in header if header.count(cell) > 1 and cell})
    if duplicates:
        problems.append(
            f"{name} line 1: column name(s) {', '.join(map(repr, duplicates))} appear more "
            "than once; column names must be unique."
        )
        ok = False
    return ok
