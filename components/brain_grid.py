"""THE GRID of the brain views: nilearn's bundled MNI152 template at 2 mm (99 x 117 x 95).

Read once (cached); nothing is fetched from the network. Only geometry and the template's
greyscale live here, no statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

PANELS = ("axial", "coronal", "sagittal")
# panel -> (axis drawn horizontally, axis drawn vertically, axis held fixed); 0=x, 1=y, 2=z.
AXES = {"axial": (0, 1, 2), "coronal": (0, 2, 1), "sagittal": (1, 2, 0)}


@lru_cache(maxsize=1)
def _template():
    from nilearn.datasets import load_mni152_template

    return load_mni152_template(resolution=2)


def grid_shape() -> tuple[int, int, int]:
    return tuple(int(n) for n in _template().shape[:3])


@lru_cache(maxsize=1)
def _affine() -> np.ndarray:
    affine = np.asarray(_template().affine, dtype=float)
    affine.setflags(write=False)
    return affine


def grid_affine() -> np.ndarray:
    """The grid's voxel-to-MNI-mm affine (read only; axis-aligned, 2 mm, RAS)."""
    return _affine()


@lru_cache(maxsize=1)
def template_uint8() -> np.ndarray:
    """The template scaled to 0-255 (uint8 keeps the figure JSON small); 0 = outside."""
    data = np.asarray(_template().dataobj, dtype=np.float32)
    scaled = np.round(255 * data / max(float(data.max()), 1e-12)).astype(np.uint8)
    scaled.setflags(write=False)
    return scaled


def voxel_to_mm(ijk: Sequence[int]) -> tuple[float, float, float]:
    affine = grid_affine()
    xyz = affine[:3, :3] @ np.asarray(ijk, dtype=float) + affine[:3, 3]
    return tuple(float(v) for v in xyz)


def snap_to_grid(xyz_mm: Sequence[float]) -> tuple[float, float, float]:
    """The centre of the grid voxel nearest to ``xyz_mm`` (clipped into the grid)."""
    affine = grid_affine()
    ijk = np.linalg.solve(affine[:3, :3], np.asarray(xyz_mm, dtype=float) - affine[:3, 3])
    ijk = np.clip(np.round(ijk), 0, np.asarray(grid_shape()) - 1).astype(int)
    return voxel_to_mm(ijk)
