"""Subgroup filters recompute the open analysis (issue: filter subgroups, recompute)."""

from __future__ import annotations

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
    wait_param,
    wait_text,
)

pytestmark = pytest.mark.e2e

COHORT = "alshelh2022_clbp_subtypes"
PARTICIPANTS = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "cohorts" / COHORT
                           / "participants.tsv", sep="\t")


def _checkbox(page, column: str, level: str):
    return page.locator(f"input[type=checkbox][name*='\"column\":\"{column}\"'][value='{level}']")


def test_untick_a_level_changes_n_and_the_comparison(page, app_url, page_errors):
    open_app(page, app_url, f"cohort={COHORT}&view=compare")
    total = len(PARTICIPANTS)
    before = methods_text(page, "compare", contains=f"{total} of {total} participants")
    results_before = wait_text(page, "#compare-results")
    n_female = int((PARTICIPANTS["sex"] == "female").sum())
    # The checklist label shows the live count of the level.
    female_label = page.locator("label", has=_checkbox(page, "sex", "female"))
    assert female_label.inner_text().strip() == f"female ({n_female})"

    _checkbox(page, "sex", "male").uncheck()
    wait_n_selected(page, n_female)
    assert n_selected(page) == (n_female, total)
    wait_param(page, "f.sex", "female")
    after = methods_text(page, "compare", contains=f"{n_female} of {total} participants")
    assert "subgroup: Sex = female" in after
    results_after = wait_text(page, "#compare-results", not_equal=results_before)
    assert results_after != results_before
    # Counts of the other factors are recomputed under the new filter.
    for level in ("axial", "radicular"):
        n = int(((PARTICIPANTS["sex"] == "female") & (PARTICIPANTS["pain_subtype"] == level)).sum())
        label = page.locator("label", has=_checkbox(page, "pain_subtype", level))
        page.wait_for_function("([el, t]) => el.innerText.trim() === t",
                               arg=[label.element_handle(), f"{level} ({n})"])
    assert before != after
    assert error_alerts(page) == []
    shot(page, "03_filter_sex_female_compare")
    assert page_errors == []


def test_range_filter_and_reset(page, app_url, page_errors):
    open_app(page, app_url, f"cohort={COHORT}&view=overview")
    total = len(PARTICIPANTS)
    methods_text(page, "overview", contains=f"{total} of {total} participants")
    low = float(PARTICIPANTS["age"].median())
    expected = int((PARTICIPANTS["age"] >= low).sum())     # missing ages are dropped
    box = page.locator("input[id*='\"column\":\"age\"'][id*='filter-range-low']")
    box.fill(f"{low:g}")
    box.press("Enter")
    wait_n_selected(page, expected)
    assert query_params(page)["r.age"].startswith(f"{low:g}..")
    methods_text(page, "overview", contains=f"{expected} of {total} participants")
    shot(page, "03_filter_age_range")

    page.click("#filter-reset")
    wait_n_selected(page, total)
    page.wait_for_function("() => !new URLSearchParams(location.search).has('r.age')")
    assert box.input_value() == ""
    methods_text(page, "overview", contains=f"{total} of {total} participants")
    assert error_alerts(page) == []
    assert page_errors == []
