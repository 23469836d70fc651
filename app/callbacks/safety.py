"""Every callback ends in a readable notice, never in a 500.

`guarded(on_error)` wraps a callback: an AnalysisError (the engine refusing bad input)
becomes the engine's own message; anything else is logged with a request id that the user
sees, so a bug can be found in the logs.
"""

from __future__ import annotations

import functools
import logging
import uuid

from dash.exceptions import PreventUpdate

from analysis.errors import AnalysisError
from app import hardening

log = logging.getLogger("pce")


def guarded(on_error):
    """Decorator: on failure return ``on_error(message, kind)`` instead of raising.

    `kind` is "refused" for an AnalysisError and "bug" for anything else.
    """
    def wrap(callback):
        @functools.wraps(callback)
        def run(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except PreventUpdate:
                raise
            except AnalysisError as error:
                return on_error(str(error), "refused")
            except Exception:
                request_id = hardening.request_id() or uuid.uuid4().hex[:12]
                log.exception("callback %s failed (request id %s)", callback.__name__,
                              request_id)
                return on_error(f"Something went wrong on our side (request id {request_id}). "
                                "The rest of the page still works; please report the id.",
                                "bug")
        return run
    return wrap
