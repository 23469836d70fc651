"""Cohort picker: a select plus a card describing the chosen cohort."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components.notices import simulated_badge


def cohort_card(summary, *, select_id: str, summaries) -> dbc.Card:
    """Select of all cohorts, and the chosen one's description, n, citation and badge."""
    options = [{"label": f"{s.name} (n = {s.n})", "value": s.id} for s in summaries]
    return dbc.Card(dbc.CardBody([
        dbc.Label("Cohort", html_for=select_id, className="small fw-semibold mb-1"),
        dbc.Select(id=select_id, options=options, value=summary.id, size="sm",
                   className="mb-2"),
        html.H2(summary.name, className="h6 mb-1 cohort-name"),
        html.Div([html.Span(f"n = {summary.n}", className="fw-semibold"),
                  simulated_badge(summary.simulated)], className="mb-1"),
        html.P(summary.summary, className="small mb-1"),
        html.P(summary.citation, className="small text-muted fst-italic mb-0 cohort-citation"),
    ]), className="mb-3 cohort-card")
