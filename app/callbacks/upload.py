"""Own cohorts: the upload dialog and what happens to the files dropped in it.

Thin: decode what dcc.Upload sends (``data:<type>;base64,<bytes>`` per file), hand it to
:func:`app.upload_store.receive_upload` with the configured folder and limits, show the result.
The limits come from Settings (``PCE_UPLOAD_DIR``, ``PCE_MAX_UPLOAD_MB``,
``PCE_MAX_UPLOAD_FILES``) given to :func:`register`.
"""

from __future__ import annotations

import base64
import binascii
import logging
from pathlib import Path

from dash import Input, Output, State, no_update

from app.upload_store import UploadResult, receive_upload
from app.callbacks.safety import guarded
from app.settings import Settings
from components.notices import notice_list
from components.upload import UploadIds, limits_text, upload_result

log = logging.getLogger("pce")
MB = 1_048_576
_config: dict = {}


def configure(settings: Settings) -> None:
    """Folder and limits of uploads (called by register)."""
    _config.update(dest_root=Path(settings.upload_dir), max_mb=settings.max_upload_mb,
                   max_bytes=int(settings.max_upload_mb * MB),
                   max_files=settings.max_upload_files)


def toggle(n_open, n_close, is_open):
    """Open the dialog (with the limits spelled out) or close it: the Open button is only
    reachable while it is closed, the Close button while it is open."""
    return not is_open, limits_text(_config["max_mb"], _config["max_files"])


def decode_contents(contents, filenames) -> tuple[list[tuple[str, bytes]], list[str]]:
    """(name, bytes) pairs of dcc.Upload's data URLs, and a problem per undecodable file."""
    contents = [contents] if isinstance(contents, str) else list(contents or [])
    filenames = [filenames] if isinstance(filenames, str) else list(filenames or [])
    files, problems = [], []
    for i, content in enumerate(contents):
        name = filenames[i] if i < len(filenames) and filenames[i] else f"file {i + 1}"
        header, _, payload = str(content).partition(",")
        try:
            if not header.endswith(";base64"):
                raise ValueError("not base64-encoded")
            files.append((name, base64.b64decode(payload, validate=True)))
        except (binascii.Error, ValueError) as exc:
            problems.append(f"{name}: the browser sent it in a form that could not be read "
                            f"({exc}); try again.")
    return files, problems


def _failed(message, kind):
    return notice_list([message], color="danger"), None


@guarded(_failed)
def receive(contents, filenames):
    """Store the dropped cohort if valid; show every problem otherwise."""
    if not contents:
        return no_update, no_update
    sent = [contents] if isinstance(contents, str) else contents
    decoded = sum(len(c) for c in sent) * 3 // 4
    if decoded > _config["max_bytes"] + 1024 * _config["max_files"]:   # not worth decoding
        message = (f"upload: about {decoded / MB:.1f} MB received, over the limit of "
                   f"{_config['max_mb']:g} MB.")
        return upload_result(UploadResult(None, [message])), None
    files, problems = decode_contents(contents, filenames)
    if problems:
        return upload_result(UploadResult(None, problems)), None
    result = receive_upload(files, dest_root=_config["dest_root"],
                            max_bytes=_config["max_bytes"], max_files=_config["max_files"])
    if result.ok:
        log.info("cohort %s uploaded (%s files, n = %d)", result.cohort_id, len(files),
                 result.n)
    return upload_result(result), None


def register(app, settings: Settings | None = None) -> None:
    configure(settings or Settings.from_env())
    app.callback(Output(UploadIds.MODAL, "is_open"), Output(UploadIds.LIMITS, "children"),
                 Input(UploadIds.OPEN, "n_clicks"), Input(UploadIds.CLOSE, "n_clicks"),
                 State(UploadIds.MODAL, "is_open"), prevent_initial_call=True)(toggle)
    app.callback(Output(UploadIds.RESULT, "children"), Output(UploadIds.FILES, "contents"),
                 Input(UploadIds.FILES, "contents"), State(UploadIds.FILES, "filename"),
                 prevent_initial_call=True)(receive)
