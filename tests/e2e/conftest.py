"""Browser end-to-end fixtures: the real app in a subprocess, Debian's Chromium headless.

Playwright cannot download its own browser here, so the tests drive /usr/bin/chromium.
Without a browser the tests are skipped, except in CI (PCE_REQUIRE_BROWSER=1), where a
missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-dev-shm-usage", "--no-first-run"]


def _chromium() -> str | None:
    return os.environ.get("PCE_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(tmp_path_factory, **env_overrides):
    """``python -m app`` on a free port (extra settings as env vars); yields its URL."""
    port = _free_port()
    env = {**os.environ, "PCE_PORT": str(port), "PCE_HOST": "127.0.0.1",
           "PCE_CACHE_TYPE": "SimpleCache", **env_overrides}
    log = (tmp_path_factory.mktemp("server") / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "app"], env=env, stdout=log,
                               stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[2])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"the app exited early; see {log.name}")
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("the app did not start within 60 s")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """The app on the bundled cohorts, shared by the session's browser tests."""
    with running_app(tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    if executable is None:
        if os.environ.get("PCE_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (PCE_REQUIRE_BROWSER=1) but was not found")
        pytest.skip("no Chromium on this machine; install Debian's chromium package")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True,
                                    args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- Helpers shared by the e2e tests -------------------------------------------------
# Dash renders everything through callbacks, so "ready" means: the content we expect is
# in the DOM. The helpers wait on that content (never on a fixed sleep).

DASH_TIMEOUT = 30_000     # ms; a cold cache on a busy 2-core machine can take a while

VIEW_LABELS = {"overview": "Overview", "compare": "Compare", "correlate": "Correlate",
               "mediate": "Mediate", "repeated": "Repeated measures", "brain": "Brain",
               "paper": "Paper"}
VIEW_RESULTS = {"overview": "overview-table", "compare": "compare-results",
                "correlate": "correlate-results", "mediate": "mediate-results",
                "repeated": "repeated-results", "brain": "brain-results",
                "paper": "paper-results"}


@pytest.fixture()
def page_errors(page):
    """JavaScript errors raised in `page` (uncaught exceptions and console errors)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}")
            if msg.type == "error" else None)
    return errors


def open_app(page, app_url: str, query: str = "") -> None:
    """Load the app at ``app_url/?query`` and wait until the page body is rendered."""
    page.goto(f"{app_url}/" + (f"?{query.lstrip('?')}" if query else ""))
    page.wait_for_selector("#filter-n-selected", timeout=DASH_TIMEOUT)


def wait_text(page, selector: str, *, contains: str | None = None,
              not_equal: str | None = None, timeout: int = DASH_TIMEOUT) -> str:
    """Wait until `selector` has non-blank text (containing `contains`, differing from
    `not_equal`) and return it."""
    page.wait_for_function(
        """([sel, contains, notEqual]) => {
             const el = document.querySelector(sel);
             if (!el) return false;
             const text = el.innerText.trim();
             return text.length > 0 && (contains === null || text.includes(contains))
                    && (notEqual === null || text !== notEqual);
           }""", arg=[selector, contains, not_equal], timeout=timeout)
    return page.inner_text(selector).strip()


def methods_text(page, view: str, **kwargs) -> str:
    """The Methods paragraph of `view`, once the view's callback has filled it."""
    return wait_text(page, f"#{view}-methods", **kwargs)


def wait_view_settled(page, view: str, timeout: int = DASH_TIMEOUT) -> None:
    """Wait until `view` has either filled its Methods paragraph or shown a red alert
    (a refused analysis or a failed callback), whichever comes first."""
    page.wait_for_function(
        """view => { const m = document.querySelector('#' + view + '-methods');
                     const panel = document.querySelector('#panel-' + view);
                     return (m && m.innerText.trim().length > 0)
                            || (panel && panel.querySelector('.analysis-error, .alert-danger'))
                            || document.querySelector('#page-notices .alert-danger'); }""",
        arg=view, timeout=timeout)


def n_selected(page) -> tuple[int, int]:
    """(n selected, N) read from the "n selected of N" badge."""
    text = page.inner_text("#filter-n-selected")
    selected, _, total = text.partition(" selected of ")
    return int(selected), int(total)


def wait_n_selected(page, n: int, timeout: int = DASH_TIMEOUT) -> None:
    page.wait_for_function(
        "n => { const el = document.querySelector('#filter-n-selected');"
        " return el && el.innerText.trim().startsWith(n + ' selected of'); }",
        arg=n, timeout=timeout)


def choose_view(page, view: str) -> None:
    """Click the view button and wait until its panel is the visible one."""
    page.locator("#view-nav label", has_text=VIEW_LABELS[view]).click()
    page.wait_for_selector(f"#panel-{view}:not([hidden])", timeout=DASH_TIMEOUT)
    page.wait_for_function("v => new URLSearchParams(location.search).get('view') === v",
                           arg=view, timeout=DASH_TIMEOUT)


def trace_count(page, graph_id: str) -> int:
    """Number of Plotly traces drawn in the dcc.Graph `graph_id` (0 while empty)."""
    return page.evaluate(
        """id => { const plot = document.querySelector('#' + CSS.escape(id) + ' .js-plotly-plot');
                   return plot && plot.data ? plot.data.length : 0; }""", graph_id)


def wait_traces(page, graph_id: str, timeout: int = DASH_TIMEOUT) -> int:
    """Wait until the dcc.Graph `graph_id` draws at least one trace; return the count."""
    page.wait_for_function(
        """id => { const plot = document.querySelector('#' + CSS.escape(id) + ' .js-plotly-plot');
                   return plot && plot.data && plot.data.length > 0; }""",
        arg=graph_id, timeout=timeout)
    return trace_count(page, graph_id)


def wait_annotations(page, graph_id: str, timeout: int = DASH_TIMEOUT) -> list[str]:
    """Wait until the figure `graph_id` carries text annotations (diagram-only figures such
    as the mediation path diagram have no traces); return their texts."""
    page.wait_for_function(
        """id => { const plot = document.querySelector('#' + CSS.escape(id) + ' .js-plotly-plot');
                   return plot && plot.layout && (plot.layout.annotations || [])
                                  .some(a => (a.text || '').length > 0); }""",
        arg=graph_id, timeout=timeout)
    return page.evaluate(
        """id => document.querySelector('#' + CSS.escape(id) + ' .js-plotly-plot')
                 .layout.annotations.map(a => a.text || '')""", graph_id)


def error_alerts(page) -> list[str]:
    """Texts of the visible red alerts (refused analysis, callback failure, router error)."""
    return [a.inner_text() for a in page.locator(".alert-danger, .analysis-error").all()
            if a.is_visible()]


def query_params(page) -> dict[str, str]:
    """The current URL's query as a dict (the whole view state lives there)."""
    from urllib.parse import parse_qsl, urlsplit
    return dict(parse_qsl(urlsplit(page.url).query, keep_blank_values=True))


def wait_param(page, key: str, value: str, timeout: int = DASH_TIMEOUT) -> None:
    """Wait until the address bar holds ``key=value`` (a control reached the URL)."""
    page.wait_for_function(
        "([k, v]) => new URLSearchParams(location.search).get(k) === v",
        arg=[key, value], timeout=timeout)


def dropdown_pick(page, dropdown_id: str, values: list[str]) -> None:
    """Make the dcc.Dropdown `dropdown_id` (Dash 4 popover) hold the option(s) `values`.

    Options already selected but not in `values` are clicked off (multi dropdowns). A
    single-value dropdown closes after a click, so the popover is reopened as needed.
    """
    popup = page.locator(".dash-dropdown-content[data-state=open]")

    def open_popup():
        if not popup.count():
            page.click(f"#{dropdown_id}")
        popup.wait_for(timeout=DASH_TIMEOUT)

    open_popup()
    state = {o.locator("input").get_attribute("value"): o.get_attribute("aria-selected") == "true"
             for o in popup.locator("[role=option]").all()}
    missing = set(values) - set(state)
    assert not missing, f"{dropdown_id} has no option(s) {sorted(missing)}"
    for value, selected in state.items():
        if (value in values) != selected:
            open_popup()
            popup.locator(f"[role=option]:has(input[value='{value}'])").click()
    if popup.count():
        page.keyboard.press("Escape")
