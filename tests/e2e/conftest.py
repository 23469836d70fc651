"""Browser end-to-end fixtures: the real app in a subprocess, Debian's Chromium headless.

Playwright cannot download its own browser here, so the tests drive /usr/bin/chromium.
Without a browser the tests are skipped, except in CI (PCE_REQUIRE_BROWSER=1), where a
missing browser is a failure.
"""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Start ``python -m app`` on a free port and wait until it answers."""
    port = _free_port()
    env = {**os.environ, "PCE_PORT": str(port), "PCE_HOST": "127.0.0.1",
           "PCE_CACHE_TYPE": "SimpleCache"}
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
    yield url
    process.terminate()
    process.wait(timeout=10)


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
