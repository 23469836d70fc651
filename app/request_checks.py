"""Refuse malformed callback requests with 400 before Dash sees them.

Dash answers 500 (an exception in its dispatcher) when the body of
``/_dash-update-component`` is not the shape its renderer sends: not an object, an
unknown output, or inputs/state lists of the wrong length. A browser never sends that, but
a scanner or a stale tab can, and the server must not report it as its own failure.
"""

from __future__ import annotations

from flask import jsonify, request

UPDATE_PATH = "_dash-update-component"


def problem(body, callback_map) -> str | None:
    """What is wrong with a callback request body (None when it is well formed)."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "unknown callback output"
    declared = callback_map[output]
    for key in ("inputs", "state"):
        sent = body.get(key, [])
        if not isinstance(sent, list) or len(sent) != len(declared.get(key, [])):
            return f"'{key}' does not match the callback"
        if any(not isinstance(item, (dict, list)) for item in sent):
            return f"'{key}' items must be objects"
    if not isinstance(body.get("changedPropIds", []), list):
        return "'changedPropIds' must be a list"
    return None


def install(app) -> None:
    """Check every POST to Dash's update endpoint (400 with a short JSON reason)."""
    def check():
        if request.method != "POST" or not request.path.endswith(UPDATE_PATH) \
                or not request.is_json:
            return None                      # Dash itself answers 415 for other types
        reason = problem(request.get_json(silent=True), app.callback_map)
        if reason is None:
            return None
        return jsonify({"error": "malformed callback request", "reason": reason}), 400
    app.server.before_request(check)
