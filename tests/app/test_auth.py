"""Access control (app.auth): every route needs a login when PCE_AUTH_FILE is set, none when not.

Passwords are checked against werkzeug.security.check_password_hash (the independent
reference); the route list comes from the app's own url_map, so routes added later are covered.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import itsdangerous
import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from app import auth, create_app
from app.auth_users import UsersFileError, add_user, main
from app.settings import Settings

SECRET = "0123456789abcdef0123456789abcdef"
PASSWORD = "correct horse battery"
SAMPLE = {"path": "some/page", "filename": "style.css", "package_name": "dash",
          "fingerprinted_path": "dash_renderer/dash_renderer.min.js"}


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("auth") / "users"
    # pbkdf2 with few rounds keeps the tests fast; the add-user command uses werkzeug's default.
    password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
    path.write_text(f"# lab users\nalice:{password_hash}\n")
    return path


@pytest.fixture(scope="module")
def app_on(users_file, cohort_root):
    return create_app(Settings(data_dir=cohort_root, auth_file=users_file, secret_key=SECRET,
                               warm_cache=False))


@pytest.fixture(autouse=True)
def _fast_failures(monkeypatch):
    monkeypatch.setattr(auth, "FAILED_LOGIN_DELAY", 0.0)


def _login(client, user="alice", password=PASSWORD, next_="/"):
    page = client.get(f"/login?next={next_}").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"username": user, "password": password,
                                       "next": next_, "form_token": token})


def _requests(server):
    """(method, url) for every registered route, converters filled with sample values."""
    for rule in server.url_map.iter_rules():
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule.rule, method, rule.build({a: SAMPLE.get(a, "x") for a in rule.arguments})[1]


def test_every_route_needs_login(app_on):
    client = app_on.server.test_client()
    checked = 0
    for rule, method, url in _requests(app_on.server):
        for accept in ("text/html", "application/json"):
            response = client.open(url, method=method, headers={"Accept": accept}, json={})
            if rule in ("/login", "/healthz"):
                assert response.status_code == 200, rule
                continue
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login?next="), rule
                assert accept == "text/html" and method == "GET", rule
            else:
                assert response.status_code == 401, (rule, method, response.status_code)
            checked += 1
    assert checked >= 2 * 10  # Dash's routes, assets, static, the catch-all, /logout


def test_page_redirect_keeps_path_and_query(app_on):
    response = app_on.server.test_client().get("/?cohort=x&view=compare",
                                               headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/%3Fcohort%3Dx%26view%3Dcompare"


def test_dash_endpoints_answer_401_json(app_on):
    client = app_on.server.test_client()
    response = client.post("/_dash-update-component", json={"output": "x", "inputs": []},
                           headers={"Accept": "text/html"})
    assert response.status_code == 401 and response.get_json()["login"] == "/login"


def test_login_then_routes_succeed(app_on):
    client = app_on.server.test_client()
    response = _login(client, next_="/_dash-layout")
    assert response.status_code == 303 and response.headers["Location"] == "/_dash-layout"
    assert client.get("/").status_code == 200
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200 and "Log out" in layout.get_data(as_text=True)
    assert client.get("/_dash-dependencies").status_code == 200
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure


def test_wrong_password_and_unknown_user_look_the_same(app_on):
    client = app_on.server.test_client()
    wrong, unknown = _login(client, password="nope nope"), _login(client, user="mallory")
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        assert auth.GENERIC_FAILURE in response.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401


def test_post_without_form_token_is_refused(app_on):
    client = app_on.server.test_client()
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/_dash-layout").status_code == 401


def test_logout_ends_session(app_on):
    client = app_on.server.test_client()
    _login(client)
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/logout").status_code == 200  # GET only shows a button
    assert client.get("/_dash-layout").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/_dash-layout").status_code == 401


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/\\evil.com",
                                    "http:/evil.com", "evil.com", "/%0d%0aLocation:x"])
def test_no_open_redirect(app_on, target):
    response = _login(app_on.server.test_client(), next_=target)
    location = response.headers["Location"]
    assert response.status_code == 303
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location
    assert "\r" not in location and "\n" not in location


def test_failures_are_rate_limited_per_ip(app_on, monkeypatch):
    monkeypatch.setattr(auth, "MAX_FAILURES", 3)
    client = app_on.server.test_client()
    environ = {"REMOTE_ADDR": "10.9.9.9"}
    for _ in range(3):
        page = client.get("/login", environ_base=environ).get_data(as_text=True)
        token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": "alice", "password": "bad password",
                                    "form_token": token}, environ_base=environ)
    page = client.get("/login", environ_base=environ).get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    blocked = client.post("/login", data={"username": "alice", "password": PASSWORD,
                                          "form_token": token}, environ_base=environ)
    assert blocked.status_code == 429
    assert _login(app_on.server.test_client()).status_code == 303  # another IP is not blocked


def test_changed_password_ends_existing_sessions(tmp_path, cohort_root):
    users = tmp_path / "users"
    add_user(users, "bob", PASSWORD)
    app = create_app(Settings(data_dir=cohort_root, auth_file=users, secret_key=SECRET,
                              warm_cache=False))
    client = app.server.test_client()
    assert _login(client, user="bob").status_code == 303
    assert client.get("/_dash-layout").status_code == 200
    add_user(users, "bob", "a new password", replace=True)
    assert client.get("/_dash-layout").status_code == 401


def test_session_expires_after_lifetime(app_on, monkeypatch):
    client = app_on.server.test_client()
    _login(client)
    for _ in range(3):  # requests do not extend the session: the lifetime counts from login
        assert client.get("/_dash-layout").status_code == 200
    now = itsdangerous.timed.TimestampSigner.get_timestamp
    shift = int(auth.SESSION_LIFETIME.total_seconds())
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: now(self) + shift - 60)
    assert client.get("/_dash-layout").status_code == 200
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: now(self) + shift + 60)
    assert client.get("/_dash-layout").status_code == 401


def test_current_user(app_on):
    assert auth.current_user() is None  # no request
    client = app_on.server.test_client()
    with client:
        client.get("/login")
        assert auth.current_user() is None
    _login(client)
    with client:
        client.get("/_dash-layout")
        assert auth.current_user() == "alice"


def test_auth_off_changes_nothing(cohort_root):
    app = create_app(Settings(data_dir=cohort_root, warm_cache=False))
    client = app.server.test_client()
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200 and "Log out" not in layout.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # the Dash page itself, not a login form
    assert "password" not in client.get("/login").get_data(as_text=True)
    with client:
        client.get("/")
        assert auth.current_user() is None


@pytest.mark.parametrize("secret", [None, "short"])
def test_auth_on_without_secret_key_refuses_to_start(users_file, cohort_root, secret):
    with pytest.raises(auth.AuthConfigError, match="PCE_SECRET_KEY"):
        create_app(Settings(data_dir=cohort_root, auth_file=users_file, secret_key=secret,
                            warm_cache=False))


def test_missing_or_malformed_users_file_refuses_to_start(tmp_path, cohort_root):
    with pytest.raises(auth.AuthConfigError, match="cannot be read"):
        create_app(Settings(data_dir=cohort_root, auth_file=tmp_path / "nope", secret_key=SECRET))
    bad = tmp_path / "users"
    bad.write_text("alice:plaintext-password\n")
    with pytest.raises(auth.AuthConfigError, match="line 1") as info:
        create_app(Settings(data_dir=cohort_root, auth_file=bad, secret_key=SECRET))
    assert "plaintext-password" not in str(info.value)


def test_settings_from_env(monkeypatch, users_file):
    monkeypatch.setenv("PCE_AUTH_FILE", str(users_file))
    monkeypatch.setenv("PCE_SECRET_KEY", SECRET)
    monkeypatch.setenv("PCE_SECURE_COOKIES", "1")
    settings = Settings.from_env()
    assert (settings.auth_file, settings.secret_key, settings.secure_cookies) == (
        users_file, SECRET, True)
    assert SECRET not in repr(settings)
    for name in ("PCE_AUTH_FILE", "PCE_SECRET_KEY", "PCE_SECURE_COOKIES"):
        monkeypatch.delenv(name)
    assert Settings.from_env().auth_file is None


def test_secure_cookies(users_file, cohort_root):
    app = create_app(Settings(data_dir=cohort_root, auth_file=users_file, secret_key=SECRET,
                              secure_cookies=True, warm_cache=False))
    client = app.server.test_client()
    client.get("/login")
    assert client.get_cookie("session").secure


def test_add_user_command_writes_werkzeug_hash(tmp_path, monkeypatch, capsys):
    users = tmp_path / "deploy" / "users"
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["add-user", str(users), "carol"]) == 0
    text = users.read_text()
    name, _, password_hash = text.strip().partition(":")
    assert name == "carol" and PASSWORD not in text
    assert password_hash.startswith("scrypt:") and check_password_hash(password_hash, PASSWORD)
    assert not check_password_hash(password_hash, PASSWORD + "x")
    assert users.stat().st_mode & 0o077 == 0
    assert PASSWORD not in capsys.readouterr().err


def test_add_user_refuses_to_overwrite_silently(tmp_path, monkeypatch):
    users = tmp_path / "users"
    add_user(users, "dave", PASSWORD)
    add_user(users, "erin", PASSWORD)
    before = users.read_text()
    monkeypatch.setattr(sys, "stdin", io.StringIO("another password\n"))
    assert main(["add-user", str(users), "dave"]) == 1
    assert users.read_text() == before
    add_user(users, "dave", "another password", replace=True)
    lines = dict(line.split(":", 1) for line in users.read_text().splitlines())
    assert list(lines) == ["dave", "erin"]
    assert check_password_hash(lines["dave"], "another password")


@pytest.mark.parametrize("name, password, message", [
    ("bad:name", PASSWORD, "user name"), ("", PASSWORD, "user name"),
    ("frank", "short", "at least 8")])
def test_add_user_rejects_bad_input(tmp_path, name, password, message):
    with pytest.raises(UsersFileError, match=message):
        add_user(tmp_path / "users", name, password)
    assert not (tmp_path / "users").exists()
