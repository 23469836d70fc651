"""Loading a cohort folder (data/FORMAT.md) into a validated, typed :class:`Cohort`.

Every problem of a folder is reported at once in one :class:`analysis.errors.CohortError`
(file, line, column, what was expected; line numbers count the TSV header as line 1).
Loading is cached per folder and modification time, so the app may call
:func:`load_cohort` on every request. Returned objects are shared: never mutate
``cohort.participants`` in place (``Subgroup.apply`` returns a copy).
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.cohort_files import read_json, read_tsv
from analysis.cohort_validate import (
    ID_COLUMN,
    ColumnInfo,
    check_columns,
    check_ids,
    check_long_ids,
    convert_table,
    parse_dictionary,
)
from analysis.errors import CohortError

__all__ = [
    "DEFAULT_ROOT",
    "Cohort",
    "CohortSummary",
    "ColumnInfo",
    "cohort_roots",
    "list_cohorts",
    "load_cohort",
]

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "data" / "cohorts"
ENV_VAR = "PCE_DATA_DIR"
REQUIRED_FILES = ("dataset_description.json", "participants.tsv", "participants.json")
REGION_COLUMNS = ("region_id", "label", "atlas")
LINE_CONVENTION = "line numbers count the TSV header as line 1"


@dataclass(frozen=True, eq=False)
class Cohort:
    """A validated cohort: participants, column dictionary and provenance.

    ``version`` is the first 12 hex digits of a SHA-256 over every file of the folder
    (names and bytes), used in cache keys and share links.
    """

    id: str
    path: Path
    participants: pd.DataFrame
    dictionary: dict[str, ColumnInfo]
    description: dict
    version: str
    long_tables: dict[str, pd.DataFrame]
    long_dictionaries: dict[str, dict[str, ColumnInfo]]
    regions: pd.DataFrame | None
    findings_path: Path | None

    def _by_role(self, role: str) -> list[str]:
        return [name for name, info in self.dictionary.items() if info.role == role]

    def measures(self) -> list[str]:
        """Numeric outcome columns, in dictionary order."""
        return self._by_role("measure")

    def factors(self) -> list[str]:
        """Categorical grouping columns, in dictionary order."""
        return self._by_role("factor")

    def covariates(self) -> list[str]:
        """Adjustment columns (numeric or categorical), in dictionary order."""
        return self._by_role("covariate")

    def columns_by_modality(self) -> dict[str, list[str]]:
        """Measures grouped by Modality (``"other"`` when undocumented)."""
        groups: dict[str, list[str]] = {}
        for name in self.measures():
            groups.setdefault(self.dictionary[name].modality or "other", []).append(name)
        return groups

    def label(self, column: str) -> str:
        """Display name of `column` (its Label, else the column name)."""
        info = self.dictionary.get(column)
        return info.label if info is not None else column


@dataclass(frozen=True)
class CohortSummary:
    """One line of the cohort picker. ``error`` is set (and ``n`` is 0) for an invalid
    folder, so that one broken upload does not hide the other cohorts."""

    id: str
    name: str
    summary: str
    citation: str
    n: int
    simulated: bool
    version: str
    error: str | None = None


def cohort_roots(root: str | os.PathLike | Sequence[str | os.PathLike] | None = None
                 ) -> list[Path]:
    """Folders searched for cohorts: `root` (one or several), else ``$PCE_DATA_DIR``
    (several separated by ``os.pathsep``), else ``<repo>/data/cohorts``."""
    if root is None:
        env = os.environ.get(ENV_VAR, "")
        return [Path(p) for p in env.split(os.pathsep) if p] or [DEFAULT_ROOT]
    if isinstance(root, str | os.PathLike):
        return [Path(root)]
    return [Path(r) for r in root]


def _resolve(cohort: str | os.PathLike, roots: list[Path]) -> Path:
    candidate = Path(cohort)
    if isinstance(cohort, os.PathLike) or len(candidate.parts) > 1:
        if candidate.is_dir():
            return candidate.resolve()
    else:
        for folder in roots:
            if (folder / candidate).is_dir():
                return (folder / candidate).resolve()
    available = sorted(p.name for r in roots if r.is_dir() for p in r.iterdir() if p.is_dir())
    raise CohortError(str(cohort), [
        f"no cohort folder {str(cohort)!r} under {', '.join(map(str, roots))}; available: "
        f"{', '.join(available) or 'none'}."])


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part.startswith(".") or part == "__pycache__"
                              for part in p.relative_to(folder).parts))


def _stamp(folder: Path) -> tuple:
    return tuple((str(p.relative_to(folder)), p.stat().st_mtime_ns, p.stat().st_size)
                 for p in _files(folder))


def content_version(folder: Path) -> str:
    """First 12 hex digits of SHA-256 over relative path and bytes of every file."""
    digest = hashlib.sha256()
    for path in _files(folder):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def load_cohort(cohort_id_or_path: str | os.PathLike,
                root: str | os.PathLike | Sequence[str | os.PathLike] | None = None) -> Cohort:
    """Load and validate the cohort `cohort_id_or_path` (an id under the roots, or a folder).

    Raises
    ------
    CohortError
        Listing every problem of the folder (missing files, bad JSON, undescribed
        columns, values outside Levels or Range, ...), or naming the available cohorts
        when the id is unknown.
    """
    folder = _resolve(cohort_id_or_path, cohort_roots(root))
    return _load_cached(str(folder), _stamp(folder))


@functools.lru_cache(maxsize=16)
def _load_cached(folder: str, stamp: tuple) -> Cohort:
    return _read_folder(Path(folder))


def _read_folder(folder: Path) -> Cohort:
    problems: list[str] = []
    for name in REQUIRED_FILES:
        if not (folder / name).is_file():
            problems.append(f"{name}: required file is missing (see data/FORMAT.md).")
    description = read_json(folder / REQUIRED_FILES[0], REQUIRED_FILES[0], problems) \
        if (folder / REQUIRED_FILES[0]).is_file() else None
    participants, dictionary, raw = _read_table(folder, "participants", problems, unique=True)
    ids = set(raw.column(ID_COLUMN)) if raw is not None and ID_COLUMN in raw.header else None
    long_tables, long_dictionaries = _read_long(folder, ids, problems)
    regions = _read_regions(folder, problems)
    _check_regions(dictionary or {}, regions, problems)
    if description is not None and not isinstance(description.get("Name"), str):
        problems.append("dataset_description.json: 'Name' is missing; give the dataset a name.")
    if problems:
        raise CohortError(f"cohort folder {folder} ({LINE_CONVENTION})", problems)
    findings = folder / "findings.yaml"
    return Cohort(id=folder.name, path=folder, participants=participants,
                  dictionary=dictionary, description=description,
                  version=content_version(folder), long_tables=long_tables,
                  long_dictionaries=long_dictionaries, regions=regions,
                  findings_path=findings if findings.is_file() else None)


def _read_table(folder: Path, stem: str, problems: list[str], *, unique: bool,
                prefix: str = ""):
    tsv, js = f"{prefix}{stem}.tsv", f"{prefix}{stem}.json"
    if not (folder / f"{stem}.tsv").is_file() or not (folder / f"{stem}.json").is_file():
        return None, None, None
    raw = read_json(folder / f"{stem}.json", js, problems)
    infos = parse_dictionary(raw, js, problems) if raw is not None else None
    table = read_tsv(folder / f"{stem}.tsv", tsv, problems)
    if table is None or infos is None:
        return None, infos, table
    check_columns(table, infos, js, problems,
                  described={k for k in raw if k != ID_COLUMN})
    if unique:
        check_ids(table, problems)
    return convert_table(table, infos, problems), infos, table


def _read_long(folder: Path, ids: set[str] | None, problems: list[str]):
    """Long tables under ``long/``; a table with problems is reported and left out."""
    tables, dictionaries = {}, {}
    long_dir = folder / "long"
    if not long_dir.is_dir():
        return tables, dictionaries
    stems = sorted({p.stem for p in long_dir.glob("*.tsv")}
                   | {p.stem for p in long_dir.glob("*.json")})
    for stem in stems:
        for ext in ("tsv", "json"):
            if not (long_dir / f"{stem}.{ext}").is_file():
                problems.append(f"long/{stem}.{ext}: missing; every long table needs a .tsv "
                                "and a .json dictionary.")
        before = len(problems)
        frame, infos, raw = _read_table(long_dir, stem, problems, unique=False,
                                        prefix="long/")
        if raw is not None and ids is not None:
            check_long_ids(raw, ids, problems)
        if frame is not None and len(problems) == before:
            tables[stem], dictionaries[stem] = frame, infos
    return tables, dictionaries


def _read_regions(folder: Path, problems: list[str]) -> pd.DataFrame | None:
    if not (folder / "regions.tsv").is_file():
        return None
    table = read_tsv(folder / "regions.tsv", "regions.tsv", problems)
    if table is None:
        return None
    missing = [c for c in REGION_COLUMNS if c not in table.header]
    if missing:
        problems.append(f"regions.tsv line 1: missing column(s) {', '.join(missing)}.")
        return None
    frame = pd.DataFrame(list(table.rows), columns=list(table.header), dtype="str")
    frame = frame.mask(frame.isin(["n/a", ""]))
    for column in ("x", "y", "z", "radius_mm"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def _check_regions(dictionary: dict[str, ColumnInfo], regions: pd.DataFrame | None,
                   problems: list[str]) -> None:
    known = set(regions["region_id"]) if regions is not None else set()
    for name, info in dictionary.items():
        if info.region and info.region not in known:
            where = "regions.tsv" if regions is not None else "regions.tsv (missing)"
            problems.append(f"participants.json column {name!r}: Region {info.region!r} is "
                            f"not listed in {where}.")


def list_cohorts(root: str | os.PathLike | Sequence[str | os.PathLike] | None = None
                 ) -> list[CohortSummary]:
    """Every cohort folder (one holding dataset_description.json) under the roots."""
    summaries = []
    for folder in cohort_roots(root):
        if not folder.is_dir():
            continue
        for sub in sorted(p for p in folder.iterdir() if (p / REQUIRED_FILES[0]).is_file()):
            summaries.append(_summary(sub))
    return summaries


def _summary(folder: Path) -> CohortSummary:
    try:
        cohort = load_cohort(folder)
    except CohortError as exc:
        return CohortSummary(folder.name, folder.name, "", "", 0, False, "", str(exc))
    d = cohort.description
    return CohortSummary(
        id=cohort.id, name=str(d.get("Name", cohort.id)), summary=str(d.get("Summary", "")),
        citation=str(d.get("Citation", "")), n=len(cohort.participants),
        simulated=bool(d.get("Simulated", False)), version=cohort.version)
