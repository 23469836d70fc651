"""On-disk cache of generated participant maps, outside git.

Layout: ``$PCE_MAPS_DIR/<cohort_id>/<cohort version>/`` (default ``<repo>/.cache/maps``,
ignored by .gitignore) holding ``data.npy`` (float32, participants x in-mask voxels),
``mask.npy`` (bool, THE GRID) and ``participants.json`` (ids, seed, notes, generator
version). Each file is written to a temporary name in the same folder and moved into place
with ``os.replace`` (atomic), and ``participants.json`` is written last, so a reader sees
either a complete cache or none; two processes generating at once write identical bytes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["DEFAULT_ROOT", "ENV_VAR", "GENERATOR_VERSION", "cache_folder", "load", "save"]

ENV_VAR = "PCE_MAPS_DIR"
DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / ".cache" / "maps"
GENERATOR_VERSION = "1"
"""Bump when the simulation changes, so that stale caches are regenerated."""

DATA, MASK, META = "data.npy", "mask.npy", "participants.json"


def cache_folder(cohort_id: str, version: str) -> Path:
    """``$PCE_MAPS_DIR/<cohort_id>/<version>`` (default root ``<repo>/.cache/maps``)."""
    root = os.environ.get(ENV_VAR) or DEFAULT_ROOT
    return Path(root) / cohort_id / version


def _atomic_write(path: Path, write: Callable[[object], None]) -> None:
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(folder: Path, data: np.ndarray, mask: np.ndarray, meta: dict) -> None:
    """Write the three files of a cache folder (created if needed), metadata last."""
    folder.mkdir(parents=True, exist_ok=True)
    _atomic_write(folder / DATA, lambda f: np.save(f, np.ascontiguousarray(data, np.float32)))
    _atomic_write(folder / MASK, lambda f: np.save(f, np.asarray(mask, dtype=bool)))
    text = json.dumps({**meta, "generator": GENERATOR_VERSION}, indent=1, sort_keys=True)
    _atomic_write(folder / META, lambda f: f.write(text.encode("utf-8")))


def load(folder: Path) -> tuple[np.ndarray, np.ndarray, dict] | None:
    """``(data memory-mapped read-only, mask, metadata)``, or None when the folder holds no
    complete cache of the current generator version (then the caller regenerates)."""
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if meta.get("generator") != GENERATOR_VERSION:
            return None
        data = np.load(folder / DATA, mmap_mode="r")
        mask = np.load(folder / MASK)
    except (OSError, ValueError):
        return None
    if data.shape != (len(meta.get("participant_ids", ())), int(mask.sum())):
        return None
    return data, mask, meta
