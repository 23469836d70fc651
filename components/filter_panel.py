"""Subgroup panel built from a cohort's data dictionary.

Every factor becomes a checklist whose labels show the live n of each level under the
other filters; every numeric covariate/measure chosen for filtering gets a min-max pair.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.ids import Filters


def level_options(levels, counts: dict) -> list[dict]:
    """Checklist options "FM (83)" for each level, with its live count."""
    return [{"label": f"{level} ({counts.get(level, 0)})", "value": level} for level in levels]


def _factor_block(info, selected, counts) -> html.Fieldset:
    control_id = {"type": Filters.LEVELS, "column": info.name}
    return html.Fieldset([
        html.Legend(info.label or info.name, className="small fw-semibold mb-1",
                    title=info.description),
        dcc.Checklist(id=control_id, options=level_options(info.levels, counts),
                      value=list(selected), inline=True, className="pce-checklist",
                      inputClassName="me-1", labelClassName="me-3"),
    ], className="mb-2")


def _bound_input(kind: str, info, value, placeholder: str, which: str) -> html.Label:
    """A number box inside its own (visually hidden) label, for screen readers."""
    return html.Label([
        html.Span(f"{info.label or info.name} {which}", className="visually-hidden"),
        dbc.Input(id={"type": kind, "column": info.name}, type="number", value=value,
                  placeholder=placeholder, size="sm", debounce=True),
    ], className="mb-0", style={"flex": "1 1 0", "minWidth": 0})


def _range_block(info, bounds, observed) -> html.Fieldset:
    low, high = bounds
    lo_obs, hi_obs = observed
    units = f" ({info.units})" if info.units else ""
    return html.Fieldset([
        html.Legend(f"{info.label or info.name}{units}", className="small fw-semibold mb-1",
                    title=info.description),
        dbc.InputGroup([
            _bound_input(Filters.RANGE_LOW, info, low, f"min {lo_obs:g}", "minimum"),
            dbc.InputGroupText("to"),
            _bound_input(Filters.RANGE_HIGH, info, high, f"max {hi_obs:g}", "maximum"),
        ], size="sm", className="flex-nowrap"),
    ], className="mb-2")


def filter_panel(cohort, subgroup, *, level_counts: dict, range_columns: list[str],
                 n_selected: int) -> dbc.Card:
    """The subgroup card: factors, numeric ranges, missing-data choice, reset and n."""
    df = cohort.participants
    factor_blocks = [
        _factor_block(info, subgroup.include.get(name, info.levels), level_counts.get(name, {}))
        for name, info in cohort.dictionary.items()
        if info.levels and info.role in ("factor", "covariate") and len(info.levels) > 1
    ]
    range_blocks = [
        _range_block(cohort.dictionary[c], subgroup.ranges.get(c, (None, None)),
                     (float(df[c].min()), float(df[c].max())))
        for c in range_columns if df[c].notna().any()
    ]
    n_total = len(df)
    return dbc.Card([
        dbc.CardHeader(html.Div([
            html.Span("Subgroup", className="fw-semibold"),
            html.Span(id=Filters.N_SELECTED, children=n_label(n_selected, n_total),
                      className="badge bg-primary ms-auto", role="status",
                      **{"aria-live": "polite"}),
        ], className="d-flex align-items-center")),
        dbc.CardBody([
            *factor_blocks,
            *range_blocks,
            html.Div([
                dbc.Label("Participants missing a filtered value", html_for=Filters.MISSING,
                          className="small fw-semibold mb-1"),
                dbc.Select(id=Filters.MISSING, value=subgroup.missing, size="sm", options=[
                    {"label": "drop them", "value": "drop"},
                    {"label": "keep them", "value": "keep"}]),
            ], className="mb-2"),
            dbc.Button("Reset filters", id=Filters.RESET, size="sm", color="secondary",
                       outline=True, className="w-100"),
        ], className="filter-body"),
    ], className="mb-3 filter-card")


def n_label(n_selected: int, n_total: int) -> str:
    return f"{n_selected} selected of {n_total}"
