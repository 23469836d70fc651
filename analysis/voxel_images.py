"""Per-participant images -> an (n x V) in-mask matrix on THE GRID, and back to images.

THE GRID is nilearn's bundled MNI152 template at 2 mm (``load_mni152_template(resolution=2)``),
the in-brain mask its bundled brain mask; both come from :mod:`analysis.atlases`. An image
with another shape or affine is resampled onto THE GRID (``nilearn.image.resample_to_img``,
continuous interpolation, as SecondLevelModel's masker does) and the file is named in the
returned warnings; an image that cannot be read, or that
holds more than one volume, is refused with a message naming it. Nothing is fetched from the
network. No Dash, no rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import nibabel as nib
import numpy as np

from analysis import atlases
from analysis.errors import InvalidSpec


def the_grid() -> nib.Nifti1Image:
    """The 2 mm MNI152 template image whose shape and affine every map must have."""
    return atlases.grid()


def grid_mask() -> np.ndarray:
    """The bundled MNI152 brain mask on THE GRID (bool, read-only)."""
    return atlases.brain_mask()


def as_mask(mask) -> np.ndarray:
    """`mask` (None -> the brain mask; bool array or image on THE GRID) as a bool array."""
    if mask is None:
        return grid_mask()
    shape = the_grid().shape
    if isinstance(mask, nib.spatialimages.SpatialImage):
        _require_on_grid(mask, "mask")
        mask = np.asarray(mask.dataobj)
    arr = np.asarray(mask)
    if arr.shape != shape:
        raise InvalidSpec(f"mask has shape {arr.shape}; a mask on THE GRID (2 mm MNI152) "
                          f"has shape {shape}.")
    arr = arr.astype(bool)
    if not arr.any():
        raise InvalidSpec("mask selects no voxel; give a mask with at least one voxel.")
    return arr


def _on_grid(img) -> bool:
    ref = the_grid()
    return img.shape[:3] == ref.shape and np.allclose(img.affine, ref.affine, atol=1e-4)


def _require_on_grid(img, label: str) -> None:
    if not _on_grid(img):
        raise InvalidSpec(f"{label} has shape {img.shape} and another affine than THE GRID "
                          f"(2 mm MNI152, shape {the_grid().shape}); resample it first.")


def _open(item, label: str):
    if isinstance(item, (str, Path)):
        if not Path(item).is_file():
            raise InvalidSpec(f"image {label} does not exist; check the path.")
        try:
            return nib.load(str(item))
        except Exception as exc:  # nibabel raises several types for unreadable files
            raise InvalidSpec(f"image {label} cannot be read as NIfTI ({exc}).") from exc
    if isinstance(item, nib.spatialimages.SpatialImage):
        return item
    raise InvalidSpec(f"image {label} is a {type(item).__name__}; give a file path or a "
                      "nibabel image.")


def _volume(img, label: str):
    if img.ndim == 4 and img.shape[3] == 1:
        img = nib.Nifti1Image(np.asarray(img.dataobj)[..., 0], img.affine)
    if img.ndim != 3:
        raise InvalidSpec(f"image {label} has shape {img.shape}; one 3D volume per "
                          "participant is needed.")
    return img


def images_to_matrix(images: Sequence, mask: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """In-mask values of each image (rows) as float32, and one warning per resampled image."""
    from nilearn.image import resample_to_img  # heavy import, only when images are given

    rows, warnings = np.empty((len(images), int(mask.sum())), dtype=np.float32), []
    for i, item in enumerate(images):
        label = repr(str(item)) if isinstance(item, (str, Path)) else f"#{i + 1} (in memory)"
        img = _volume(_open(item, label), label)
        if not _on_grid(img):
            warnings.append(f"image {label} had shape {img.shape} and was resampled onto "
                            "THE GRID (2 mm MNI152, continuous interpolation).")
            img = resample_to_img(img, the_grid(), interpolation="continuous",
                                  force_resample=True, copy_header=True)
        rows[i] = np.asarray(img.dataobj, dtype=np.float32)[mask]
    if not np.isfinite(rows).all():
        bad = sorted({int(i) for i in np.flatnonzero(~np.isfinite(rows).all(axis=1))})
        raise InvalidSpec(f"images {', '.join(f'#{b + 1}' for b in bad[:10])} have NaN or "
                          "infinite values inside the mask; fill them or shrink the mask.")
    return rows, tuple(warnings)


def matrix_to_image(values: np.ndarray, mask: np.ndarray) -> nib.Nifti1Image:
    """A float32 image on THE GRID with `values` inside `mask` and NaN outside."""
    out = np.full(mask.shape, np.nan, dtype=np.float32)
    out[mask] = values
    return atlases.grid_image(out)
