"""Access control: login for every route when ``PCE_AUTH_FILE`` is set, nothing otherwise.

``install(server, settings)`` adds Flask-Login sessions, ``/login`` and ``/logout`` and a
``before_request`` guard on every other route (Dash's internal endpoints, assets, downloads and
uploads included) except ``/healthz``. Passwords are checked by werkzeug (see app.auth_users);
this module holds no cryptography. Unauthenticated page requests are redirected to
``/login?next=<local path>``; everything else gets 401.

Failed logins cost ``FAILED_LOGIN_DELAY`` seconds and at most ``MAX_FAILURES`` per client IP
per ``FAILURE_WINDOW`` seconds are accepted (in memory, per worker process).
Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure with ``PCE_SECURE_COOKIES``) whose
signature expires ``SESSION_LIFETIME`` after login; the login form carries a per-session token,
so a cross-site POST (which SameSite=Lax sends without the cookie) cannot log anyone in.
"""

from __future__ import annotations

import hmac
import secrets
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlsplit

import flask_login
from flask import (
    Flask,
    current_app,
    has_app_context,
    has_request_context,
    jsonify,
    redirect,
    request,
    session,
)
from markupsafe import escape

from app.auth_users import User, UsersFileError, UserStore, main

EXTENSION = "pce_auth"
PUBLIC_PATHS = frozenset({"/login", "/healthz"})
NON_PAGE_PREFIXES = ("/_dash-", "/_reload-hash", "/_favicon.ico", "/assets/", "/static/")
FAILED_LOGIN_DELAY = 0.5
MAX_FAILURES = 10
FAILURE_WINDOW = 300.0
MIN_SECRET_KEY_LENGTH = 16
SESSION_LIFETIME = timedelta(hours=12)  # absolute: a login (or a copied cookie) ends after this
FORM_TOKEN = "form_token"
GENERIC_FAILURE = "Unknown user name or wrong password."

__all__ = ["AuthConfigError", "current_user", "install", "logout_item", "main"]


class AuthConfigError(RuntimeError):
    """Access control is asked for (``PCE_AUTH_FILE``) but cannot be set up safely."""


class _SessionUser(flask_login.UserMixin):
    def __init__(self, user: User):
        self.name = user.name
        self.id = f"{user.name}:{user.fingerprint}"


@dataclass
class _Failures:
    """Failed-login times per client IP (one worker's memory)."""

    times: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, ip: str, now: float) -> bool:
        with self.lock:
            recent = self.times[ip]
            while recent and recent[0] < now - FAILURE_WINDOW:
                recent.popleft()
            if not recent:
                del self.times[ip]
            return len(recent) >= MAX_FAILURES

    def record(self, ip: str, now: float) -> None:
        with self.lock:
            self.times[ip].append(now)


@dataclass
class _Auth:
    store: UserStore
    failures: _Failures = field(default_factory=_Failures)


