"""Subgroup panel: live level counts, n selected, reset."""

from __future__ import annotations

from dash import ALL, Input, Output, State

from analysis.subgroups import level_counts
from app import services
from app.callbacks.safety import guarded
from app.ids import Filters, Page
from components.filter_panel import level_options, n_label


def _no_counts(message, kind):
    from dash import no_update
    return no_update, message if kind == "refused" else no_update


@guarded(_no_counts)
def update_counts(rendered: str | None, level_ids: list[dict]):
    """Each level's n under the other filters, and "n selected of N"."""
    state, _ = services.decode(rendered or "")
    cohort, data = services.selection(state)
    options = []
    for control in level_ids:
        column = control["column"]
        counts = level_counts(cohort.participants, state.subgroup, column)
        options.append(level_options(cohort.dictionary[column].levels, counts))
    return options, n_label(len(data), len(cohort.participants))


def reset_filters(n_clicks, level_ids, low_ids, high_ids, rendered):
    """Every level ticked, no ranges, missing values dropped."""
    state, _ = services.decode(rendered or "")
    cohort = services.load(state.cohort)
    levels = [list(cohort.dictionary[i["column"]].levels) for i in level_ids]
    return levels, [None] * len(low_ids), [None] * len(high_ids), "drop"


def register(app) -> None:
    app.callback(Output({"type": Filters.LEVELS, "column": ALL}, "options"),
                 Output(Filters.N_SELECTED, "children"),
                 Input(Page.STATE, "data"),
                 State({"type": Filters.LEVELS, "column": ALL}, "id"))(update_counts)
    app.callback(Output({"type": Filters.LEVELS, "column": ALL}, "value"),
                 Output({"type": Filters.RANGE_LOW, "column": ALL}, "value"),
                 Output({"type": Filters.RANGE_HIGH, "column": ALL}, "value"),
                 Output(Filters.MISSING, "value"),
                 Input(Filters.RESET, "n_clicks"),
                 State({"type": Filters.LEVELS, "column": ALL}, "id"),
                 State({"type": Filters.RANGE_LOW, "column": ALL}, "id"),
                 State({"type": Filters.RANGE_HIGH, "column": ALL}, "id"),
                 State(Page.STATE, "data"), prevent_initial_call=True)(reset_filters)
