"""Data preparation for repeated measures: joins, the fixed-effects design, condition means.

Helpers of :mod:`analysis.repeated`. Treatment contrasts with the first level as
reference (R's default ``contr.treatment``). No model fitting, no Dash, no rounding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis._data import complete_cases, require_columns, require_numeric
from analysis.errors import InsufficientData, InvalidSpec
from analysis.treatment_coding import dummies, is_categorical


def join_between(long_df: pd.DataFrame, between: pd.DataFrame | None, subject: str,
                 needed: Sequence[str]) -> pd.DataFrame:
    """`long_df` with the columns of `needed` it lacks joined from `between` on `subject`.

    Raises :class:`InvalidSpec` naming participants of `long_df` absent from `between`, or
    participants listed twice in `between`.
    """
    require_columns(long_df, [subject], argument="subject")
    missing = [c for c in dict.fromkeys(needed) if c is not None and c not in long_df.columns]
    if between is None or not missing:
        return long_df
    require_columns(between, [subject], argument="subject (in the participants table)")
    require_columns(between, missing, argument="between-subject variable")
    dup = between[subject][between[subject].duplicated()]
    if len(dup):
        raise InvalidSpec(f"participant {dup.iloc[0]!r} appears more than once in the "
                          "participants table; each participant needs one row.")
    absent = sorted(set(long_df[subject].dropna()) - set(between[subject]))
    if absent:
        shown = ", ".join(map(repr, absent[:5])) + (" ..." if len(absent) > 5 else "")
        raise InvalidSpec(
            f"{len(absent)} participant(s) of the long table are missing from the "
            f"participants table ({shown}); add them or remove their observations.")
    right = between[[subject, *missing]]
    return long_df.merge(right, on=subject, how="left", validate="many_to_one")


def fixed_design(data: pd.DataFrame, fixed: Sequence[str],
                 interactions: Sequence[tuple[str, ...]]) -> pd.DataFrame:
    """Intercept, main effects and interaction columns, named as patsy names them.

    ``attrs['terms']`` maps each term (``"group"``, ``"group:cue"``) to its column indices,
    for joint Wald tests.
    """
    blocks = {"Intercept": pd.DataFrame({"Intercept": np.ones(len(data))}, index=data.index)}
    for column in fixed:
        blocks[column] = _main_effect(data[column], column)
    for term in interactions:
        block = blocks[term[0]]
        for column in term[1:]:
            other = blocks[column]
            block = pd.DataFrame({f"{a}:{b}": block[a] * other[b]
                                  for a in block.columns for b in other.columns},
                                 index=data.index)
        blocks[":".join(term)] = block
    design = pd.concat(blocks.values(), axis=1)
    starts = np.cumsum([0] + [b.shape[1] for b in blocks.values()])
    design.attrs["terms"] = {name: list(range(starts[i], starts[i + 1]))
                             for i, name in enumerate(blocks) if name != "Intercept"}
    return design


def _main_effect(series: pd.Series, name: str) -> pd.DataFrame:
    if is_categorical(series):
        coded = dummies(series, name)
        if coded.shape[1] == 0:
            raise InsufficientData(f"factor {name!r} has a single level left after removing "
                                   "missing values; it cannot be a fixed effect.")
        return coded
    return series.astype(float).to_frame(name)


def condition_means(long_df: pd.DataFrame, outcome: str, by: Sequence[str], over: str, *,
                    subject: str = "participant_id",
                    between: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean, SD, n, SE and 95% t CI of `outcome` per condition (`by`) and level of `over`.

    Observations are first averaged within participant (per cell), so n counts
    participants and the interval reflects between-subject variation, not the number of
    trials. Columns of `by` absent from `long_df` are joined from `between`.
    """
    by = [by] if isinstance(by, str) else list(by)
    data = join_between(long_df, between, subject, by)
    require_columns(data, [outcome], argument="outcome")
    require_columns(data, [*by, over], argument="condition")
    keys = [*by, over]
    data, _ = complete_cases(data, [subject, outcome, *keys])
    require_numeric(data, outcome, argument="outcome")
    per_subject = data.groupby([*keys, subject], observed=True, sort=True)[outcome].mean()
    grouped = per_subject.groupby(level=keys, observed=True, sort=True)
    table = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    small = table[table.n < 2]
    if len(small):
        cell = "/".join(str(small.iloc[0][k]) for k in keys)
        raise InsufficientData(f"condition {cell} has {int(small.iloc[0].n)} participant with "
                               f"{outcome!r}; at least 2 are needed for an SD and CI.")
    table["se"] = table["sd"] / np.sqrt(table["n"])
    half = stats.t.ppf(0.975, table["n"] - 1) * table["se"]
    table["ci_low"], table["ci_high"] = table["mean"] - half, table["mean"] + half
    table["n"] = table["n"].astype(int)
    return table
