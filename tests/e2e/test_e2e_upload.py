"""Own cohorts in the browser: the upload dialog refuses a malformed cohort with its
problems, adds a valid zip, and the link opens the new cohort (listed in the picker).

The app runs with its own empty PCE_UPLOAD_DIR, so the other e2e tests never see uploads.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DASH_TIMEOUT, running_app, shot, wait_text

pytestmark = pytest.mark.e2e

UPLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"


@pytest.fixture(scope="module")
def upload_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads")
    with running_app(tmp_path_factory, PCE_WARM_CACHE="0", PCE_UPLOAD_DIR=str(folder)) as url:
        yield url, folder


def test_upload_refused_then_added_and_opened(page, page_errors, upload_app):
    url, folder = upload_app
    page.goto(url)
    page.wait_for_selector("#filter-n-selected", timeout=DASH_TIMEOUT)
    page.click("#upload-open")
    assert "20 MB" in wait_text(page, "#upload-limits", contains="Limits")
    drop = "#upload-files input[type=file]"
    page.set_input_files(drop, [
        {"name": "participants.tsv", "mimeType": "text/tab-separated-values",
         "buffer": (UPLOADS / "cases" / "level_outside.tsv").read_bytes()},
        {"name": "participants.json", "mimeType": "application/json",
         "buffer": (UPLOADS / "valid" / "participants.json").read_bytes()}])
    refused = wait_text(page, ".upload-refused", contains="problem")
    assert "participants.tsv line 7, column 'group': 'CRPS' is not one of the Levels" in refused
    assert list(folder.iterdir()) == []
    shot(page, "upload-refused")

    page.set_input_files(drop, [str(UPLOADS / "cases" / "valid_in_folder.zip")])
    assert "Cohort My study (n = 24) added" in wait_text(page, ".upload-added")
    [stored] = [p.name for p in folder.iterdir()]
    page.click(".upload-open-link")
    page.wait_for_selector(".cohort-name:has-text('My study')", timeout=DASH_TIMEOUT)
    assert f"cohort={stored}" in page.url
    options = page.eval_on_selector_all("#cohort-select option", "els => els.map(e => e.value)")
    assert stored in options
    wait_text(page, "#overview-methods")
    shot(page, "upload-opened")
    assert page_errors == []
