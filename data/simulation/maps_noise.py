"""Spatially smooth noise and the baseline SUVR image of the simulated PET maps.

Pure numpy/scipy on arrays of THE GRID (the 2 mm MNI152 template of nilearn). The only files
read are nilearn's bundled MNI152 grey/white matter probability maps, which ship inside the
installed package: nothing is ever fetched.
"""

from __future__ import annotations

import math

import nibabel as nib
import numpy as np
from scipy import ndimage

__all__ = [
    "CSF_SUVR",
    "FWHM_MM",
    "GM_SUVR",
    "WM_SUVR",
    "baseline_values",
    "kernel_sigma_voxels",
    "noise_box",
    "smooth_noise",
    "tissue_probabilities",
]

FWHM_MM = 8.0
"""Smoothing of the papers' SUVR images (Alshelh 2022 and Albrecht 2021 Methods: 8 mm FWHM)."""

FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))  # 2.3548: FWHM of a unit Gaussian
TRUNCATE = 4.0  # scipy.ndimage.gaussian_filter default: kernel cut at 4 sigma

GM_SUVR, WM_SUVR, CSF_SUVR = 1.05, 0.85, 0.60
"""Baseline SUVR of pure grey matter, white matter and CSF. Chosen near the cohorts' region
means (cortical ROIs 1.0-1.1, white-matter clusters about 0.86 in participants.tsv); the
region correction of :mod:`data.simulation.maps_fit` then sets each region exactly."""


def kernel_sigma_voxels(fwhm_mm: float = FWHM_MM, voxel_mm: float = 2.0) -> float:
    """Gaussian sigma in voxels for a kernel of `fwhm_mm` (sigma = FWHM / 2.3548 / voxel)."""
    return fwhm_mm / FWHM_PER_SIGMA / voxel_mm


def _kernel_1d(sigma: float) -> np.ndarray:
    """The normalised 1-D kernel scipy.ndimage.gaussian_filter uses (same radius rule)."""
    radius = int(TRUNCATE * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=float)
    weights = np.exp(-0.5 * (x / sigma) ** 2)
    return weights / weights.sum()


def noise_box(mask: np.ndarray, *, fwhm_mm: float = FWHM_MM,
              voxel_mm: float = 2.0) -> tuple[slice, ...]:
    """Bounding box of `mask` widened by the kernel radius (clipped to the array)."""
    margin = len(_kernel_1d(kernel_sigma_voxels(fwhm_mm, voxel_mm))) // 2
    where = [np.flatnonzero(np.any(mask, axis=tuple(a for a in range(3) if a != axis)))
             for axis in range(3)]
    return tuple(slice(max(int(w.min()) - margin, 0), min(int(w.max()) + margin + 1, size))
                 for w, size in zip(where, mask.shape, strict=True))


def smooth_noise(rng: np.random.Generator, mask: np.ndarray, *, fwhm_mm: float = FWHM_MM,
                 voxel_mm: float = 2.0, box: tuple[slice, ...] | None = None) -> np.ndarray:
    """Unit-variance Gaussian noise smoothed to `fwhm_mm`, at the in-mask voxels.

    White noise is drawn on the bounding box of `mask` widened by the kernel radius (so every
    in-mask voxel sees a full kernel of real draws), smoothed with
    ``scipy.ndimage.gaussian_filter`` and divided by the kernel's root sum of squares, the
    standard deviation of filtered unit white noise (the 3-D kernel is the product of three
    1-D kernels, so its sum of squares is that of the 1-D kernel cubed). `box` (from
    :func:`noise_box`) saves recomputing the bounding box when many fields share a mask.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(mask.sum(),)``, in C order of the mask's voxels.
    """
    sigma = kernel_sigma_voxels(fwhm_mm, voxel_mm)
    kernel = _kernel_1d(sigma)
    box = noise_box(mask, fwhm_mm=fwhm_mm, voxel_mm=voxel_mm) if box is None else box
    white = rng.standard_normal(tuple(s.stop - s.start for s in box), dtype=np.float32)
    smooth = ndimage.gaussian_filter(white, sigma, truncate=TRUNCATE, mode="constant")
    smooth *= np.float32(1.0 / math.sqrt(float(np.sum(kernel ** 2)) ** 3))
    return smooth[mask[box]]


def tissue_probabilities(grid: nib.Nifti1Image) -> tuple[np.ndarray, np.ndarray]:
    """Grey and white matter probability (0-1) on `grid`, from nilearn's bundled MNI152
    maps at 2 mm (resampled, trilinear, only if their grid differs)."""
    from nilearn import datasets, image  # heavy import, needed only when generating

    maps = []
    for load in (datasets.load_mni152_gm_template, datasets.load_mni152_wm_template):
        img = load(resolution=2)
        if img.shape != grid.shape or not np.allclose(img.affine, grid.affine):
            img = image.resample_to_img(img, grid, interpolation="continuous",
                                        force_resample=True, copy_header=True)
        maps.append(np.clip(np.asarray(img.get_fdata(), dtype=float), 0.0, 1.0))
    return maps[0], maps[1]


def baseline_values(grid: nib.Nifti1Image, mask: np.ndarray) -> np.ndarray:
    """Smooth baseline SUVR at the in-mask voxels: a tissue mixture, GM > WM > CSF.

    SUVR = GM_SUVR * p_gm + WM_SUVR * p_wm + CSF_SUVR * (1 - p_gm - p_wm), then smoothed to
    the papers' 8 mm FWHM like a reconstructed, smoothed PET image. float64, ``(V,)``.
    """
    gm, wm = tissue_probabilities(grid)
    scale = np.clip(gm + wm, 1.0, None)  # the two maps may sum a little above 1
    gm, wm = gm / scale, wm / scale
    suvr = GM_SUVR * gm + WM_SUVR * wm + CSF_SUVR * (1.0 - gm - wm)
    smooth = ndimage.gaussian_filter(suvr, kernel_sigma_voxels(), truncate=TRUNCATE,
                                     mode="nearest")
    return smooth[mask]
