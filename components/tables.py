"""Result tables as accessible HTML tables (formatted copies of analysis tables)."""

from __future__ import annotations

import pandas as pd
import dash_bootstrap_components as dbc
from dash import html

from components.format import fmt_cell


def result_table(frame: pd.DataFrame | None, *, labels: dict[str, str] | None = None,
                 caption: str | None = None, table_id: str | None = None,
                 highlight: str | None = None) -> html.Div:
    """Formatted table of `frame`; `labels` renames and selects columns.

    `highlight` names a boolean column whose true rows are emphasised (e.g. significant).
    """
    if frame is None or frame.empty:
        return html.Div("No rows.", className="text-muted small")
    columns = list(labels) if labels else list(frame.columns)
    columns = [c for c in columns if c in frame.columns]
    header = html.Thead(html.Tr([html.Th((labels or {}).get(c, c), scope="col") for c in columns]))
    rows = []
    for _, row in frame.iterrows():
        emphasise = bool(highlight and row.get(highlight))
        rows.append(html.Tr([html.Td(fmt_cell(c, row[c])) for c in columns],
                            className="table-active fw-semibold" if emphasise else None))
    children = [html.Caption(caption)] if caption else []
    table = dbc.Table(children + [header, html.Tbody(rows)], bordered=False, hover=True,
                      size="sm", striped=True, responsive=True, className="result-table mb-2",
                      id=table_id or "")
    return html.Div(table)
