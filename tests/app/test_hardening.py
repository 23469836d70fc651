"""app.hardening and app.background in-process: headers, request ids, error pages, 413,
/healthz, production checks, and a Diskcache background callback with progress and cancel.

Independent references: CSP hashes are recomputed here with hashlib from the inline scripts of
the served page; the version is read from pyproject.toml with tomllib; the cohort count is the
number of cohort folders written by the fixture; the job's process is checked with psutil.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import socket
import time
import tomllib

import psutil
import pytest
from dash import Input, Output

from app import create_app, hardening
from app.background import make_background_manager
from app.settings import REPO_ROOT, Settings
from tests.deploy.background_app import Renderer, build

LIMIT_MB = 0.01  # 10 485 bytes: small enough to exceed in a test


@pytest.fixture(scope="module")
def dash_app(cohort_root, tmp_path_factory):
    app = create_app(Settings(data_dir=cohort_root, warm_cache=False, max_request_mb=LIMIT_MB,
                              background_dir=tmp_path_factory.mktemp("background")))

    def boom():
        raise RuntimeError("secret internal detail /srv/private/path")

    def echo():
        from flask import request
        return str(len(request.get_data()))

    app.server.add_url_rule("/boom", "boom", boom)
    app.server.add_url_rule("/echo", "echo", echo, methods=["POST"])

    @app.callback(Output("boom-out", "children"), Input("boom-in", "value"))
    def failing_callback(value):
        raise RuntimeError("secret internal detail in a callback")

    return app


@pytest.fixture()
def client(dash_app):
    return dash_app.server.test_client()


def _inline_script_hashes(page: str) -> set[str]:
    page = re.sub(r"<!--.*?-->", "", page, flags=re.DOTALL)  # e.g. Dash's <!--[if IE]> alert
    scripts = re.findall(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", page, re.DOTALL)
    return {"'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
            for attrs, body in scripts
            if "src=" not in attrs and "application/json" not in attrs and body.strip()}


def test_security_headers_and_csp_admit_exactly_the_inline_scripts(client):
    response = client.get("/")
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"]
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    script_src = set(policy["script-src"].split())
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    inline = _inline_script_hashes(response.get_data(as_text=True))
    assert len(inline) >= 2  # the renderer and the copy-link clientside callback
    assert inline <= script_src
    assert client.get("/_dash-layout").headers["X-Frame-Options"] == "DENY"


def test_request_ids_are_fresh_or_kept_from_a_proxy(client):
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert re.fullmatch(r"[0-9a-f]{12}", first) and first != second
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-id-12345678"})
    assert kept.headers["X-Request-ID"] == "proxy-id-12345678"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{12}", forged.headers["X-Request-ID"])


def test_an_error_shows_the_request_id_and_logs_the_traceback(client, caplog):
    with caplog.at_level(logging.ERROR, logger="pce"):
        response = client.get("/boom", headers={"Accept": "text/html"})
    body = response.get_data(as_text=True)
    rid = response.headers["X-Request-ID"]
    assert response.status_code == 500 and rid in body
    assert "secret internal detail" not in body and "Traceback" not in body
    record = next(r for r in caplog.records if rid in r.getMessage())
    assert record.exc_info and "secret internal detail" in str(record.exc_info[1])


def test_a_failing_callback_answers_json_with_the_request_id(client, caplog):
    payload = {"output": "boom-out.children", "outputs": {"id": "boom-out", "property": "children"},
               "inputs": [{"id": "boom-in", "property": "value", "value": 1}],
               "changedPropIds": ["boom-in.value"], "state": []}
    with caplog.at_level(logging.ERROR, logger="pce"):
        response = client.post("/_dash-update-component", json=payload)
    body = response.get_json()
    assert response.status_code == 500 and body["request_id"] == response.headers["X-Request-ID"]
    assert "secret" not in response.get_data(as_text=True)
    assert any(body["request_id"] in r.getMessage() and r.exc_info for r in caplog.records)


def test_http_errors_keep_their_status(client, caplog):
    with caplog.at_level(logging.ERROR, logger="pce"):
        missing = client.get("/_dash-component-suites/nope/x.js")
    assert missing.status_code == 404 and not caplog.records  # a probe, not a server error
    assert client.put("/echo").status_code == 405


def test_oversized_requests_get_a_readable_413(client):
    limit = int(LIMIT_MB * 1024 * 1024)
    assert client.post("/echo", data=b"x" * (limit - 10)).get_data(as_text=True) == str(limit - 10)
    page = client.post("/echo", data=b"x" * (limit + 1), headers={"Accept": "text/html"})
    assert page.status_code == 413
    assert "PCE_MAX_REQUEST_MB" in page.get_data(as_text=True)
    assert page.headers["X-Request-ID"] in page.get_data(as_text=True)
    dash = client.post("/_dash-update-component", json={"inputs": ["x" * limit]})
    assert dash.status_code == 413 and "PCE_MAX_REQUEST_MB" in dash.get_json()["message"]


def test_default_request_limit_admits_a_20_mb_upload():
    # dcc.Upload sends the file base64-encoded inside the callback's JSON body.
    base64_bytes = 4 * -(-20 * 1024 * 1024 // 3)
    assert Settings().max_request_mb * 1024 * 1024 > base64_bytes + 64 * 1024
    assert Settings().max_request_mb <= 40


def test_healthz_reports_version_cohorts_and_cache(client, cohort_root):
    response = client.get("/healthz")
    with open(REPO_ROOT / "pyproject.toml", "rb") as file:
        version = tomllib.load(file)["project"]["version"]
    folders = [p for p in cohort_root.iterdir() if (p / "participants.tsv").exists()]
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {"status": "ok", "version": version, "cohorts": len(folders),
                                   "cache": {"backend": "SimpleCache", "reachable": True}}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_is_503_when_redis_is_down(cohort_root):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    app = create_app(Settings(data_dir=cohort_root, warm_cache=False, cache_type="RedisCache",
                              redis_url=url))
    response = app.server.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["cache"] == {"backend": "RedisCache", "reachable": False}


def test_production_refuses_debug(cohort_root):
    with pytest.raises(hardening.ProductionConfigError, match="PCE_DEBUG"):
        create_app(Settings(data_dir=cohort_root, warm_cache=False, env="production",
                            debug=True))


def test_production_overrides_flask_debug(cohort_root, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    laptop = create_app(Settings(data_dir=cohort_root, warm_cache=False))
    assert laptop.server.debug  # what FLASK_DEBUG does without the production check
    deployed = create_app(Settings(data_dir=cohort_root, warm_cache=False, env="production"))
    assert not deployed.server.debug
    assert deployed.server.config["PROPAGATE_EXCEPTIONS"] is False


@pytest.mark.parametrize("env, expected", [
    ({}, ("SimpleCache", False)),
    ({"PCE_ENV": "production"}, ("FileSystemCache", True)),
    ({"SERVER_SOFTWARE": "gunicorn/27.0.1"}, ("FileSystemCache", True)),
    ({"SERVER_SOFTWARE": "gunicorn/27.0.1", "REDIS_URL": "redis://r:6379/0"}, ("RedisCache", True)),
    ({"PCE_ENV": "production", "PCE_CACHE_TYPE": "SimpleCache"}, ("SimpleCache", True)),
])
def test_cache_defaults_follow_the_deployment(monkeypatch, env, expected):
    for name in ("PCE_ENV", "SERVER_SOFTWARE", "REDIS_URL", "PCE_CACHE_TYPE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    assert (settings.cache_type, settings.production) == expected


def test_celery_without_redis_is_refused():
    with pytest.raises(ValueError, match="REDIS_URL"):
        make_background_manager(Settings(celery=True, redis_url=None))


def test_diskcache_background_callback_progress_result_and_cancel(tmp_path):
    manager = make_background_manager(Settings(background_dir=tmp_path))
    assert manager is make_background_manager(Settings(background_dir=tmp_path))
    assert type(manager).__name__ == "DiskcacheManager"
    renderer = Renderer(build(manager).server.test_client())

    handles = renderer.start(steps=6)
    result, progress = renderer.wait(handles, steps=6)
    assert result.startswith("sum=21 ")  # 1 + 2 + ... + 6
    assert int(result.split("pid=")[1]) != psutil.Process().pid
    assert progress and all(re.fullmatch(r"[1-6]/6", p) for p in progress)

    handles = renderer.start(steps=2000)  # 100 s unless cancelled
    pid = int(handles["job"].split("~")[0])  # DiskcacheManager's job id is the process id
    try:
        deadline = time.monotonic() + 10
        while renderer.poll(handles, 2000)[1].get("progress") is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert renderer.cancel(handles).status_code == 200
        assert not _alive(pid)
        assert renderer.poll(handles, 2000)[0] == 204  # cancelled: no result ever
    finally:
        if _alive(pid):
            psutil.Process(pid).kill()


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
