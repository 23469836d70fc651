"""Result tables as accessible HTML tables (formatted copies of analysis tables)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from components.format import fmt_cell

COLUMN_LABELS = {
    "df_num": "df1", "df_den": "df2", "statistic_name": "stat", "statistic": "value",
    "effect_size": "effect size", "effect_size_name": "measure", "ci_low": "95% CI low",
    "ci_high": "95% CI high", "p_adjusted": "p (adjusted)", "p_unadjusted": "p (unadjusted)",
    "adjusted_mean": "adj. mean", "adjusted_se": "adj. SE", "adjusted_ci_low": "adj. CI low",
    "adjusted_ci_high": "adj. CI high", "p_method": "p method", "effect_ci_low": "g CI low",
    "effect_ci_high": "g CI high", "mean_difference": "difference", "ss": "SS",
    "diff_ci_low": "diff. CI low", "diff_ci_high": "diff. CI high",
}
HIDDEN = {"label", "method", "section"}


def result_table(frame: pd.DataFrame | None, *, labels: dict[str, str] | None = None,
                 caption: str | None = None, table_id: str | None = None,
                 highlight: str | None = None) -> html.Div:
    """Formatted table of `frame`; `labels` renames and selects columns.

    `highlight` names a boolean column whose true rows are emphasised (e.g. significant).
    """
    if frame is None or frame.empty:
        return html.Div("No rows.", className="text-muted small")
    columns = list(labels) if labels else [c for c in frame.columns if c not in HIDDEN]
    columns = [c for c in columns if c in frame.columns and not frame[c].isna().all()]
    names = {**COLUMN_LABELS, **(labels or {})}
    header = html.Thead(html.Tr([html.Th(names.get(c, c), scope="col") for c in columns]))
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
