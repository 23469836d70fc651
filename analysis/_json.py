"""JSON-safe conversion shared by every result's ``to_dict()``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def json_safe(value):
    """`value` with DataFrames (as record lists), numpy scalars/arrays, tuples and NaN/inf
    turned into plain JSON types (NaN/inf -> None)."""
    if isinstance(value, pd.DataFrame):
        return [json_safe(r) for r in value.to_dict(orient="records")]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_safe(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(float(value)) else None
    if value is None or isinstance(value, str):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)
