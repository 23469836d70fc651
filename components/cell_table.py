"""Cell counts of the factors of an analysis, flagged when too small."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

BLOCKED, UNDERPOWERED = 3, 10


def cell_count_table(counts: pd.DataFrame, factors: list[str]) -> html.Div:
    """Table of n per cell; cells under 3 block the analysis, under 10 are underpowered."""
    if counts is None or counts.empty:
        return html.Div()
    rows = []
    for _, row in counts.iterrows():
        n = int(row["n"])
        status = ("table-danger" if n < BLOCKED else "table-warning" if n < UNDERPOWERED
                  else None)
        rows.append(html.Tr([html.Td(" / ".join(str(row[f]) for f in factors)),
                             html.Td(n)], className=status))
    n_blocked = int((counts["n"] < BLOCKED).sum())
    n_small = int(((counts["n"] >= BLOCKED) & (counts["n"] < UNDERPOWERED)).sum())
    notes = []
    if n_blocked:
        notes.append(dbc.Alert(f"{n_blocked} cell(s) with fewer than {BLOCKED} participants: "
                               "the analysis cannot be run.", color="danger",
                               className="py-1 px-2 small mb-1"))
    if n_small:
        notes.append(dbc.Alert(f"{n_small} cell(s) with fewer than {UNDERPOWERED} participants:"
                               " estimates are imprecise (underpowered).", color="warning",
                               className="py-1 px-2 small mb-1"))
    table = dbc.Table([html.Thead(html.Tr([html.Th(" × ".join(factors)), html.Th("n")])),
                       html.Tbody(rows)], size="sm", bordered=True, className="mb-1 small")
    return html.Div([html.Div("Cells (complete cases)", className="small fw-semibold"),
                     table, *notes], className="cell-counts")
