"""Receiving a cohort uploaded in the browser: limits, safe unpacking, validation, storage.

An upload is the files of one cohort folder (data/FORMAT.md), sent separately or as ONE zip
(whose files may sit in one top-level folder). Nothing of it is executed or interpreted
beyond reading text: names must match an allow-list, sizes and counts are checked before
anything is written (for a zip: the declared sizes, then the actual bytes while streaming),
and the files are written into a fresh temporary folder under the destination, validated by
:func:`analysis.cohort.load_cohort` (which lists every problem), and only then moved to
``<dest_root>/u-<random>`` in one rename that never replaces an existing cohort. On any
problem the temporary folder is removed and nothing else has changed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from analysis.cohort import load_cohort
from analysis.cohort_files import read_tsv
from analysis.cohort_validate import check_ids
from analysis.errors import CohortError, InvalidSpec
from app.upload_zip import clean_path, common_folder, read_zip

__all__ = ["ACCEPTED", "ID_PREFIX", "UploadResult", "receive_upload"]

ID_PREFIX = "u-"
ACCEPTED = re.compile(r"participants\.tsv|participants\.json|dataset_description\.json"
                      r"|regions\.tsv|long/[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.(tsv|json)")
"""Relative paths an upload may hold (everything else is refused, never written)."""
ACCEPTED_TEXT = ("participants.tsv and participants.json, optionally dataset_description.json, "
                 "regions.tsv and long/<name>.tsv with long/<name>.json (see data/FORMAT.md)")
_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook?)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office (.xls) file"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xfe", "UTF-16 text (save it as UTF-8)"),
    (b"\xfe\xff", "UTF-16 text (save it as UTF-8)"),
)
_CONTROL = frozenset(range(9)) | frozenset(range(14, 32)) | {127}


@dataclass(frozen=True)
class UploadResult:
    """Outcome of one upload.

    Attributes
    ----------
    cohort_id : id of the stored cohort (``u-`` + 12 random URL-safe characters), or None
        when the upload was refused.
    problems : every problem found, each naming the file (and line and column where the
        loader knows them); empty when the cohort was stored.
    path : folder the cohort was stored in, or None.
    name : the cohort's Name (dataset_description.json), or None.
    n : number of participants (0 when refused).
    """

    cohort_id: str | None
    problems: list[str] = field(default_factory=list)
    path: Path | None = None
    name: str | None = None
    n: int = 0

    @property
    def ok(self) -> bool:
        """True when the cohort was stored."""
        return self.cohort_id is not None

    def to_dict(self) -> dict:
        """JSON-safe summary (the path is left out: it is the server's business)."""
        return {"cohort_id": self.cohort_id, "problems": list(self.problems),
                "name": self.name, "n": self.n}


def receive_upload(files: Sequence[tuple[str, bytes]], *, dest_root: str | os.PathLike,
                   max_bytes: int, max_files: int, name: str | None = None) -> UploadResult:
    """Validate the uploaded cohort `files` and store it under `dest_root` when valid.

    Parameters
    ----------
    files : (file name, content) pairs as the browser sent them: the files of a cohort
        folder, or one ``.zip`` of them.
    dest_root : folder of uploaded cohorts (created if missing).
    max_bytes : limit on the bytes received and, separately, on the bytes unpacked.
    max_files : limit on the number of files (after unpacking a zip).
    name : Name for the generated dataset_description.json when the upload has none
        (default: the zip's folder or file name, else "Uploaded cohort").

    Returns
    -------
    UploadResult
        With ``cohort_id`` and ``path`` set when stored, else with every problem found.
    """
    _check_arguments(files, max_bytes, max_files)
    dest_root = Path(dest_root)
    dest_root.mkdir(parents=True, exist_ok=True)
    try:
        entries, label = _unpack(files, max_bytes, max_files)
        _check_names(entries)
    except CohortError as exc:
        return UploadResult(None, exc.problems)
    unreadable = {path: text for path, content in entries.items()
                  if (text := _sniff(path, content))}
    work = Path(tempfile.mkdtemp(prefix=".upload-", dir=dest_root))
    try:
        return _validate_and_store(entries, unreadable, work, dest_root, name or label)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check_arguments(files, max_bytes, max_files) -> None:
    for arg, value in (("max_bytes", max_bytes), ("max_files", max_files)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidSpec(f"{arg} must be a positive integer, got {value!r}.")
    if not isinstance(files, Sequence) or not all(
            isinstance(f, tuple) and len(f) == 2 and isinstance(f[0], str)
            and isinstance(f[1], bytes | bytearray) for f in files):
        raise InvalidSpec("files must be a list of (file name, bytes) pairs, got "
                          f"{type(files).__name__}.")


def _megabytes(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 104_858 else f"{n} bytes"


def _unpack(files, max_bytes: int, max_files: int) -> tuple[dict[str, bytes], str | None]:
    """{relative path: bytes} of the upload and a name for it; CohortError if refused."""
    if not files:
        raise CohortError("upload", [f"upload: no file received; upload {ACCEPTED_TEXT}."])
    total = sum(len(content) for _, content in files)
    problems = []
    if total > max_bytes:
        problems.append(f"upload: {_megabytes(total)} received, over the limit of "
                        f"{_megabytes(max_bytes)}; remove large files or split the cohort.")
    if len(files) > max_files:
        problems.append(f"upload: {len(files)} files received, over the limit of {max_files}.")
    zips = [n for n, _ in files if n.lower().endswith(".zip")]
    if zips and len(files) > 1:
        problems.append(f"{zips[0]}: send one zip alone, or the cohort's files without a zip "
                        f"({len(files)} files were sent together).")
    if problems:
        raise CohortError("upload", problems)
    if zips:
        zip_name, content = files[0]
        return read_zip(zip_name, bytes(content), max_bytes=max_bytes, max_files=max_files)
    return _plain_files(files)


def _plain_files(files) -> tuple[dict[str, bytes], str | None]:
    """Separate files; a dropped folder arrives as ``folder/name`` paths (one common folder
    is removed and names the upload)."""
    entries: dict[str, bytes] = {}
    problems: list[str] = []
    for raw, content in files:
        path = clean_path(raw, f"file {raw!r}", problems)
        if path is None:
            continue
        if path in entries:
            problems.append(f"{path}: sent twice; send each file once.")
        entries[path] = bytes(content)
    if problems:
        raise CohortError("upload", problems)
    prefix = common_folder(list(entries))
    return {path[len(prefix):]: content for path, content in entries.items()}, \
        prefix.rstrip("/") or None


def _check_names(entries: dict[str, bytes]) -> None:
    problems = []
    for path in entries:
        if not ACCEPTED.fullmatch(path):
            problems.append(f"{path}: not an accepted file name{_hint(path)}; an upload holds "
                            f"{ACCEPTED_TEXT}.")
    if problems:
        raise CohortError("upload", problems)


def _hint(path: str) -> str:
    lower = path.lower()
    for wanted in ("participants.tsv", "participants.json", "dataset_description.json",
                   "regions.tsv"):
        if lower == wanted:
            return f" (did you mean {wanted}? names are case-sensitive)"
    if lower.endswith((".csv", ".txt", ".xlsx", ".xls")):
        return " (save tables as tab-separated .tsv)"
    if lower.endswith((".gz", ".tar", ".tgz", ".7z", ".rar")):
        return " (only one plain .zip is accepted)"
    return ""


def _sniff(path: str, content: bytes) -> str | None:
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return f"{path}: this is {kind}, not a UTF-8 text file; export it as " \
                   f"{'tab-separated text' if path.endswith('.tsv') else 'JSON text'}."
    head = content[:8192]
    if b"\0" in head or sum(b in _CONTROL for b in head) > len(head) // 100 + 1:
        return f"{path}: contains binary data (control bytes), not text; upload the " \
               "UTF-8 text file itself."
    return None


def _validate_and_store(entries: dict[str, bytes], unreadable: dict[str, str], work: Path,
                        dest_root: Path, label: str | None) -> UploadResult:
    folder = work / "cohort"
    folder.mkdir()
    for path, content in entries.items():
        if path not in unreadable:
            target = folder / path
            target.parent.mkdir(exist_ok=True)
            with open(target, "xb") as handle:      # "x": never follows or replaces a file
                handle.write(content)
    if "dataset_description.json" not in entries:
        _write_description(folder / "dataset_description.json", label)
    problems = list(unreadable.values())
    try:
        cohort = load_cohort(folder)
    except CohortError as exc:      # the loader's word on files we could not read is noise
        problems += [p for p in exc.problems if not p.startswith(tuple(unreadable))]
        _table_without_dictionary(folder, problems)
    if problems:
        return UploadResult(None, problems)
    cohort_id, final = _reserve(dest_root)
    os.rename(folder, final)        # replaces only the empty folder reserved just now
    return UploadResult(cohort_id, [], final, str(cohort.description["Name"]),
                        len(cohort.participants))


def _table_without_dictionary(folder: Path, problems: list[str]) -> None:
    """The loader reads participants.tsv only with its dictionary; when participants.json
    is missing, still report what is wrong with the table itself (delimiter, ids)."""
    if (folder / "participants.tsv").is_file() and not (folder / "participants.json").is_file():
        table = read_tsv(folder / "participants.tsv", "participants.tsv", problems)
        if table is not None:
            check_ids(table, problems)


def _write_description(path: Path, label: str | None) -> None:
    """Minimal dataset_description.json for an upload that has none."""
    name = "".join(c for c in (label or "") if c.isprintable()).strip()[:80]
    description = {"Name": name or "Uploaded cohort", "BIDSVersion": "1.9.0",
                   "DatasetType": "raw", "Simulated": False,
                   "Summary": "Uploaded cohort (no dataset_description.json was provided)."}
    path.write_text(json.dumps(description, indent=2) + "\n", encoding="utf-8")


def _reserve(dest_root: Path) -> tuple[str, Path]:
    """A new empty folder ``u-<12 random characters>`` (mkdir fails rather than reuse)."""
    while True:
        cohort_id = ID_PREFIX + secrets.token_urlsafe(9)
        try:
            (dest_root / cohort_id).mkdir()
        except FileExistsError:
            continue
        return cohort_id, dest_root / cohort_id
