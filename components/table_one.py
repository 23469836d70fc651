"""A publication-style "Table 1" from analysis.describe.table_one's numbers."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from components.format import fmt_num, fmt_p, is_missing

TEST_NAMES = {"welch": "Welch t", "anova": "ANOVA", "chi_square": "χ²", "none": "—"}


def _group_levels(frame: pd.DataFrame) -> list[str]:
    return [c[2:] for c in frame.columns if c.startswith("n_")]


def _cell(row, level) -> str:
    n = row[f"n_{level}"]
    if row["kind"] == "categorical":
        return f"{n:.0f} ({row[f'percent_{level}']:.1f}%)"
    if is_missing(row[f"mean_{level}"]):
        return "—" if not n else f"n = {n:.0f}"
    return f"{fmt_num(row[f'mean_{level}'])} ({fmt_num(row[f'sd_{level}'])}) · {n:.0f}"


def _test(row) -> str:
    name = TEST_NAMES.get(row["test"], row["test"])
    if is_missing(row["statistic"]):
        return name
    return f"{name} = {fmt_num(row['statistic'])}"


def table_one_view(frame: pd.DataFrame, *, by_label: str, labels: dict[str, str]) -> html.Div:
    """Numeric rows as "mean (SD) · n", categorical rows as "n (%)", with test and p.

    The test and p of a categorical variable are shown once, on its first level.
    """
    levels = _group_levels(frame)
    header = html.Thead(html.Tr([html.Th("Variable"), *[html.Th(f"{by_label} = {lv}")
                                                        for lv in levels],
                                 html.Th("Test"), html.Th("p")]))
    rows, previous = [], None
    for _, row in frame.iterrows():
        first = row["variable"] != previous
        previous = row["variable"]
        name = labels.get(row["variable"], row["label"])
        label = name if row["kind"] == "numeric" else (
            f"{name}: {row['level']}" if first else f"   {row['level']}")
        rows.append(html.Tr([html.Td(label), *[html.Td(_cell(row, lv)) for lv in levels],
                             html.Td(_test(row) if first else ""),
                             html.Td(fmt_p(row["p"]) if first else "")]))
    note = html.P("Numeric: mean (SD) · n. Categorical: n (column %). Welch's t test for two "
                  "groups, one-way ANOVA for more, Pearson's χ² without continuity correction "
                  "for categorical variables.", className="small text-muted mb-1")
    table = dbc.Table([header, html.Tbody(rows)], size="sm", striped=True, hover=True,
                      responsive=True, className="result-table table-one")
    return html.Div([table, note])
