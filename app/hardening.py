"""Production hardening of the Flask server behind Dash.

``install(app, settings)`` adds, on every deployment including a laptop:

- a request id per request (``X-Request-ID`` response header; a proxy's own id is kept when it
  looks like one), used in the logs of every error and shown to the user;
- an error handler: an exception escaping a route or a callback is logged with its traceback
  and the request id, and the client receives a short page (or JSON for Dash's endpoints)
  with the id, never the traceback;
- a request size limit (``MAX_CONTENT_LENGTH`` from ``PCE_MAX_REQUEST_MB``) answered by a 413
  that says the limit and what to do;
- security headers compatible with Dash (a Content-Security-Policy that admits Dash's own
  inline scripts by hash, ``X-Content-Type-Options``, ``Referrer-Policy``, ``X-Frame-Options``,
  ``Permissions-Policy``); no CSP in debug mode, whose dev tools need more;
- ``/healthz``: JSON status, app version, number of cohorts and whether the result cache
  answers (200, or 503 when something is down); it needs no login;
- production checks (``settings.production``: ``PCE_ENV=production`` or running under
  gunicorn): debug is refused, Flask debug/propagation forced off.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import os
import re
import tomllib
import uuid
from html import escape

from dash.exceptions import DependencyException
from flask import Flask, g, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.settings import REPO_ROOT, Settings

log = logging.getLogger("pce")

DRAIN_MAX_BYTES = 64 * 1024 * 1024
_PROXY_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                      "serial=(), bluetooth=(), midi=(), magnetometer=(), gyroscope=(), "
                      "accelerometer=(), display-capture=()")
# No 'unsafe-eval': every view (SVG plots, Mesh3d brain surfaces) was checked in Chromium
# under this policy with no violation. plotly's regl-based WebGL 2D traces (scattergl, splom,
# parcoords) compile code with Function() and would need it; the app draws none.
# 'unsafe-inline' for styles: Dash renders style= attributes and plotly injects <style> tags.
CSP = ("default-src 'self'; script-src 'self' {hashes}; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
       "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


class ProductionConfigError(RuntimeError):
    """A setting that must never reach a production deployment (e.g. debug mode)."""


def install(app, settings: Settings) -> None:
    """Install request ids, error handlers, size limit, headers and /healthz on ``app``."""
    server: Flask = app.server
    check_production(server, settings)
    server.config["MAX_CONTENT_LENGTH"] = int(settings.max_request_mb * 1024 * 1024)
    server.before_request(_assign_request_id)
    server.after_request(functools.partial(_headers, app, settings.debug))
    server.register_error_handler(RequestEntityTooLarge, _too_large)
    server.register_error_handler(DependencyException, _not_found)
    server.register_error_handler(Exception, _unexpected)
    server.add_url_rule("/healthz", "healthz", _healthz, methods=["GET"])


def check_production(server: Flask, settings: Settings) -> None:
    """Refuse debug mode in production and turn off anything that leaks tracebacks."""
    if not settings.production:
        return
    if settings.debug:
        raise ProductionConfigError(
            "PCE_DEBUG=1 is refused in production (PCE_ENV=production or gunicorn): debug "
            "mode shows tracebacks and server internals to every visitor. Unset PCE_DEBUG, "
            "or debug locally with `python -m app`.")
    server.debug = False  # FLASK_DEBUG=1 in the environment would otherwise turn it on
    server.config["PROPAGATE_EXCEPTIONS"] = False
    server.config["TRAP_HTTP_EXCEPTIONS"] = False
    if settings.cache_type == "SimpleCache":
        log.warning("production with SimpleCache: each worker keeps its own results; set "
                    "REDIS_URL or PCE_CACHE_TYPE=FileSystemCache to share them")


def request_id() -> str | None:
    """The id of the current request (created on first use); None outside a request."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _PROXY_ID.match(incoming) else uuid.uuid4().hex[:12]
    return g.request_id


def _assign_request_id() -> None:
    request_id()  # a before_request returning a value would replace the response


def _wants_json() -> bool:
    return (request.path.startswith("/_dash") or request.is_json
            or request.accept_mimetypes.best == "application/json")


