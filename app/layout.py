"""Page shell (static) and the page body built for one ViewState."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from app import auth
from app.ids import Page
from app.settings import Settings
from app.view_registry import PANELS, VIEW_LABELS, offered
from components.cohort_picker import cohort_card
from components.filter_panel import filter_panel
from components.notices import notice_list
from components.upload import upload_control

COHORT_SELECT = "cohort-select"


def shell() -> html.Div:
    """The part of the page that never changes; the body is rendered into CONTENT."""
    navbar = dbc.Navbar(dbc.Container([
        html.Span([html.Span("Pain Cohort Explorer", className="navbar-brand mb-0 h1"),
                   html.Span("subgroup statistics for chronic-pain neuroimaging cohorts",
                             className="text-white-50 small d-none d-lg-inline")]),
        html.Div([
            upload_control(Settings.from_env().max_upload_mb),  # app.callbacks.upload
            dbc.Button("Copy link", id=Page.COPY_LINK, color="light", size="sm",
                       className="copy-link", title="Copy the link to this view"),
            auth.logout_item(),  # None unless access control is on
        ], className="ms-auto"),
    ], fluid=True), color="primary", dark=True, className="mb-3 py-2")
    return html.Div([
        dcc.Location(id=Page.URL, refresh=False),
        dcc.Store(id=Page.STATE),
        navbar,
        dbc.Container([html.Div(id=Page.NOTICES), html.Div(id=Page.CONTENT)], fluid=True),
    ])


def page_body(state, cohort, summaries, *, level_counts, range_columns, n_selected) -> dbc.Row:
    """Cohort and subgroup on the left, the view tabs and all view panels on the right."""
    summary = next(s for s in summaries if s.id == cohort.id)
    nav = dbc.RadioItems(
        id=Page.VIEW_NAV, value=state.view, className="btn-group view-nav mb-3",
        inputClassName="btn-check", labelClassName="btn btn-outline-primary btn-sm",
        labelCheckedClassName="active",
        options=[{"label": VIEW_LABELS[v], "value": v} for v in PANELS if offered(v, cohort)])
    panels = [html.Section(build(cohort, state.specs.get(view)), id=f"panel-{view}",
                           className="view-panel", hidden=view != state.view,
                           **{"aria-label": VIEW_LABELS[view]})
              for view, build in PANELS.items()]
    left = [cohort_card(summary, select_id=COHORT_SELECT, summaries=summaries),
            filter_panel(cohort, state.subgroup, level_counts=level_counts,
                         range_columns=range_columns, n_selected=n_selected)]
    return dbc.Row([dbc.Col(left, md=4, lg=3, xl=3, className="sidebar"),
                    dbc.Col([nav, *panels], md=8, lg=9, xl=9)], className="g-3")


def page_notices(notices: list[str]) -> html.Div:
    return notice_list(notices, title="About this link:")
