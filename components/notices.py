"""Notices shown inside the page: problems with a link, refused analyses, warnings."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def notice_list(messages, *, color: str = "warning", title: str | None = None) -> html.Div:
    """One dismissable alert listing `messages` (nothing when there are none)."""
    messages = [m for m in messages if m]
    if not messages:
        return html.Div()
    body = [html.Strong(title)] if title else []
    body.append(html.Ul([html.Li(m) for m in messages], className="mb-0") if len(messages) > 1
                else html.Span(" " + messages[0] if title else messages[0]))
    return dbc.Alert(body, color=color, dismissable=True, className="py-2 small")


def analysis_refused(message: str, kind: str = "refused") -> dbc.Alert:
    """The engine's own message when it refuses an analysis (bad spec, too few data), or
    the request id of an unexpected failure (`kind` "bug")."""
    heading = ("This analysis cannot be run on the current selection. " if kind == "refused"
               else "This view failed. ")
    return dbc.Alert([html.Strong(heading), html.Span(message)], color="danger",
                     className="py-2 small analysis-error")


def simulated_badge(simulated: bool) -> html.Span:
    if not simulated:
        return html.Span()
    return dbc.Badge("Simulated from published summary statistics", color="warning",
                     text_color="dark", className="simulated-badge ms-2",
                     title="Individual participant data of this study are not public; these "
                           "data were simulated to match the paper's reported statistics.")
