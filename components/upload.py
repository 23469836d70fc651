"""Upload of an own cohort: a navbar button opening a dialog with a drop zone, and the
result (every problem found, or a link to the new cohort)."""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

FORMAT_TEXT = ("participants.tsv (tab-separated, first column participant_id) and "
               "participants.json (the column dictionary); optionally dataset_description.json, "
               "regions.tsv and long/<name>.tsv with long/<name>.json.")


class UploadIds(StrEnum):
    OPEN = "upload-open"
    CLOSE = "upload-close"
    MODAL = "upload-modal"
    FILES = "upload-files"
    LIMITS = "upload-limits"
    RESULT = "upload-result"


def upload_control(max_mb: float = 20) -> html.Div:
    """Navbar button and its (initially closed) upload dialog.

    `max_mb` also stops larger files in the browser, before they reach the server's
    request-size limit (whose 413 the page could not explain).
    """
    dialog = dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle("Upload your own cohort")),
        dbc.ModalBody([
            html.P(["A cohort folder as described in data/FORMAT.md: ", FORMAT_TEXT],
                   className="small mb-1"),
            html.P("Send the files, the folder, or one .zip of them.", className="small mb-1"),
            html.P(id=UploadIds.LIMITS, className="small text-muted mb-2"),
            dcc.Upload(
                id=UploadIds.FILES, multiple=True, max_size=int(max_mb * 1024 * 1024),
                children=html.Div(["Drop files, a folder or a .zip here, or ",
                                   html.A("choose files", href="#", className="fw-semibold")]),
                className="upload-drop border border-2 rounded text-center p-4 mb-3",
                style={"borderStyle": "dashed", "cursor": "pointer"}),
            dcc.Loading(html.Div(id=UploadIds.RESULT), type="dot"),
        ]),
        dbc.ModalFooter(dbc.Button("Close", id=UploadIds.CLOSE, color="secondary", size="sm")),
    ], id=UploadIds.MODAL, is_open=False, size="lg")
    button = dbc.Button("Upload cohort", id=UploadIds.OPEN, color="light", outline=True,
                        size="sm", className="me-2", title="Add a cohort of your own")
    return html.Div([button, dialog], className="d-inline-block")


def limits_text(max_mb: float, max_files: int) -> str:
    """What the server accepts, shown above the drop zone."""
    return (f"Limits: {max_mb:g} MB in total (also once unpacked), at most {max_files} "
            "files. Stored on this server under a random id; when access control is on, only "
            "logged-in users can open it.")


def upload_result(result) -> dbc.Alert:
    """The outcome of :func:`app.upload_store.receive_upload`: problems, or the new cohort."""
    if result.cohort_id is None:
        count = len(result.problems)
        return dbc.Alert([
            html.Strong(f"The upload was not added: {count} problem{'s' * (count != 1)} "
                        "to fix."),
            html.Ul([html.Li(p) for p in result.problems], className="mb-0 mt-1 upload-problems"),
        ], color="danger", className="py-2 small upload-refused")
    return dbc.Alert([
        html.Span(f"Cohort {result.name} (n = {result.n}) added. "),
        html.A("Open it", href="?" + urlencode({"cohort": result.cohort_id}),
               className="alert-link upload-open-link"),
        html.Span(" (its link works for logged-in collaborators)."),
    ], color="success", className="py-2 small upload-added")
