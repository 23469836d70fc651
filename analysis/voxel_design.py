"""Design matrices for voxelwise (second-level) models and the checks they must pass.

:func:`design_matrix` turns a participants table into ``intercept + effect + covariates``
(treatment coded, as R's ``model.matrix`` and nilearn's second-level designs);
:func:`check_design` refuses a design that cannot identify the model, naming the column.
Missing values are handled by listwise deletion: the dropped participants are reported in
``design.attrs`` (``n_dropped``, ``dropped_ids``) and the design's index holds the
participant ids of the rows kept, so the caller can select the matching map rows
(:func:`rows_for`). Pure functions; no Dash, no file I/O, no rounding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis._data import require_columns, require_levels
from analysis.errors import DegenerateData, InsufficientData, InvalidSpec
from analysis.treatment_coding import dummies, is_categorical, levels

INTERCEPT = "intercept"
"""Name of the constant column (nilearn's second-level convention)."""

RANK_TOL = 1e-7
"""Column j is collinear when |R_jj| < RANK_TOL * ||X_j|| (R's ``lm`` uses tol = 1e-7)."""


def _participant_ids(df: pd.DataFrame) -> pd.Index:
    if "participant_id" in df.columns:
        return pd.Index(df["participant_id"].astype(str), name="participant_id")
    return pd.Index(df.index.astype(str), name="participant_id")


def _effect_block(series: pd.Series, effect: str, reference) -> pd.DataFrame:
    """0/1 indicator of the non-reference level of a two-level factor, or a number as is."""
    if not is_categorical(series):
        if reference is not None:
            raise InvalidSpec(f"reference={reference!r} was given, but effect {effect!r} is "
                              "numeric; a reference level applies only to a two-level factor.")
        return series.astype(float).to_frame(effect)
    require_levels(series, factor=effect, minimum=2)
    lv = levels(series)
    if len(lv) > 2:
        raise InvalidSpec(
            f"effect {effect!r} has {len(lv)} levels ({', '.join(map(str, lv))}); a voxelwise "
            "contrast compares two. Restrict the subgroup to two levels of it.")
    names = [str(v) for v in lv]
    ref = names[0] if reference is None else str(reference)
    if ref not in names:
        raise InvalidSpec(f"reference={reference!r} is not a level of effect {effect!r}; "
                          f"use one of {', '.join(map(repr, names))}.")
    other = lv[1 - names.index(ref)]
    return pd.DataFrame({f"{effect}[{other}]": (series.to_numpy() == other).astype(float)},
                        index=series.index)


def _covariate_block(series: pd.Series, name: str) -> pd.DataFrame:
    if not is_categorical(series):
        return series.astype(float).to_frame(name)
    if len(levels(series)) < 2:
        raise DegenerateData(
            f"covariate {name!r} is constant in the selected participants (only level "
            f"{levels(series)[0]!r}); remove it from the covariates or widen the subgroup.")
    return dummies(series, name)


def design_matrix(df: pd.DataFrame, *, effect: str, covariates: Sequence[str] = (),
                  reference=None) -> pd.DataFrame:
    """Design of ``intercept + effect + covariates`` for a voxelwise GLM.

    Parameters
    ----------
    df : DataFrame
        Participants (one row each), e.g. a subgroup of ``cohort.participants``; ids come
        from its ``participant_id`` column, else its index.
    effect : str
        The tested column. A two-level factor becomes the 0/1 indicator of the
        non-reference level, named ``"<effect>[<level>]"``; a numeric column enters as is.
    covariates : sequence of str
        Nuisance columns: numeric as is (not centred), categorical dummy coded against
        their first level (``"<name>[<level>]"``).
    reference : optional
        Reference level of a factor `effect` (default: its first level).

    Returns
    -------
    DataFrame
        Float columns ``intercept``, the effect column, the covariate columns; index = the
        participant ids kept. Rows with a missing value in any of these variables are
        dropped (listwise); ``attrs["n_dropped"]`` and ``attrs["dropped_ids"]`` say which.
        ``attrs["effect_column"]`` names the column a contrast should test.
    """
    covariates = tuple(covariates)
    require_columns(df, [effect], argument="effect")
    require_columns(df, covariates, argument="covariate")
    if effect in covariates:
        raise InvalidSpec(f"effect {effect!r} is also listed as a covariate; list it once.")
    ids = _participant_ids(df)
    subset = df[[effect, *covariates]].set_axis(ids, axis=0)
    missing = subset.isna().any(axis=1).to_numpy()
    kept = subset.loc[~missing]
    blocks = [pd.DataFrame({INTERCEPT: np.ones(len(kept))}, index=kept.index),
              _effect_block(kept[effect], effect, reference)]
    blocks += [_covariate_block(kept[c], c) for c in covariates]
    design = pd.concat(blocks, axis=1)
    check_design(design)
    design.attrs.update(n_dropped=int(missing.sum()),
                        dropped_ids=[str(i) for i in ids[missing]],
                        effect_column=str(blocks[1].columns[0]))
    return design


def check_design(design: pd.DataFrame) -> np.ndarray:
    """The design as a float array, or an :class:`AnalysisError` naming what is wrong.

    Refuses: missing values (listing the participant ids), fewer participants than
    parameters + 1 (no residual degree of freedom), a constant column other than the
    intercept, and a column that is a linear combination of the columns before it.
    """
    values = design.to_numpy(dtype=float)
    bad_rows = ~np.isfinite(values).all(axis=1)
    if bad_rows.any():
        ids = ", ".join(map(str, design.index[bad_rows][:10]))
        raise InvalidSpec(f"the design has missing values for {int(bad_rows.sum())} "
                          f"participant(s) ({ids}); drop them or use design_matrix(), "
                          "which drops them listwise.")
    n, p = values.shape
    if n < p + 1:
        raise InsufficientData(
            f"the design has {p} parameters ({', '.join(map(str, design.columns))}) but "
            f"{n} participant(s); at least {p + 1} are needed. Widen the subgroup or remove "
            "covariates.")
    for j, name in enumerate(design.columns):
        if name != INTERCEPT and np.ptp(values[:, j]) == 0:
            raise DegenerateData(
                f"design column {name!r} is constant (every value is {values[0, j]:g}) in "
                "the selected participants; remove it or widen the subgroup.")
    _require_full_rank(values, [str(c) for c in design.columns])
    return values


def _require_full_rank(x: np.ndarray, names: list[str]) -> None:
    """Raise :class:`DegenerateData` naming the first column in the span of earlier ones."""
    _, r = np.linalg.qr(x)
    norms = np.maximum(np.linalg.norm(x, axis=0), 1e-300)
    bad = np.flatnonzero(np.abs(np.diag(r)) < RANK_TOL * norms)
    if not bad.size:
        return
    j = int(bad[0])
    coef, *_ = np.linalg.lstsq(x[:, :j], x[:, j], rcond=None)
    partners = [names[i] for i in np.flatnonzero(np.abs(coef) > 1e-8 * np.abs(coef).max())]
    raise DegenerateData(
        f"the design is rank deficient: column {names[j]!r} is a linear combination of "
        f"{', '.join(map(repr, partners))}; remove one of these collinear columns.")


def rows_for(design: pd.DataFrame, participant_ids: Sequence[str]) -> np.ndarray:
    """Positions in `participant_ids` (e.g. a MapSet's) of the design's rows, in order.

    Raises :class:`InvalidSpec` naming the design participants that have no map.
    """
    position = {str(pid): i for i, pid in enumerate(participant_ids)}
    absent = [str(pid) for pid in design.index if str(pid) not in position]
    if absent:
        raise InvalidSpec(f"{len(absent)} participant(s) of the design have no map "
                          f"({', '.join(absent[:10])}); remove them from the subgroup.")
    return np.array([position[str(pid)] for pid in design.index], dtype=int)
