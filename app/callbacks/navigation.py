"""URL <-> page: render the page for a link, write the link when a control changes."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import ALL, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from analysis.subgroups import Subgroup, level_counts
from app import services
from app.callbacks.controls import control_inputs
from app.callbacks.safety import guarded
from app.ids import Filters, Page
from app.layout import COHORT_SELECT, page_body, page_notices
from app.state import encode_value
from app.view_registry import PANELS
from components.notices import notice_list

COPY_LINK_JS = """
function(n, state) {
    const trigger = (dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
    if (!trigger.startsWith("copy-link")) { return "Copy link"; }
    const url = window.location.href;
    const fallback = () => {
        const box = document.createElement("textarea");
        box.value = url; document.body.appendChild(box); box.select();
        document.execCommand("copy"); box.remove();
    };
    if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).catch(fallback);
    } else { fallback(); }
    return "Link copied";
}
"""
"""Copy the address bar (the whole view) to the clipboard, also on plain http; the button
says "Link copied" until the view changes."""


def range_columns(cohort) -> list[str]:
    """Numeric columns offered as range filters: covariates (age, BMI, dose) and scales."""
    return [c for c, i in cohort.dictionary.items()
            if not i.levels and (i.role == "covariate" or i.modality == "clinical")][:6]


def _router_error(message, kind):
    return no_update, notice_list([message], color="danger"), no_update, no_update


@guarded(_router_error)
def render_page(search: str | None, rendered: str | None):
    """Build the whole page for the link in the address bar (first load, back/forward)."""
    query = search.lstrip("?") if isinstance(search, str) else ""
    if rendered is not None and query == rendered:
        raise PreventUpdate
    state, notices = services.decode(query)
    cohort, data = services.selection(state)
    counts = {f: level_counts(cohort.participants, state.subgroup, f)
              for f, i in cohort.dictionary.items() if i.levels}
    body = page_body(state, cohort, services.cohort_summaries(), level_counts=counts,
                     range_columns=range_columns(cohort), n_selected=len(data))
    canonical = state.to_query()
    return body, page_notices(notices), canonical, "?" + canonical


def choose_cohort(cohort_id: str | None, rendered: str | None):
    """A new cohort opens with its defaults (a full re-render, as a new link would)."""
    if not cohort_id or (rendered and f"cohort={cohort_id}&" in rendered + "&"):
        raise PreventUpdate
    return "?" + urlencode({"cohort": cohort_id})


def _sync_error(message, kind):
    return no_update, no_update, notice_list([message], color="danger")


def _levels(value) -> tuple[str, ...]:
    """Checklist value as a tuple of level names (anything else a browser never sends,
    e.g. a number from a forged request, counts as no level ticked)."""
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(str(v) for v in value if isinstance(v, (str, int, float)))


def _subgroup_params(level_ids, level_values, low_ids, lows, high_ids, highs, missing,
                     cohort) -> dict[str, str]:
    include = {i["column"]: _levels(v) for i, v in zip(level_ids, level_values)
               if _levels(v) != tuple(cohort.dictionary[i["column"]].levels)}
    bounds = {i["column"]: [lo, None] for i, lo in zip(low_ids, lows)}
    for i, hi in zip(high_ids, highs):
        bounds.setdefault(i["column"], [None, None])[1] = hi
    ranges = {c: tuple(b) for c, b in bounds.items() if b[0] is not None or b[1] is not None}
    return Subgroup(include=include, ranges=ranges, missing=missing or "drop").to_query()


@guarded(_sync_error)
def sync_url(view, filters, controls, rendered):
    """Controls -> canonical link; the page is not re-rendered (STATE = URL)."""
    if rendered is None:
        raise PreventUpdate
    current, _ = services.decode(rendered)
    cohort = services.load(current.cohort)
    params = {"cohort": current.cohort, "v": current.version or "", "view": view or "overview"}
    params.update(_subgroup_params(cohort=cohort, **filters))
    for prefix, fields in controls.items():
        for name, value in fields.items():
            params[f"{prefix}.{name}"] = encode_value(value)
    state, notices = services.decode(urlencode(params))
    canonical = state.to_query()
    if canonical == rendered:
        raise PreventUpdate
    return "?" + canonical, canonical, page_notices(notices)


def show_view(view: str):
    """Hide every panel but the chosen view's."""
    return [name != view for name in PANELS]


def register(app) -> None:
    app.callback(Output(Page.CONTENT, "children"), Output(Page.NOTICES, "children"),
                 Output(Page.STATE, "data"), Output(Page.URL, "search"),
                 Input(Page.URL, "search"), State(Page.STATE, "data"))(render_page)
    app.callback(Output(Page.URL, "search", allow_duplicate=True),
                 Input(COHORT_SELECT, "value"), State(Page.STATE, "data"),
                 prevent_initial_call=True)(choose_cohort)
    app.callback(
        output=[Output(Page.URL, "search", allow_duplicate=True),
                Output(Page.STATE, "data", allow_duplicate=True),
                Output(Page.NOTICES, "children", allow_duplicate=True)],
        inputs={
            "view": Input(Page.VIEW_NAV, "value"),
            "filters": {
                "level_ids": State({"type": Filters.LEVELS, "column": ALL}, "id"),
                "level_values": Input({"type": Filters.LEVELS, "column": ALL}, "value"),
                "low_ids": State({"type": Filters.RANGE_LOW, "column": ALL}, "id"),
                "lows": Input({"type": Filters.RANGE_LOW, "column": ALL}, "value"),
                "high_ids": State({"type": Filters.RANGE_HIGH, "column": ALL}, "id"),
                "highs": Input({"type": Filters.RANGE_HIGH, "column": ALL}, "value"),
                "missing": Input(Filters.MISSING, "value")},
            "controls": control_inputs(),
            "rendered": State(Page.STATE, "data")},
        prevent_initial_call=True)(sync_url)
    app.callback([Output(f"panel-{v}", "hidden") for v in PANELS],
                 Input(Page.VIEW_NAV, "value"), prevent_initial_call=True)(show_view)
    app.clientside_callback(COPY_LINK_JS, Output(Page.COPY_LINK, "children"),
                            Input(Page.COPY_LINK, "n_clicks"), Input(Page.STATE, "data"),
                            prevent_initial_call=True)
