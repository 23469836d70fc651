"""A tiny Dash app with one background callback (progress + cancel), and a client that speaks
the renderer's background protocol, for tests of app.background's managers.

The same module is the ``-A`` target of the Celery worker started by tests/deploy: with
``PCE_CELERY=1`` in its environment it builds the app on ``app.background.celery_app`` at import,
which registers the callback as a Celery task in the worker.
"""

from __future__ import annotations

import json
import os
import re
import time

from dash import Dash, Input, Output, State, dcc, html

from app.background import celery_app, make_background_manager  # noqa: F401 - celery -A target
from app.settings import Settings

STEP_SECONDS = 0.05


def build(manager) -> Dash:
    """Dash app: button ``run`` sums 1..steps in a background job, reporting "i/steps"."""
    app = Dash(__name__, background_callback_manager=manager)
    app.layout = html.Div([html.Button("run", id="run"), html.Button("cancel", id="cancel"),
                           dcc.Input(id="steps", value=3), html.Div(id="progress"),
                           html.Div(id="result")])

    @app.callback(Output("result", "children"), Input("run", "n_clicks"), State("steps", "value"),
                  background=True, progress=[Output("progress", "children")],
                  cancel=[Input("cancel", "n_clicks")], prevent_initial_call=True)
    def add_up(set_progress, n_clicks, steps):
        total = 0
        for i in range(1, int(steps) + 1):
            set_progress(f"{i}/{steps}")
            time.sleep(STEP_SECONDS)
            total += i
        return f"sum={total} pid={os.getpid()}"

    return app


class Renderer:
    """What dash-renderer does for a background callback, over a Flask test client."""

    def __init__(self, client):
        self.client = client
        page = client.get("/").get_data(as_text=True)
        config = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>',
                           page, re.DOTALL).group(1)
        self.end_id = json.loads(config)["end_id"]
        # Like the renderer, fetch layout and dependencies: these set Dash's app context, which
        # the callback endpoint relies on when several apps live in one process (tests).
        for path in ("/_dash-layout", "/_dash-dependencies"):
            assert client.get(path).status_code == 200

    def _post(self, payload, **args):
        return self.client.post("/_dash-update-component", json=payload,
                                query_string={"endId": self.end_id, **args})

    def start(self, steps: int) -> dict:
        """Click run: the handles {cacheKey, job, cancel} of the new job."""
        response = self._post(_run_payload(steps))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def poll(self, handles: dict, steps: int):
        """One poll: (status code, JSON body or None)."""
        response = self._post(_run_payload(steps), cacheKey=handles["cacheKey"],
                              job=handles["job"])
        return response.status_code, (response.get_json() if response.data else None)

    def wait(self, handles: dict, steps: int, timeout: float = 20.0):
        """Poll until the result; (result text, progress values seen)."""
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, body = self.poll(handles, steps)
            if body and "progress" in body:
                seen.append(body["progress"]["progress.children"])
            if body and "response" in body:
                return body["response"]["result"]["children"], seen
            assert status in (200, 202), (status, body)
            time.sleep(0.05)
        raise TimeoutError(f"no result within {timeout} s; progress seen {seen}")

    def cancel(self, handles: dict):
        payload = {"output": "cancel.id", "outputs": {"id": "cancel", "property": "id"},
                   "inputs": [{"id": "cancel", "property": "n_clicks", "value": 1}],
                   "changedPropIds": ["cancel.n_clicks"], "state": []}
        return self._post(payload, cancelJob=handles["job"])


def _run_payload(steps: int) -> dict:
    return {"output": "result.children", "outputs": {"id": "result", "property": "children"},
            "inputs": [{"id": "run", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["run.n_clicks"],
            "state": [{"id": "steps", "property": "value", "value": steps}]}


if os.environ.get("PCE_CELERY") == "1":  # inside the Celery worker of tests/deploy
    APP = build(make_background_manager(Settings.from_env()))
