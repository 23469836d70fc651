"""Treatment (dummy) coding of predictors and JSON-safe conversion of result values.

Shared by :mod:`analysis.mediate` and :mod:`analysis.repeated`. Reference level = first
level (the categorical's order, else sorted order), as R's ``contr.treatment`` and
patsy's ``Treatment``. No statistics, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis._data import as_factor
from analysis._json import json_safe  # noqa: F401 - re-exported for result modules


def is_categorical(series: pd.Series) -> bool:
    """True for categorical, text, object and boolean columns (coded with dummies)."""
    dtype = series.dtype
    return (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype)
            or not pd.api.types.is_numeric_dtype(dtype))


def levels(series: pd.Series) -> list:
    """Levels in coding order: a categorical's own order, otherwise sorted values."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return list(as_factor(series).cat.categories)
    return sorted(pd.unique(series.dropna()))


def dummies(series: pd.Series, name: str) -> pd.DataFrame:
    """0/1 columns ``name[level]`` for every level but the first (the reference)."""
    lv = levels(series)
    values = series.to_numpy()
    return pd.DataFrame({f"{name}[{level}]": (values == level).astype(float)
                         for level in lv[1:]}, index=series.index)


def covariate_matrix(data: pd.DataFrame, covariates: Sequence[str]) -> np.ndarray:
    """Numeric covariates as they are, categorical ones dummy coded; shape (n, k)."""
    blocks = [dummies(data[c], c) if is_categorical(data[c]) else data[[c]].astype(float)
              for c in covariates]
    if not blocks:
        return np.empty((len(data), 0))
    return pd.concat(blocks, axis=1).to_numpy(dtype=float)
