"""Regions of a cohort as masks on THE GRID, and region-level statistics as brain maps.

A region (one row of a cohort's regions.tsv) is either one or several atlas labels joined
with "; " (Harvard-Oxford at 30 %, Desikan-Killiany, Juelich, AAL; see
:mod:`analysis.atlases`) or a sphere of ``radius_mm`` around the MNI coordinate ``x, y, z``.
Masks are cached per process and returned read-only, so painting "all regions" of a cohort
on every click costs microseconds after the first call.

Pure functions, no Dash, no rounding. :func:`cluster_table` lives in
:mod:`analysis.clusters` and is re-exported here.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from functools import lru_cache

import nibabel as nib
import numpy as np
import pandas as pd

from analysis import atlas_labels
from analysis._data import require_columns
from analysis.atlases import grid, grid_image, load_atlas
from analysis.clusters import cluster_table
from analysis.errors import CohortError, InsufficientData, InvalidSpec, UnknownColumn

__all__ = ["cluster_table", "region_map", "region_mask", "region_masks", "region_values"]

REGION_COLUMNS = ("region_id", "atlas", "atlas_label", "x", "y", "z", "radius_mm")
"""Columns of regions.tsv that define a region's voxels (see data/FORMAT.md)."""


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in ("", "n/a")) or \
        (isinstance(value, float) and math.isnan(value))


@lru_cache(maxsize=256)
def _sphere(x: float, y: float, z: float, radius: float) -> np.ndarray:
    """Voxels of THE GRID whose centre lies within `radius` mm of (x, y, z)."""
    affine, shape = grid().affine, grid().shape
    axes = [affine[a, a] * np.arange(shape[a]) + affine[a, 3] - c
            for a, c in enumerate((x, y, z))]
    dist2 = axes[0][:, None, None] ** 2 + axes[1][None, :, None] ** 2 \
        + axes[2][None, None, :] ** 2
    mask = dist2 <= radius ** 2
    mask.flags.writeable = False
    return mask


@lru_cache(maxsize=512)
def _atlas_region(region_atlas: str, atlas_label: str) -> np.ndarray:
    values = atlas_labels.label_values(region_atlas, atlas_label)
    atlas = load_atlas(atlas_labels.REGION_ATLASES[region_atlas])
    mask = np.isin(atlas.data, values)
    mask.flags.writeable = False
    return mask


def _sphere_problem(region: Mapping, name: str) -> tuple[np.ndarray | None, str | None]:
    coords = [region.get(k) for k in ("x", "y", "z", "radius_mm")]
    try:
        x, y, z, r = (float(c) for c in coords)
    except (TypeError, ValueError):
        x = y = z = r = math.nan
    if not all(math.isfinite(v) for v in (x, y, z, r)) or r <= 0:
        return None, (f"region {name!r}: a sphere needs numeric x, y, z and a positive "
                      f"radius_mm; received x, y, z, radius_mm = {coords}.")
    mask = _sphere(x, y, z, r)
    if not mask.any():
        return None, (f"region {name!r}: the sphere of {r:g} mm around ({x:g}, {y:g}, {z:g}) "
                      "holds no voxel of the MNI152 2 mm grid; check the coordinates (MNI "
                      "mm) and the radius.")
    return mask, None


def _label_problem(region: Mapping, name: str, atlas: str) -> tuple[np.ndarray | None, str | None]:
    label = region.get("atlas_label")
    if _missing(label):
        return None, f"region {name!r}: atlas {atlas!r} needs an atlas_label; it is n/a."
    try:
        return _atlas_region(atlas, str(label)), None
    except atlas_labels.LabelNotFound as err:
        close = ", ".join(repr(c) for c in err.closest) or "none"
        elsewhere = atlas_labels.found_elsewhere(atlas, err.label)
        hint = f" It exists in {'; '.join(elsewhere)}." if elsewhere else ""
        return None, (f"region {name!r}: atlas_label {err.label!r} is not a label of the "
                      f"bundled {atlas} atlas; closest labels: {close}.{hint}")


