"""Cluster table of a thresholded statistical map: size, peak coordinate, atlas labels.

Clusters are sets of face-connected voxels (6-connectivity, AFNI's NN1, as in
``nilearn.reporting.get_clusters_table``) whose statistic exceeds the threshold strictly
(positive tail) or lies strictly below minus the threshold (negative tail, two-sided
maps). Pure functions, no Dash, no rounding.
"""

from __future__ import annotations

import math
import numbers

import nibabel as nib
import numpy as np
import pandas as pd
from scipy import ndimage

from analysis.atlases import label_at
from analysis.errors import InvalidSpec

CLUSTER_COLUMNS = ("cluster", "sign", "size_voxels", "volume_mm3", "peak_x", "peak_y",
                   "peak_z", "peak_stat", "harvard_oxford", "juelich")
"""Columns of :func:`cluster_table`."""

_FACES = ndimage.generate_binary_structure(3, 1)


def _check(stat_image, threshold, min_voxels) -> np.ndarray:
    if not isinstance(stat_image, nib.spatialimages.SpatialImage):
        raise InvalidSpec(f"stat_image must be a NIfTI image; received "
                          f"{type(stat_image).__name__}.")
    data = np.asarray(stat_image.dataobj, dtype=np.float64)
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise InvalidSpec(f"stat_image must be a 3D map; received shape {stat_image.shape}.")
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) \
            or not math.isfinite(threshold) or threshold <= 0:
        raise InvalidSpec(f"threshold={threshold!r} must be a positive number (|statistic| "
                          "above which voxels form clusters), e.g. 3.1.")
    if isinstance(min_voxels, bool) or not isinstance(min_voxels, numbers.Integral) \
            or min_voxels < 1:
        raise InvalidSpec(f"min_voxels={min_voxels!r} must be a whole number >= 1.")
    return np.where(np.isfinite(data), data, 0.0)


def _clusters(signed: np.ndarray, threshold: float, min_voxels: int):
    """(size, peak index, peak value) of each cluster of ``signed > threshold``."""
    labels, n = ndimage.label(signed > threshold, structure=_FACES)
    if n == 0:
        return []
    ids = np.arange(1, n + 1)
    sizes = ndimage.sum_labels(np.ones_like(signed), labels, ids)
    peaks = ndimage.maximum_position(signed, labels, ids)
    return [(int(size), peak, float(signed[peak]))
            for size, peak in zip(sizes, peaks, strict=True) if size >= min_voxels]


def cluster_table(stat_image: nib.Nifti1Image, threshold: float, *, two_sided: bool = True,
                  min_voxels: int = 10) -> pd.DataFrame:
    """Clusters of `stat_image` beyond `threshold`, largest peak |statistic| first.

    Parameters
    ----------
    stat_image : 3D NIfTI image in MNI space (t or z map); NaN voxels never cluster.
    threshold : positive cluster-forming threshold; voxels with stat > threshold (and,
        if `two_sided`, stat < -threshold) are kept.
    two_sided : also report negative clusters (``sign`` "negative").
    min_voxels : smallest cluster extent reported (voxels).

    Returns
    -------
    DataFrame with columns :data:`CLUSTER_COLUMNS`: ``cluster`` numbers 1..n in order of
    decreasing |peak_stat|; ``peak_*`` is the MNI mm coordinate of the voxel of largest
    |stat| (first in C order on ties; nilearn reports a centre of mass for flat clusters);
    ``harvard_oxford`` / ``juelich`` are the labels at the peak (None if unlabelled).
    """
    data = _check(stat_image, threshold, min_voxels)
    voxel_mm3 = float(np.prod(stat_image.header.get_zooms()[:3]))
    rows = []
    for sign, name in ((1.0, "positive"), (-1.0, "negative"))[: 2 if two_sided else 1]:
        for size, peak, value in _clusters(sign * data, float(threshold), int(min_voxels)):
            xyz = nib.affines.apply_affine(stat_image.affine, peak)
            labels = label_at(tuple(xyz))
            rows.append({"sign": name, "size_voxels": size, "volume_mm3": size * voxel_mm3,
                         "peak_x": float(xyz[0]), "peak_y": float(xyz[1]),
                         "peak_z": float(xyz[2]), "peak_stat": sign * value,
                         "harvard_oxford": labels["harvard_oxford"],
                         "juelich": labels["juelich"]})
    rows.sort(key=lambda r: -abs(r["peak_stat"]))
    table = pd.DataFrame(rows, columns=[c for c in CLUSTER_COLUMNS if c != "cluster"])
    table.insert(0, "cluster", np.arange(1, len(table) + 1))
    return table
