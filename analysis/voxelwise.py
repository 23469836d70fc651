"""Mass-univariate OLS over per-participant brain maps (a second-level GLM).

One QR factorisation of the design serves every voxel: coefficients, residual sums of squares
and contrast t statistics come from matrix products over blocks of voxels (no per-voxel loop),
which equals fitting R's ``lm()`` (or statsmodels OLS) at each voxel and equals nilearn's
``SecondLevelModel`` without smoothing. Family-wise error control by max-T permutation lives
in :mod:`analysis.permutation`; designs in :mod:`analysis.voxel_design`; images in
:mod:`analysis.voxel_images`. Pure functions; no Dash, no rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import linalg, stats

from analysis._json import json_safe
from analysis.errors import InvalidSpec, UnknownColumn
from analysis.voxel_design import check_design, design_matrix, rows_for  # noqa: F401
from analysis.voxel_images import as_mask, grid_mask, images_to_matrix, matrix_to_image

BLOCK_BYTES = 2**20
"""Voxels are processed in blocks whose float64 copy of the data is about this size: small
enough to stay in the CPU cache between the products (3x faster than 64 MB blocks)."""

MIN_BLOCK_VOXELS = 1024
"""Lower bound on the block width, so that large n does not mean thousands of tiny blocks."""

DEGENERATE_RTOL = 1e-6
"""A voxel whose residual norm is below this fraction of the norm of its data has no residual
variance (e.g. constant across participants; float32 maps carry ~7 digits): t = 0, p = 1.
RSS is computed as ||y||^2 - ||Q'y||^2, whose rounding error (~1e-16 ||y||^2) is far below
this threshold."""


@dataclass(frozen=True)
class Prepared:
    """Validated inputs of a voxelwise model: data (n x V), design array and contrast."""

    y: np.ndarray
    x: np.ndarray
    contrast: np.ndarray
    contrast_name: str
    design: pd.DataFrame
    mask: np.ndarray | None
    warnings: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class VoxelwiseResult:
    """t, two-sided p, contrast estimate and its SE at each in-mask voxel, and how.

    Arrays have one value per voxel in the order of ``mask[mask]`` (C order on THE GRID);
    ``p`` is computed on first access.
    p values are uncorrected; use :func:`analysis.permutation.permutation_fwe` for
    family-wise error control. ``n_degenerate`` voxels had no residual variance (constant
    data); they carry t = 0 and p = 1 rather than NaN.
    """

    t: np.ndarray
    effect: np.ndarray
    se: np.ndarray
    df: int
    n: int
    n_dropped: int
    design_columns: tuple[str, ...]
    contrast: tuple[float, ...]
    contrast_name: str
    mask: np.ndarray | None
    n_degenerate: int
    warnings: tuple[str, ...]

    @cached_property
    def p(self) -> np.ndarray:
        """Two-sided p of each voxel's t on ``df`` degrees of freedom (scipy.stats.t.sf).

        Computed on first access and kept: over 200k voxels it costs about as much as the
        fit itself, and a t map alone (like nilearn's ``output_type="stat"``) does not need it.
        """
        return 2.0 * stats.t.sf(np.abs(self.t), self.df)

    @property
    def n_voxels(self) -> int:
        return int(self.t.size)

    def _image(self, values: np.ndarray, mask):
        chosen = self.mask if mask is None else as_mask(mask)
        if chosen is None or int(chosen.sum()) != values.size:
            raise InvalidSpec(f"the result has {values.size} voxels; give the mask on THE "
                              "GRID with exactly that many voxels it was computed on.")
        return matrix_to_image(values, chosen)

    def t_image(self, mask=None):
        """t map as a float32 NIfTI image on THE GRID, NaN outside the mask."""
        return self._image(self.t, mask)

    def p_image(self, mask=None):
        """Uncorrected two-sided p map on THE GRID, NaN outside the mask."""
        return self._image(self.p, mask)

    def effect_image(self, mask=None):
        """Contrast estimate (e.g. group difference in SUVR units) on THE GRID."""
        return self._image(self.effect, mask)

    @property
    def table(self) -> pd.DataFrame:
        """One summary row: contrast, n, df, voxels, extreme t, voxels below p thresholds."""
        return pd.DataFrame([{
            "contrast": self.contrast_name, "n": self.n, "df": self.df,
            "n_voxels": self.n_voxels, "t_min": float(self.t.min()),
            "t_max": float(self.t.max()), "p_min": float(self.p.min()),
            "voxels_p_below_0.001": int((self.p < 0.001).sum()),
            "voxels_p_below_0.05": int((self.p < 0.05).sum()),
            "n_degenerate": self.n_degenerate}])

    def to_dict(self) -> dict:
        """JSON-safe summary and design (maps are exported as images, not as JSON)."""
        return json_safe({**self.table.iloc[0].to_dict(), "n_dropped": self.n_dropped,
                          "design_columns": list(self.design_columns),
                          "contrast_vector": list(self.contrast),
                          "warnings": list(self.warnings)})

    def methods_text(self) -> str:
        """A methods-paragraph description of the model, its test and its correction."""
        return (
            f"A mass-univariate general linear model was fitted by ordinary least squares at "
            f"each of {self.n_voxels} in-mask voxels (2 mm MNI152 grid) in n = {self.n} "
            f"participants ({self.n_dropped} dropped listwise for missing values), with "
            f"design {' + '.join(self.design_columns)}. The contrast {self.contrast_name} "
            f"was tested with a two-sided t test on {self.df} degrees of freedom (n minus "
            "the design rank), as R's lm() at each voxel or nilearn's SecondLevelModel "
            "without smoothing. p values are uncorrected for the number of voxels.")


def _contrast(design: pd.DataFrame, contrast) -> tuple[np.ndarray, str]:
    names = [str(c) for c in design.columns]
    if isinstance(contrast, str):
        if contrast not in names:
            raise UnknownColumn(f"contrast {contrast!r} is not a design column; use one of "
                                f"{', '.join(map(repr, names))} or a vector of weights.")
        return np.eye(len(names))[names.index(contrast)], contrast
    vec = np.asarray(contrast, dtype=float).ravel()
    if vec.size != len(names) or not np.isfinite(vec).all() or not vec.any():
        raise InvalidSpec(f"contrast {contrast!r} must be {len(names)} finite weights, not all "
                          f"zero, one per design column ({', '.join(names)}).")
    label = " + ".join(f"{w:g}*{n}" for w, n in zip(vec, names) if w != 0)
    return vec, label


def _default_mask(n_voxels: int) -> np.ndarray | None:
    """The brain mask of THE GRID when an array has exactly its voxel count, else None."""
    brain = grid_mask()
    return brain if int(brain.sum()) == n_voxels else None


def _data_matrix(data, n_rows: int, mask) -> tuple[np.ndarray, np.ndarray | None, tuple]:
    if isinstance(data, np.ndarray):
        if data.ndim != 2 or data.shape[0] != n_rows:
            raise InvalidSpec(f"data has shape {data.shape}; (n participants = {n_rows} design "
                              "rows) x (voxels) is needed. Select rows with rows_for().")
        chosen = _default_mask(data.shape[1]) if mask is None else as_mask(mask)
        if chosen is not None and int(chosen.sum()) != data.shape[1]:
            raise InvalidSpec(f"mask has {int(chosen.sum())} voxels but data has "
                              f"{data.shape[1]} columns; they must match.")
        if not np.isfinite(data).all():
            raise InvalidSpec("data has NaN or infinite values; fill them or mask them out.")
        return data, chosen, ()
    if isinstance(data, Sequence) and not isinstance(data, str):
        if len(data) != n_rows:
            raise InvalidSpec(f"{len(data)} images were given for {n_rows} design rows; "
                              "give one image per design row, in the design's order.")
        chosen = as_mask(mask)
        y, warnings = images_to_matrix(data, chosen)
        return y, chosen, warnings
    raise InvalidSpec(f"data is a {type(data).__name__}; give an (n x voxels) array or a "
                      "list of image paths / nibabel images.")


def prepare(data, design: pd.DataFrame, contrast, mask=None) -> Prepared:
    """Validate and assemble the inputs shared by the GLM and the permutation test."""
    if not isinstance(design, pd.DataFrame):
        raise InvalidSpec(f"design is a {type(design).__name__}; give a DataFrame, e.g. "
                          "from design_matrix().")
    x = check_design(design)
    vec, name = _contrast(design, contrast)
    y, chosen, warnings = _data_matrix(data, x.shape[0], mask)
    return Prepared(y, x, vec, name, design, chosen, warnings)


def contrast_t(q: np.ndarray, r: np.ndarray, contrast: np.ndarray, y: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Contrast estimate, its SE, t and the no-residual-variance flag for each column of `y`.

    With X = QR: beta = R^-1 Q'y, RSS = ||y - Q Q'y||^2 = ||y||^2 - ||Q'y||^2 (the second
    form saves a pass; its rounding error, ~1e-16 ||y||^2, is negligible unless RSS is at
    the DEGENERATE_RTOL floor), Var(c'beta) = s^2 ||R^-T c||^2. Computed in cache-sized
    blocks of columns in float64, so float32 data of any size fit in memory.
    """
    n, v = y.shape
    df = n - q.shape[1]
    c_rows = linalg.solve_triangular(r, contrast, trans="T")   # R^-T c, so c'beta = c_rows'Q'y
    var_c = float(c_rows @ c_rows)
    effect, se, t = (np.empty(v) for _ in range(3))
    flat_all = np.empty(v, dtype=bool)
    step = max(MIN_BLOCK_VOXELS, BLOCK_BYTES // (8 * n))
    for start in range(0, v, step):
        block = np.asarray(y[:, start:start + step], dtype=np.float64)
        qty = q.T @ block
        total = np.einsum("ij,ij->j", block, block)
        rss = np.maximum(total - np.einsum("ij,ij->j", qty, qty), 0.0)  # ||y||^2 - ||Q'y||^2
        flat = rss <= DEGENERATE_RTOL**2 * total
        sl = slice(start, start + block.shape[1])
        effect[sl] = c_rows @ qty
        se[sl] = np.sqrt(rss * (var_c / df))
        t[sl] = np.where(flat, 0.0, effect[sl] / np.where(flat, 1.0, se[sl]))
        flat_all[sl] = flat
    return effect, se, t, flat_all


def voxelwise_glm(data, design: pd.DataFrame, contrast, *, mask=None) -> VoxelwiseResult:
    """Fit OLS at every in-mask voxel and test one contrast of the design.

    Parameters
    ----------
    data : ndarray (n x V) or list of image paths / nibabel images
        One row (image) per design row, in the design's order. Images must be on THE GRID
        (2 mm MNI152); others are resampled onto it and named in ``warnings``.
    design : DataFrame
        Design with an intercept column, e.g. from :func:`design_matrix`.
    contrast : str or array
        A design column (its coefficient is tested) or one weight per column.
    mask : bool array or image on THE GRID, optional
        Voxels to analyse (images; default the MNI152 brain mask) or the voxels that the
        columns of an array `data` stand for (needed for ``t_image()``).
    """
    return fit_prepared(prepare(data, design, contrast, mask))


def fit_prepared(prep: Prepared) -> VoxelwiseResult:
    """:func:`voxelwise_glm` on inputs already checked by :func:`prepare`."""
    q, r = np.linalg.qr(prep.x)
    effect, se, t, flat = contrast_t(q, r, prep.contrast, prep.y)
    n, p = prep.x.shape
    df = n - p                                      # full rank: checked by check_design
    n_flat = int(flat.sum())
    note = (f"{n_flat} voxel(s) have no residual variance (constant data); their t is 0 "
            "and p is 1.")
    warnings = prep.warnings + ((note,) if n_flat else ())
    return VoxelwiseResult(
        t=t, effect=effect, se=se, df=df, n=n,
        n_dropped=int(prep.design.attrs.get("n_dropped", 0)),
        design_columns=tuple(map(str, prep.design.columns)),
        contrast=tuple(map(float, prep.contrast)), contrast_name=prep.contrast_name,
        mask=prep.mask, n_degenerate=n_flat, warnings=warnings)


def __getattr__(name: str):
    """``from analysis.voxelwise import permutation_fwe`` (the contract's name) without an
    import cycle: :mod:`analysis.permutation` builds on this module."""
    if name in ("permutation_fwe", "PermutationResult"):
        from analysis import permutation
        return getattr(permutation, name)
    raise AttributeError(f"module 'analysis.voxelwise' has no attribute {name!r}")
