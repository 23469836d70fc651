"""Labelled form controls (keyboard reachable, each with a visible <label>)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html


def column_options(cohort, columns, *, group_by_modality: bool = True) -> list[dict]:
    """Dropdown options for `columns`, labelled from the data dictionary.

    With `group_by_modality`, options are ordered by modality and the label says it
    ("PET · S1 SUVR"), so a long list of outcomes stays readable.
    """
    infos = [cohort.dictionary[c] for c in columns if c in cohort.dictionary]
    if group_by_modality:
        infos.sort(key=lambda i: (i.modality or "zzz"))
    options = []
    for info in infos:
        prefix = f"{info.modality} · " if group_by_modality and info.modality else ""
        units = f" ({info.units})" if info.units else ""
        options.append({"label": f"{prefix}{info.label or info.name}{units}", "value": info.name,
                        "title": info.description or info.name})
    return options


def labelled(label: str, control, *, control_id: str, help_text: str | None = None) -> html.Div:
    """`control` with a label bound to it (``for`` = the control's id)."""
    children = [dbc.Label(label, html_for=control_id, className="small fw-semibold mb-1"), control]
    if help_text:
        children.append(dbc.FormText(help_text))
    return html.Div(children, className="mb-2")


def dropdown(control_id: str, label: str, options: list[dict], value, *, multi: bool = False,
             clearable: bool = False, placeholder: str | None = None,
             help_text: str | None = None) -> html.Div:
    control = dcc.Dropdown(id=control_id, options=options, value=value, multi=multi,
                           clearable=clearable or multi, placeholder=placeholder,
                           className="pce-dropdown")
    return labelled(label, control, control_id=control_id, help_text=help_text)


def select(control_id: str, label: str, choices: list[tuple[str, object]], value) -> html.Div:
    """A small native <select> for a closed set of choices (fast to reach by keyboard)."""
    control = dbc.Select(id=control_id, value=str(value),
                         options=[{"label": text, "value": str(v)} for text, v in choices],
                         size="sm")
    return labelled(label, control, control_id=control_id)


def switch(control_id: str, label: str, value: bool) -> html.Div:
    return html.Div(dbc.Switch(id=control_id, label=label, value=bool(value)), className="mb-2")


def export_button(button_id: str, download_id: str) -> html.Div:
    return html.Div([dbc.Button("Download CSV", id=button_id, size="sm", color="secondary",
                                outline=True), dcc.Download(id=download_id)],
                    className="d-inline-block")
