"""Setting the mean of a map inside each region to a target value (the 1% rule).

A map ``x`` (in-mask voxels) receives one additive offset ``c_r`` per region on the region's
voxels; a voxel in several regions receives the sum of their offsets. The mean inside region
``r`` then becomes ``mean_r(x) + sum_s c_s |r & s| / |r|``, so the offsets solve the small
linear system ``A c = t - mean(x)`` with ``A[r, s] = |r & s| / |r|``. Disjoint regions give
``A = I`` (one offset each); nested or partly overlapping regions are solved jointly and
exactly. Regions with identical voxels cannot hold two different means: the first one (in
the order given) is kept and the others become aliases of it. Voxels outside every region
are never changed. Pure numpy, deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from analysis.errors import InvalidSpec

__all__ = ["RegionFit", "match_region_means", "region_fit", "region_means"]


@dataclass(frozen=True, eq=False)
class RegionFit:
    """Regions prepared for :func:`match_region_means`.

    ``region_ids`` are the regions whose means are set (one per distinct set of voxels),
    ``membership`` is ``(R, V)`` float64 0/1 over the in-mask voxels, ``sizes`` the voxel
    counts, ``overlap`` the matrix ``A`` above, and ``aliases`` maps a region left out
    because its voxels equal those of an earlier region to that region.
    """

    region_ids: tuple[str, ...]
    membership: np.ndarray
    sizes: np.ndarray
    overlap: np.ndarray
    aliases: dict[str, str]


def region_fit(masks: Mapping[str, np.ndarray]) -> RegionFit:
    """Prepare the regions `masks` (region id -> bool over the in-mask voxels, in priority
    order).

    Raises
    ------
    InvalidSpec
        When a region has no voxel inside the brain mask.
    """
    ids: list[str] = []
    rows: list[np.ndarray] = []
    aliases: dict[str, str] = {}
    for region_id, member in masks.items():
        member = np.asarray(member, dtype=bool)
        if not member.any():
            raise InvalidSpec(f"region {region_id!r} has no voxel inside the brain mask; "
                              "check its atlas label or sphere in regions.tsv.")
        same = next((i for i, row in enumerate(rows) if np.array_equal(row, member)), None)
        if same is not None:
            aliases[region_id] = ids[same]
            continue
        ids.append(region_id)
        rows.append(member)
    membership = np.asarray(rows, dtype=float)
    sizes = membership.sum(axis=1)
    overlap = (membership @ membership.T) / sizes[:, None]
    return RegionFit(tuple(ids), membership, sizes, overlap, aliases)


def region_means(data: np.ndarray, fit: RegionFit) -> np.ndarray:
    """Mean of each row of `data` (``(n, V)`` or ``(V,)``) inside each region, float64."""
    data = np.asarray(data, dtype=float)
    return data @ fit.membership.T / fit.sizes


def match_region_means(values: np.ndarray, targets: np.ndarray, fit: RegionFit) -> np.ndarray:
    """`values` (``(V,)``) with region offsets added so that each region's mean equals
    `targets` (``(R,)``, ordered as ``fit.region_ids``); float64.

    Least squares (``numpy.linalg.lstsq``) is used so that a singular ``A`` (a region that is
    the union of others) still gives one deterministic answer; it is exact whenever the
    targets are compatible.
    """
    values = np.asarray(values, dtype=float)
    offsets = np.linalg.lstsq(fit.overlap, targets - region_means(values, fit), rcond=None)[0]
    return values + offsets @ fit.membership
