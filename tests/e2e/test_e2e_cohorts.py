"""Opening the app and switching cohorts (issue: pick a cohort)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    error_alerts,
    methods_text,
    n_selected,
    open_app,
    query_params,
    shot,
    wait_n_selected,
)

pytestmark = pytest.mark.e2e

COHORTS = Path(__file__).resolve().parents[2] / "data" / "cohorts"


def _expected(cohort_id: str) -> dict:
    """Name, citation and n read straight from the cohort folder (not through the app)."""
    folder = COHORTS / cohort_id
    description = json.loads((folder / "dataset_description.json").read_text())
    n = len(pd.read_csv(folder / "participants.tsv", sep="\t"))
    return {"name": description["Name"], "citation": description["Citation"], "n": n,
            "simulated": bool(description.get("Simulated", False))}


COHORT_IDS = sorted(p.name for p in COHORTS.iterdir() if (p / "participants.tsv").exists())


def test_default_cohort_loads_with_badges(page, app_url, page_errors):
    open_app(page, app_url)
    params = query_params(page)
    # The bare URL is rewritten to the canonical link of the first cohort.
    assert params["cohort"] == COHORT_IDS[0]
    assert params["view"] == "overview"
    expected = _expected(COHORT_IDS[0])
    badge = page.locator("#filter-n-selected")
    assert badge.is_visible()
    assert badge.inner_text().strip() == f"{expected['n']} selected of {expected['n']}"
    assert page.locator(".cohort-name").inner_text().strip() == expected["name"]
    simulated = page.locator(".cohort-card .simulated-badge")
    assert expected["simulated"], "every bundled cohort is simulated"
    assert simulated.is_visible()
    assert "Simulated from published summary statistics" in simulated.inner_text()
    # The default view computed something for the whole cohort.
    text = methods_text(page, "overview")
    assert f"{expected['n']} of {expected['n']} participants" in text
    assert page.locator("#overview-table table").count() == 1
    assert error_alerts(page) == []
    shot(page, "01_default_cohort")
    assert page_errors == []


def test_each_bundled_cohort_via_the_select(page, app_url, page_errors):
    assert len(COHORT_IDS) == 5
    open_app(page, app_url)
    options = page.eval_on_selector_all("#cohort-select option", "els => els.map(e => e.value)")
    assert set(COHORT_IDS) <= set(options)
    # Visit in an order that starts away from the default cohort.
    for cohort_id in COHORT_IDS[1:] + COHORT_IDS[:1]:
        expected = _expected(cohort_id)
        page.select_option("#cohort-select", cohort_id)
        page.wait_for_function(
            "name => { const el = document.querySelector('.cohort-name');"
            " return el && el.innerText.trim() === name; }", arg=expected["name"])
        wait_n_selected(page, expected["n"])
        assert n_selected(page) == (expected["n"], expected["n"])
        card = page.locator(".cohort-card").inner_text()
        assert f"n = {expected['n']}" in card
        assert page.locator(".cohort-citation").inner_text().strip() == expected["citation"]
        assert page.locator(".cohort-card .simulated-badge").is_visible()
        assert query_params(page)["cohort"] == cohort_id
        assert page.locator("#cohort-select").input_value() == cohort_id
        methods = methods_text(page, "overview", contains=f"of {expected['n']} participants")
        assert f"{expected['n']} of {expected['n']} participants" in methods
        assert error_alerts(page) == []
        shot(page, f"02_cohort_{cohort_id}")
    assert page_errors == []
