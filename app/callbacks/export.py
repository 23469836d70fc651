"""CSV export of each view's main table (the same result object the page shows)."""

from __future__ import annotations

import pandas as pd
from dash import Input, Output, State, dcc
from dash.exceptions import PreventUpdate

from app import services
from app.callbacks.safety import guarded
from app.ids import Brain, Compare, Correlate, Mediate, Overview, Page, Paper, Repeated


def _tables(kind: str, result) -> pd.DataFrame:
    if kind == "paper":
        return pd.DataFrame([c.to_dict() for c in result])
    if kind == "overview":
        return result
    if kind == "brain":
        return result.clusters if hasattr(result, "clusters") else result.table
    if kind == "compare":
        parts = [result.table.assign(section="tests"), result.cells.assign(section="cells")]
        if result.posthoc is not None:
            parts.append(result.posthoc.assign(section="posthoc"))
        return pd.concat(parts, ignore_index=True)
    return result.table


def _nothing_to_export(message, kind):
    """A refused analysis has no table (the page already says why); a bug is logged with
    its request id by `guarded`."""
    raise PreventUpdate


def export_csv(kind: str):
    @guarded(_nothing_to_export)
    def export(n_clicks, rendered):
        if not n_clicks or not rendered:
            raise PreventUpdate
        state, _ = services.decode(rendered)
        frame = _tables(kind, services.run(kind, state))
        name = f"{state.cohort}_{kind}.csv"
        return dcc.send_data_frame(frame.to_csv, name, index=False)
    export.__name__ = f"export_{kind}_csv"
    return export


def register(app) -> None:
    for kind, ids in (("overview", Overview), ("compare", Compare), ("correlate", Correlate),
                      ("mediate", Mediate), ("repeated", Repeated), ("brain", Brain),
                      ("paper", Paper)):
        app.callback(Output(ids.DOWNLOAD, "data"), Input(ids.EXPORT, "n_clicks"),
                     State(Page.STATE, "data"), prevent_initial_call=True)(export_csv(kind))