def install(server: Flask, settings) -> None:
    """Turn access control on for ``server`` when ``settings.auth_file`` is set."""
    if not getattr(settings, "auth_file", None):
        return
    secret = getattr(settings, "secret_key", None) or ""
    if len(secret) < MIN_SECRET_KEY_LENGTH:
        raise AuthConfigError(
            f"PCE_AUTH_FILE is set, so PCE_SECRET_KEY must be a random string of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters (got {len(secret)}); create one with "
            "`python -c \"import secrets; print(secrets.token_hex(32))\"` and give every "
            "worker the same value.")
    try:
        auth = _Auth(UserStore(settings.auth_file))
    except UsersFileError as exc:
        raise AuthConfigError(str(exc)) from None
    server.secret_key = secret
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         SESSION_COOKIE_SECURE=bool(getattr(settings, "secure_cookies", False)),
                         PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME)
    server.extensions[EXTENSION] = auth
    manager = flask_login.LoginManager(server)
    manager.user_loader(lambda session_id: _load(auth, session_id))
    server.add_url_rule("/login", "pce_login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "pce_logout", _logout, methods=["GET", "POST"])
    server.before_request(_guard)


def _load(auth: _Auth, session_id: str) -> _SessionUser | None:
    user = auth.store.from_session_id(session_id)
    return _SessionUser(user) if user else None


def _auth() -> _Auth | None:
    if not has_request_context():
        return None
    return current_app.extensions.get(EXTENSION)


def enabled() -> bool:
    """Whether access control is on for the app of the current request."""
    return has_app_context() and EXTENSION in current_app.extensions


def current_user() -> str | None:
    """Name of the logged-in user; None when access control is off or nobody is logged in."""
    if _auth() is None or not flask_login.current_user.is_authenticated:
        return None
    return flask_login.current_user.name


def logout_item():
    """The navbar's "Log out" form (user name + button), or None when access control is off."""
    name = current_user()
    if name is None:
        return None
    from dash import html
    return html.Form([
        html.Span(name, className="text-white-50 small me-2"),
        html.Button("Log out", type="submit", className="btn btn-light btn-sm"),
    ], action="/logout", method="post", className="d-inline-flex align-items-center ms-2")


def _guard():
    if request.path in PUBLIC_PATHS or flask_login.current_user.is_authenticated:
        return None
    if _is_page_request():
        target = request.full_path.rstrip("?") if request.query_string else request.path
        return redirect(f"/login?next={quote(target, safe='/')}", code=302)
    response = jsonify(error="authentication required", login="/login")
    response.status_code = 401
    return response


def _is_page_request() -> bool:
    """A browser navigation to a page (not Dash's XHR, assets or other files)."""
    if request.method not in ("GET", "HEAD") or request.path.startswith(NON_PAGE_PREFIXES):
        return False
    return "text/html" in request.headers.get("Accept", "")


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else "/" (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


def _form_token_ok() -> bool:
    """The login form's token matches the session's (a cross-site POST carries no session)."""
    expected, sent = session.pop(FORM_TOKEN, None), request.form.get(FORM_TOKEN, "")
    return bool(expected) and hmac.compare_digest(expected, sent)


def _login():
    target = safe_next(request.values.get("next"))
    if flask_login.current_user.is_authenticated:
        return redirect(target, code=303)
    if request.method == "GET":
        return _page(target, "", status=200)
    if not _form_token_ok():
        return _page(target, "The login form expired; please log in again.", status=400)
    auth, ip, now = _auth(), request.remote_addr or "?", time.monotonic()
    if auth.failures.blocked(ip, now):
        return _page(target, f"Too many failed logins; try again in {FAILURE_WINDOW / 60:.0f} "
                     "minutes.", status=429)
    user = auth.store.verify(request.form.get("username", ""), request.form.get("password", ""))
    if user is None:
        auth.failures.record(ip, now)
        time.sleep(FAILED_LOGIN_DELAY)
        return _page(target, GENERIC_FAILURE, status=401)
    flask_login.login_user(_SessionUser(user))
    return redirect(target, code=303)


def _logout():
    if request.method == "POST":  # SameSite=Lax: a cross-site POST has no session to end
        flask_login.logout_user()
        return redirect("/login", code=303)
    return _page("/", "", status=200, logout=True)


def _page(target: str, message: str, *, status: int, logout: bool = False):
    alert = f'<p class="alert" role="alert">{escape(message)}</p>' if message else ""
    if logout:
        form = ('<form method="post" action="/logout"><h1>Log out</h1>'
                '<button type="submit">Log out</button></form>')
    else:
        session[FORM_TOKEN] = secrets.token_urlsafe(32)
        form = LOGIN_FORM.format(alert=alert, next=escape(target), token=session[FORM_TOKEN])
    response = current_app.make_response((PAGE.format(form=form), status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in - Pain Cohort Explorer</title><link rel="icon" href="data:,">
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; }}
main {{ max-width: 22rem; margin: 10vh auto; background: #fff; padding: 2rem;
       border-radius: .5rem; box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.3rem; margin-top: 0; }}
label {{ display: block; margin-top: 1rem; font-weight: 600; }}
input {{ width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }}
button {{ margin-top: 1.5rem; padding: .5rem 1.2rem; font-size: 1rem; }}
.alert {{ color: #842029; background: #f8d7da; padding: .5rem; border-radius: .25rem; }}
</style></head>
<body><main>{form}</main></body></html>
"""

LOGIN_FORM = """<form method="post" action="/login">
<h1>Pain Cohort Explorer</h1>{alert}
<input type="hidden" name="next" value="{next}">
<input type="hidden" name="form_token" value="{token}">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>"""


if __name__ == "__main__":
    sys.exit(main())