def _reply(status: int, title: str, message: str):
    rid = request_id()
    if _wants_json():
        return jsonify(error=title, message=message, request_id=rid), status
    page = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}"
            f" - Pain Cohort Explorer</title></head><body><main><h1>{escape(title)}</h1>"
            f"<p>{escape(message)}</p><p>Request id: <code>{escape(rid)}</code></p>"
            "<p><a href=\"/\">Back to the explorer</a></p></main></body></html>")
    return page, status, {"Content-Type": "text/html; charset=utf-8"}


def _too_large(error):
    from flask import current_app
    limit = current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
    _drain(max(DRAIN_MAX_BYTES, 2 * current_app.config["MAX_CONTENT_LENGTH"]))
    log.warning("request %s refused: body larger than %.0f MB (%s %s)", request_id(), limit,
                request.method, request.path)
    return _reply(413, "Request too large",
                  f"The request is larger than this server accepts ({limit:.0f} MB). Cohort "
                  "files travel base64-encoded (a third larger than on disk): upload a smaller "
                  "file or a zip, or ask the administrator to raise PCE_MAX_REQUEST_MB.")


def _not_found(error):
    """Dash raises DependencyException (a 500) for an unknown /_dash-component-suites/ path:
    a client asking for a file that does not exist, not a server error."""
    log.info("request %s: %s", request_id(), str(error).splitlines()[0])
    return _reply(404, "Not found", "No such file.")


def _drain(at_most: int) -> None:
    """Read and discard the refused body, so the client, still sending it, receives the 413
    instead of a broken pipe; bodies larger than `at_most` are not worth it (connection cut)."""
    stream, length = request.environ.get("wsgi.input"), request.content_length
    if stream is None or length is None or length > at_most:
        return
    remaining = length
    while remaining > 0:
        chunk = stream.read(min(1 << 16, remaining))
        if not chunk:
            return
        remaining -= len(chunk)


def _unexpected(error):
    if isinstance(error, HTTPException):
        return error
    log.error("unhandled error, request id %s (%s %s)", request_id(), request.method,
              request.path, exc_info=error)
    return _reply(500, "Something went wrong on our side",
                  "The error was logged. Please report the request id below; reloading the "
                  "page usually works.")


def _headers(app, debug: bool, response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if not debug:
        headers.setdefault("Content-Security-Policy", content_security_policy(app))
    rid = request_id()
    if rid:
        headers["X-Request-ID"] = rid
    return response


def content_security_policy(app) -> str:
    """The CSP header: Dash's inline scripts (renderer, clientside callbacks) by hash."""
    hashes = getattr(app, "_pce_csp_hashes", None)
    if hashes is None or app._inline_scripts_seen != len(app._inline_scripts):
        hashes = " ".join(app.csp_hashes())
        app._pce_csp_hashes, app._inline_scripts_seen = hashes, len(app._inline_scripts)
    return CSP.format(hashes=hashes)


@functools.cache
def app_version() -> str:
    """Version of the installed package, else the one in pyproject.toml."""
    try:
        return importlib.metadata.version("pain-cohort-explorer")
    except importlib.metadata.PackageNotFoundError:
        with open(REPO_ROOT / "pyproject.toml", "rb") as file:
            return tomllib.load(file)["project"]["version"]


def cache_reachable() -> bool:
    """Whether the result cache stores and returns a value (Redis up, folder writable)."""
    from app import services
    key, token = f"pce:healthz:{os.getpid()}", uuid.uuid4().hex
    try:
        services.cache.set(key, token, timeout=60)
        return services.cache.get(key) == token
    except Exception:  # any backend failure means "not reachable", the point of the probe
        log.exception("health check: cache not reachable")
        return False


def _healthz():
    from app import services
    try:
        cohorts = len(services.cohort_summaries())
    except Exception:  # a broken data folder is what the probe reports, not a 500
        log.exception("health check: listing cohorts failed")
        cohorts = None
    reachable = cache_reachable()
    ok = reachable and cohorts is not None
    body = {"status": "ok" if ok else "degraded", "version": app_version(),
            "cohorts": cohorts,
            "cache": {"backend": type(services.cache.cache).__name__, "reachable": reachable}}
    response = jsonify(body)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
