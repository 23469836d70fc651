"""Unpacking an uploaded zip safely: path checks, limits, no links or special files.

Used by :mod:`app.upload_store`. Nothing is written here: the entries are read into memory
(at most ``max_bytes`` in total, which the caller also applies to the upload itself), after
checking every name (no absolute paths, no ``..``, no control characters), every type (no
symbolic links, devices, pipes; no encrypted or nested archives), the number of files and
the sizes declared in the archive. The bytes actually produced are then counted while
streaming, so an archive that under-declares its sizes (a zip bomb) is stopped at the limit.
"""

from __future__ import annotations

import copy
import io
import re
import stat
import zipfile
import zlib
from pathlib import PurePosixPath

from analysis.errors import CohortError

__all__ = ["clean_path", "common_folder", "read_zip"]

CHUNK = 65_536
_JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_ARCHIVES = (".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar")
_SPECIAL = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISCHR, "a device file"),
            (stat.S_ISBLK, "a device file"), (stat.S_ISFIFO, "a named pipe"),
            (stat.S_ISSOCK, "a socket"))


def clean_path(raw: str, where: str, problems: list[str]) -> str | None:
    """`raw` as a safe relative POSIX path, or None after recording why it is unsafe."""
    text = raw.replace("\\", "/")
    if any(ord(c) < 32 or ord(c) == 127 for c in text) or len(text) > 255:
        problems.append(f"{where}: the name holds control characters or is too long.")
        return None
    if text.startswith("/") or re.match(r"[A-Za-z]:", text):
        problems.append(f"{where}: absolute paths are not allowed; use relative names.")
        return None
    parts = [p for p in PurePosixPath(text).parts if p not in ("", ".")]
    if ".." in parts:
        problems.append(f"{where}: '..' would leave the cohort folder; paths may not "
                        "contain '..'.")
        return None
    if not parts:
        problems.append(f"{where}: the name is empty.")
        return None
    return "/".join(parts)


def read_zip(zip_name: str, data: bytes, *, max_bytes: int, max_files: int
             ) -> tuple[dict[str, bytes], str]:
    """({relative path: bytes}, name of the upload) of the zip `data`.

    Raises
    ------
    CohortError
        Listing every unsafe or over-limit entry, or why the archive cannot be read.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _refused(zip_name, f"{zip_name}: not a readable zip archive ({exc}); "
                                 "create it again with a standard zip tool.") from None
    with archive:
        kept = _entries(zip_name, archive, max_bytes, max_files)
        prefix = common_folder([path for path, _ in kept])
        entries, budget = {}, max_bytes
        for path, info in kept:
            content = _read_entry(zip_name, archive, info, budget)
            budget -= len(content)
            entries[path[len(prefix):]] = content
    label = prefix.rstrip("/") or PurePosixPath(zip_name.replace("\\", "/")).stem
    return entries, label


def _entries(zip_name: str, archive: zipfile.ZipFile, max_bytes: int, max_files: int
             ) -> list[tuple[str, zipfile.ZipInfo]]:
    """Safe file entries (paths cleaned, junk and folders skipped); CohortError if any is
    unsafe or the limits are exceeded by the declared sizes."""
    infos = archive.infolist()
    if len(infos) > max(100, 10 * max_files):
        raise _refused(zip_name, f"{zip_name}: {len(infos)} entries, far over the limit "
                                 f"of {max_files} files.")
    problems: list[str] = []
    kept: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        where = f"{zip_name}: entry {info.filename!r}"
        path = clean_path(info.filename, where, problems)
        if path is None or info.is_dir() or _is_junk(path):
            continue
        refusal = _refusal(info, path)
        if refusal:
            problems.append(f"{where} is {refusal}.")
        elif path in kept:
            problems.append(f"{where} appears twice; each file may appear once.")
        kept[path] = info
    if not kept and not problems:
        problems.append(f"{zip_name}: the archive contains no files.")
    if len(kept) > max_files:
        problems.append(f"{zip_name}: {len(kept)} files, over the limit of {max_files}.")
    declared = sum(info.file_size for info in kept.values())
    if declared > max_bytes:
        problems.append(f"{zip_name}: declares {declared} bytes uncompressed, over the limit "
                        f"of {max_bytes} bytes.")
    if problems:
        raise CohortError(zip_name, problems)
    return list(kept.items())


def _refused(zip_name: str, message: str) -> CohortError:
    return CohortError(zip_name, [message])


def _is_junk(path: str) -> bool:
    """Files added by operating systems (macOS resource forks, Finder/Explorer caches)."""
    name = path.rsplit("/", 1)[-1]
    return path.split("/", 1)[0] == "__MACOSX" or name in _JUNK_NAMES or name.startswith("._")


def _refusal(info: zipfile.ZipInfo, path: str) -> str | None:
    """Why entry `info` may not be unpacked, or None."""
    mode = info.external_attr >> 16
    for test, kind in _SPECIAL:
        if mode and test(mode):
            return f"{kind}; only regular files are accepted"
    if info.flag_bits & 0x1:
        return "encrypted; upload an archive without a password"
    if path.lower().endswith(_ARCHIVES):
        return "an archive inside the archive; nested archives are not unpacked, zip the " \
               "cohort's files directly"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return "compressed with an unsupported method; use standard (deflate) zip"
    return None


def common_folder(paths: list[str]) -> str:
    """``"<folder>/"`` when every path sits in the same top-level folder, else ``""``."""
    firsts = {p.split("/", 1)[0] for p in paths}
    if len(firsts) != 1 or any("/" not in p for p in paths) or firsts == {"long"}:
        return ""
    return firsts.pop() + "/"


def _read_entry(zip_name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                budget: int) -> bytes:
    """Bytes of `info`, counting what decompression actually yields against `budget`.

    zipfile stops at the declared size (and checks the CRC there); declaring two chunks
    more than the budget lets an under-declared entry show that it is larger, while never
    holding more than the budget plus one chunk.
    """
    where = f"{zip_name}: entry {info.filename!r}"
    probe = copy.copy(info)
    probe.file_size = budget + 2 * CHUNK
    chunks, total = [], 0
    try:
        with archive.open(probe) as stream:
            while chunk := stream.read(CHUNK):
                total += len(chunk)
                if total > budget:
                    raise _refused(
                        zip_name,
                        f"{where} expands to more than the remaining limit of {budget} bytes "
                        f"(it declares {info.file_size}); the archive is damaged or a zip "
                        "bomb.")
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise _refused(zip_name, f"{where} is damaged ({exc}); create the zip "
                                 "again.") from None
    if total != info.file_size:
        raise _refused(zip_name, f"{where} declares {info.file_size} bytes but holds "
                                 f"{total}; the archive is damaged or crafted.")
    return b"".join(chunks)
