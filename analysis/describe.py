"""Descriptive statistics: per-cell summaries and a "Table 1" of a cohort by group.

Pure functions: DataFrames in, DataFrames of numbers out. No Dash, no file I/O, no rounding
and no "mean (SD)" strings (formatting lives in ``components/``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis._data import as_factor, complete_cases, require_columns, require_numeric
from analysis.errors import InvalidSpec


def cell_labels(frame: pd.DataFrame, factors: Sequence[str]) -> pd.Series:
    """Cell label per row, the levels of `factors` joined by "/" (e.g. ``"FM/HAB"``)."""
    parts = [frame[f].astype(str) for f in factors]
    label = parts[0]
    for part in parts[1:]:
        label = label + "/" + part
    return label


def summarize_cells(data: pd.DataFrame, outcome: str, factors: Sequence[str]) -> pd.DataFrame:
    """Cell summaries of already validated complete-case `data` (factors categorical).

    Cells follow the level order of the factors; only observed cells are listed.
    """
    grouped = data.groupby(list(factors), observed=True, sort=True)[outcome]
    out = grouped.agg(n="count", mean="mean", sd="std").reset_index()
    for f in factors:
        out[f] = out[f].astype(str)
    out.insert(len(factors), "label", cell_labels(out, factors))
    n = out["n"].to_numpy(dtype=float)
    out["n"] = out["n"].astype(int)
    out["se"] = out["sd"] / np.sqrt(n)
    with np.errstate(invalid="ignore"):
        half = stats.t.ppf(0.975, n - 1) * out["se"].to_numpy()
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out


def describe_cells(df: pd.DataFrame, outcome: str, factors: Sequence[str]) -> pd.DataFrame:
    """n, mean, SD, SE and t-based 95% CI of `outcome` in each cell of `factors`.

    Parameters
    ----------
    df : pandas.DataFrame
        Participants table.
    outcome : str
        Numeric column to summarize.
    factors : sequence of str
        One or more grouping columns; cells are their observed level combinations.

    Returns
    -------
    pandas.DataFrame
        One row per observed cell: the factor columns (level labels), ``label``
        (levels joined by "/"), ``n``, ``mean``, ``sd`` (n - 1 denominator), ``se``,
        ``ci_low``, ``ci_high`` (mean +/- t(0.975, n - 1) * se). Rows with a missing
        outcome or factor are dropped. For a cell with n = 1 the SD, SE and CI are
        undefined and are NaN (None in JSON).
    """
    factors = list(factors)
    if not factors:
        raise InvalidSpec("factors=[] is empty; name at least one grouping column.")
    require_columns(df, [outcome], argument="outcome")
    require_columns(df, factors, argument="factor")
    require_numeric(df, outcome, argument="outcome")
    data, _ = complete_cases(df, [outcome, *factors])
    for f in factors:
        data[f] = as_factor(data[f])
    return summarize_cells(data, outcome, factors)


def _is_categorical(series: pd.Series) -> bool:
    dtype = series.dtype
    return isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype) \
        or not pd.api.types.is_numeric_dtype(dtype)


def _numeric_rows(values: pd.Series, groups: pd.Series, levels) -> list[dict]:
    row: dict = {"level": None, "kind": "numeric"}
    samples = [values[groups == g].to_numpy(dtype=float) for g in levels]
    for g, x in zip(levels, samples):
        row[f"n_{g}"] = len(x)
        row[f"mean_{g}"] = float(np.mean(x)) if len(x) else np.nan
        row[f"sd_{g}"] = float(np.std(x, ddof=1)) if len(x) > 1 else np.nan
    row["test"], row["statistic_name"], row["statistic"], row["df"], row["p"] = \
        "none", None, np.nan, np.nan, np.nan
    if len(samples) >= 2 and all(len(x) >= 2 for x in samples) \
            and np.ptp(np.concatenate(samples)) > 0:
        if len(samples) == 2:
            res = stats.ttest_ind(*samples, equal_var=False)
            row.update(test="welch", statistic_name="t", statistic=float(res.statistic),
                       df=float(res.df), p=float(res.pvalue))
        else:
            res = stats.f_oneway(*samples)
            n_total = sum(map(len, samples))
            row.update(test="anova", statistic_name="F", statistic=float(res.statistic),
                       df=float(n_total - len(samples)), p=float(res.pvalue))
    return [row]


def _categorical_rows(values: pd.Series, groups: pd.Series, levels) -> list[dict]:
    table = pd.crosstab(as_factor(values), groups).reindex(columns=levels, fill_value=0)
    test = {"test": "none", "statistic_name": None, "statistic": np.nan, "df": np.nan,
            "p": np.nan, "min_expected": np.nan}
    if table.shape[0] >= 2 and table.shape[1] >= 2 and (table.sum(axis=0) > 0).all():
        res = stats.chi2_contingency(table.to_numpy(), correction=False)
        test.update(test="chi_square", statistic_name="chi2", statistic=float(res.statistic),
                    df=float(res.dof), p=float(res.pvalue),
                    min_expected=float(res.expected_freq.min()))
    totals = table.sum(axis=0)
    rows = []
    for level, counts in table.iterrows():
        row: dict = {"level": str(level), "kind": "categorical"}
        for g in levels:
            row[f"n_{g}"] = int(counts[g])
            row[f"percent_{g}"] = 100.0 * counts[g] / totals[g] if totals[g] else np.nan
        rows.append(row | test)
    return rows


def table_one(df: pd.DataFrame, by: str, variables: Sequence[str],
              dictionary_labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A "Table 1": each variable summarized per level of `by`, with a test of difference.

    Numeric variables get n, mean and SD per group and a Welch t test (two groups; R's
    ``t.test`` default) or a one-way ANOVA (more groups; R's ``oneway.test(var.equal=TRUE)``).
    Categorical variables get one row per level with counts and column percentages per
    group and a Pearson chi-square test of independence without continuity correction
    (SPSS' "Pearson Chi-Square"; R's ``chisq.test(correct=FALSE)``); ``min_expected``
    reports the smallest expected count so that a sparse table can be flagged.

    Each variable uses every participant with non-missing `by` and that variable.

    Returns
    -------
    pandas.DataFrame
        Columns ``variable``, ``label``, ``level`` (None for numeric rows), ``kind``,
        per group level g ``n_g``, ``mean_g``, ``sd_g`` (numeric) or ``n_g``, ``percent_g``
        (categorical), then ``test`` ("welch", "anova", "chi_square" or "none" when a group
        has fewer than 2 values or the values do not vary), ``statistic_name``,
        ``statistic``, ``df`` (denominator df for ANOVA), ``p``, ``min_expected``.
    """
    require_columns(df, [by], argument="by")
    require_columns(df, variables, argument="variable")
    labels = dict(dictionary_labels or {})
    levels = [str(g) for g in as_factor(df[by].dropna()).cat.categories]
    rows = []
    for var in variables:
        if var == by:
            raise InvalidSpec(f"variable {var!r} is the grouping column by={by!r}; remove it.")
        data, _ = complete_cases(df, [by, var])
        groups = data[by].astype(str)
        make = _categorical_rows if _is_categorical(data[var]) else _numeric_rows
        for row in make(data[var], groups, levels):
            rows.append({"variable": var, "label": labels.get(var, var)} | row)
    table = pd.DataFrame(rows)
    front = ["variable", "label", "level", "kind"]
    tail = ["test", "statistic_name", "statistic", "df", "p", "min_expected"]
    table = table.reindex(columns=front + [c for c in table.columns
                                           if c not in front + tail] + tail)
    return table
