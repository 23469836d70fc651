"""Upload callbacks called directly with what dcc.Upload sends (data URLs), and the privacy
of uploaded cohorts in app.services (listed and loadable only when logged in, or when access
control is off)."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask

from analysis.cohort import list_cohorts
from analysis.errors import CohortError
from app import auth, services
from app.callbacks import navigation
from app.callbacks import upload as upload_callbacks
from app.settings import Settings

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "uploads" / "valid"
CASES = VALID.parent / "cases"


def _text(component) -> str:
    if component is None or isinstance(component, (int, float)):
        return "" if component is None else str(component)
    if isinstance(component, str):
        return component
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _links(component) -> list[str]:
    found = [component.href] if getattr(component, "href", None) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found += _links(child)
    return found


def data_url(content: bytes, mime: str = "text/tab-separated-values") -> str:
    """What dcc.Upload puts in `contents` for one file (FileReader.readAsDataURL)."""
    return f"data:{mime};base64," + base64.b64encode(content).decode()


def valid_upload() -> tuple[list[str], list[str]]:
    files = sorted(p for p in VALID.rglob("*") if p.is_file())
    names = [f"my cohort/{p.relative_to(VALID).as_posix()}" for p in files]
    return [data_url(p.read_bytes()) for p in files], names


@pytest.fixture()
def uploads(tmp_path, configured):
    """Upload folder and limits configured as create_app would (1 MB, 20 files)."""
    root = tmp_path / "uploads"
    upload_callbacks.configure(Settings(upload_dir=root, max_upload_mb=1, max_upload_files=20))
    services.configure(configured, root)
    yield root
    services.configure(configured)


def test_valid_files_are_added_with_a_link_and_listed(uploads):
    contents, names = valid_upload()
    shown, cleared = upload_callbacks.receive(contents, names)
    assert cleared is None                      # the browser drops the base64 payload
    [summary] = list_cohorts(uploads)
    assert "Cohort my cohort (n = 24) added" in _text(shown)
    assert _links(shown) == [f"?cohort={summary.id}"]
    assert summary.id in [s.id for s in services.cohort_summaries()]
    body, notices, rendered, _ = navigation.render_page(f"?cohort={summary.id}", None)
    assert f"cohort={summary.id}" in rendered and "my cohort" in _text(body)
    assert _text(notices) == ""


def test_zip_is_added(uploads):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in VALID.rglob("*"):
            if path.is_file():
                archive.write(path, "Lab 7/" + path.relative_to(VALID).as_posix())
    shown, _ = upload_callbacks.receive([data_url(buffer.getvalue(), "application/zip")],
                                        ["lab7.zip"])
    assert "Cohort Lab 7 (n = 24) added" in _text(shown)
    assert len(list_cohorts(uploads)) == 1


def test_single_file_mode_string_contents(uploads):
    shown, _ = upload_callbacks.receive(data_url((CASES / "comma.tsv").read_bytes()),
                                        "participants.tsv")
    assert "participants.json: required file is missing" in _text(shown)
    assert "participants.tsv line 1: looks comma-separated" in _text(shown)


def test_malformed_upload_lists_problems_and_changes_nothing(uploads):
    contents, names = valid_upload()
    contents[names.index("my cohort/participants.tsv")] = data_url(
        (CASES / "level_outside.tsv").read_bytes())
    shown, _ = upload_callbacks.receive(contents, names)
    text = _text(shown)
    assert "The upload was not added: 1 problem to fix." in text
    assert "participants.tsv line 7, column 'group': 'CRPS' is not one of the Levels" in text
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_undecodable_payload_names_the_file(uploads):
    shown, _ = upload_callbacks.receive(["data:text/plain;base64,@@@not base64@@@",
                                         "data:text/plain,plain"], ["a.tsv", "b.json"])
    text = _text(shown)
    assert "a.tsv: the browser sent it in a form that could not be read" in text
    assert "b.json: the browser sent it in a form that could not be read" in text


def test_oversized_payload_refused_before_decoding(uploads, monkeypatch):
    monkeypatch.setattr(upload_callbacks.base64, "b64decode",
                        lambda *a, **k: pytest.fail("decoded an oversized upload"))
    big = "data:application/zip;base64," + "A" * (2 * 1_048_576)
    shown, _ = upload_callbacks.receive([big], ["big.zip"])
    assert "upload: about 1.5 MB received, over the limit of 1 MB." in _text(shown)


def test_nothing_sent_changes_nothing(uploads):
    assert upload_callbacks.receive(None, None) == (upload_callbacks.no_update,) * 2


def test_toggle_states_the_limits():
    upload_callbacks.configure(Settings(max_upload_mb=20, max_upload_files=20))
    is_open, limits = upload_callbacks.toggle(1, None, False)
    assert is_open is True and limits.startswith("Limits: 20 MB in total")
    assert upload_callbacks.toggle(1, 1, True)[0] is False


def test_unexpected_failure_shows_a_request_id(uploads, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(upload_callbacks, "receive_upload", broken)
    contents, names = valid_upload()
    shown, _ = upload_callbacks.receive(contents, names)
    assert "request id" in _text(shown) and "disk on fire" not in _text(shown)


# --- privacy ---------------------------------------------------------------------------------

@pytest.fixture()
def stored(uploads) -> str:
    contents, names = valid_upload()
    upload_callbacks.receive(contents, names)
    return list_cohorts(uploads)[0].id


@pytest.fixture()
def auth_server(tmp_path) -> Flask:
    """A Flask server with the real access control installed (app.auth)."""
    users = tmp_path / "users"
    users.write_text("alice:pbkdf2:sha256:1000$salt$" + "0" * 64 + "\n")
    server = Flask("auth-on")
    auth.install(server, Settings(auth_file=users, secret_key="s" * 32))
    return server


def test_uploads_hidden_from_anonymous_requests_when_access_control_is_on(stored,
                                                                          auth_server):
    with auth_server.test_request_context("/"):
        assert auth.current_user() is None
        ids = [s.id for s in services.cohort_summaries()]
        assert stored not in ids and "demo" in ids
        with pytest.raises(CohortError, match="log in to open uploaded cohorts"):
            services.load(stored)
        state, notices = services.decode(f"cohort={stored}")
        assert state.cohort != stored and stored in " ".join(notices)


def test_uploads_visible_to_logged_in_users(stored, auth_server, monkeypatch):
    monkeypatch.setattr(auth, "current_user", lambda: "alice")
    with auth_server.test_request_context("/"):
        assert stored in [s.id for s in services.cohort_summaries()]
        assert services.load(stored).id == stored


def test_uploads_visible_when_access_control_is_off(stored):
    with Flask("auth-off").test_request_context("/"):
        assert stored in [s.id for s in services.cohort_summaries()]
        assert services.load(stored).id == stored


def test_bundled_cohorts_unaffected_by_upload_folder(uploads):
    with Flask("auth-off").test_request_context("/"):
        assert [s.id for s in services.cohort_summaries()] == ["demo", "plain"]