def _mask_or_problem(region: Mapping) -> tuple[np.ndarray | None, str | None]:
    name = str(region.get("region_id", "?"))
    atlas = region.get("atlas")
    if atlas == "sphere":
        return _sphere_problem(region, name)
    if atlas in atlas_labels.REGION_ATLASES:
        return _label_problem(region, name, str(atlas))
    allowed = ", ".join(["sphere", *atlas_labels.REGION_ATLASES])
    return None, f"region {name!r}: atlas {atlas!r} is not supported; use one of {allowed}."


def region_mask(region: Mapping, *, source: str = "regions.tsv") -> np.ndarray:
    """Voxels of one region (a regions.tsv row) on THE GRID, as a read-only bool array.

    Raises :class:`CohortError` (naming `source`, the region, and the closest atlas labels
    when a label is unknown) if the row does not define a non-empty region.
    """
    mask, problem = _mask_or_problem(region)
    if problem is not None:
        raise CohortError(source, [problem])
    return mask


def region_masks(regions: pd.DataFrame, *, source: str = "regions.tsv") -> dict[str, np.ndarray]:
    """Mask of every region of a regions.tsv table, keyed by region_id (table order).

    Every problem of the table is reported at once in one :class:`CohortError`.
    """
    require_columns(regions, REGION_COLUMNS, argument="regions column")
    masks: dict[str, np.ndarray] = {}
    problems: list[str] = []
    for row in regions.to_dict("records"):
        name = str(row["region_id"])
        if name in masks:
            problems.append(f"region {name!r} is listed more than once.")
            continue
        mask, problem = _mask_or_problem(row)
        if problem is not None:
            problems.append(problem)
        else:
            masks[name] = mask
    if problems:
        raise CohortError(source, problems)
    return masks


def region_map(values_by_region: Mapping[str, float], regions: pd.DataFrame) -> nib.Nifti1Image:
    """Image on THE GRID painting each region with its value (float32, NaN elsewhere).

    Where regions overlap, the smaller region is painted last and keeps its value, so nested
    regions (a cluster inside a lobe) stay visible. Regions with a NaN value, or absent from
    `values_by_region`, are not painted.
    """
    masks = region_masks(regions)
    for name, value in values_by_region.items():
        if name not in masks:
            raise UnknownColumn(f"values_by_region key {name!r} is not a region_id of the "
                                f"regions table; known: {', '.join(map(repr, masks))}.")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InvalidSpec(f"values_by_region[{name!r}]={value!r} is not a number.")
    data = np.full(grid().shape, np.nan, dtype=np.float32)
    order = sorted(values_by_region, key=lambda n: -int(masks[n].sum()))
    for name in order:
        if not math.isnan(float(values_by_region[name])):
            data[masks[name]] = values_by_region[name]
    return grid_image(data)


def _grid_array(image_or_array) -> np.ndarray:
    if isinstance(image_or_array, nib.spatialimages.SpatialImage):
        image = image_or_array
        if image.shape[:3] != grid().shape or not np.allclose(image.affine, grid().affine):
            raise InvalidSpec(
                f"image of shape {image.shape} and affine {np.round(image.affine, 2).tolist()}"
                " is not on the MNI152 2 mm grid; resample it first, e.g. nilearn.image."
                "resample_to_img(image, analysis.atlases.grid()).")
        data = np.asarray(image.dataobj)
    else:
        data = np.asarray(image_or_array)
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.shape != grid().shape or not np.issubdtype(data.dtype, np.number):
        raise InvalidSpec(f"image_or_array has shape {data.shape} and dtype {data.dtype}; "
                          f"a numeric array of shape {grid().shape} (THE GRID) is needed.")
    return data


def region_values(image_or_array, regions: pd.DataFrame) -> dict[str, float]:
    """Mean of the finite voxels of an image on THE GRID inside each region.

    The inverse of :func:`region_map` for non-overlapping regions. Raises
    :class:`InsufficientData` naming a region without any finite voxel.
    """
    data = _grid_array(image_or_array)
    values: dict[str, float] = {}
    for name, mask in region_masks(regions).items():
        inside = data[mask]
        inside = inside[np.isfinite(inside)]
        if inside.size == 0:
            raise InsufficientData(f"region {name!r} has no finite voxel in the image "
                                   f"({int(mask.sum())} voxels, all NaN or empty); no mean "
                                   "can be computed there.")
        values[name] = float(np.mean(inside, dtype=np.float64))
    return values
