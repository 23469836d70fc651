"""Multiplicity correction of a family of p values.

Thin, NaN-aware layer over ``statsmodels.stats.multitest.multipletests`` with the method
names researchers use in papers.
"""

from __future__ import annotations

import numpy as np
from statsmodels.stats.multitest import multipletests

from analysis.errors import InvalidSpec

CORRECTIONS: dict[str, str] = {
    "none": "none",
    "bonferroni": "bonferroni",
    "holm": "holm",
    "bh": "fdr_bh",
    "fdr_bh": "fdr_bh",
}
"""Accepted names -> statsmodels method ("bh" and "fdr_bh" are Benjamini-Hochberg FDR)."""

CORRECTION_LABELS: dict[str, str] = {
    "none": "no correction",
    "bonferroni": "Bonferroni correction",
    "holm": "Holm-Bonferroni correction",
    "bh": "Benjamini-Hochberg false discovery rate",
    "fdr_bh": "Benjamini-Hochberg false discovery rate",
}


def adjust_pvalues(p_values, method: str = "holm") -> np.ndarray:
    """Adjusted p values for the family `p_values`, leaving NaN entries as NaN.

    Parameters
    ----------
    p_values : array-like of float
        Unadjusted p values; NaN marks a test that could not be run and is not counted
        in the family size.
    method : {"none", "bonferroni", "holm", "bh", "fdr_bh"}

    Returns
    -------
    numpy.ndarray
        Adjusted p values, same shape, capped at 1.
    """
    if method not in CORRECTIONS:
        options = ", ".join(repr(m) for m in CORRECTIONS)
        raise InvalidSpec(f"correction={method!r} is not supported; use one of {options}.")
    p = np.asarray(p_values, dtype=float)
    out = p.copy()
    valid = ~np.isnan(p)
    if method == "holm" and valid.any():
        out[valid] = _holm(p[valid])
    elif method != "none" and valid.any():
        out[valid] = multipletests(p[valid], method=CORRECTIONS[method])[1]
    return out


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment ``max_{j <= i} min(1, (m - j + 1) p_(j))``.

    Computed here rather than by ``multipletests(method="holm")``, which calls
    ``gc.collect()`` on every call (tens of milliseconds in a large process, on every
    click); the tests check it against ``multipletests``.
    """
    order = np.argsort(p, kind="stable")
    steps = p[order] * np.arange(p.size, 0, -1)
    out = np.empty_like(p)
    out[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    return out
