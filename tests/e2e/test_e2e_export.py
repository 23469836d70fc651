""""Download CSV" delivers the table the page shows (issue: recompute and export)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from conftest import error_alerts, methods_text, open_app, shot, wait_text

pytestmark = pytest.mark.e2e

COHORT = "alshelh2022_clbp_subtypes"


def _download(page, view: str) -> tuple[str, str]:
    with page.expect_download() as info:
        page.click(f"#{view}-export")
    download = info.value
    assert download.failure() is None
    text = Path(download.path()).read_text(encoding="utf-8")
    return download.suggested_filename, text


def test_compare_csv_has_the_tests_and_cells(page, app_url, page_errors):
    open_app(page, app_url, f"cohort={COHORT}&view=compare&compare.posthoc=none")
    methods_text(page, "compare")
    shown = wait_text(page, "#compare-results", contains="Tests")
    name, text = _download(page, "compare")
    assert name == f"{COHORT}_compare.csv"
    header = next(csv.reader(io.StringIO(text)))
    assert "section" in header
    assert len(header) == len(set(header))
    frame = pd.read_csv(io.StringIO(text))
    assert set(frame["section"]) == {"tests", "cells"}
    # One cell row per level of the factor, with the n the page shows.
    cells = frame[frame["section"] == "cells"]
    assert sorted(cells["pain_subtype"]) == ["axial", "radicular"]
    assert {"n", "mean", "sd"} <= set(header)
    for n in cells["n"]:
        assert f"\t{int(n)}\t" in shown
    tests = frame[frame["section"] == "tests"]
    assert len(tests) >= 1
    assert error_alerts(page) == []
    shot(page, "07_download_compare")
    assert page_errors == []


def test_mediate_csv_has_the_paths_and_the_indirect_effect(page, app_url, page_errors):
    open_app(page, app_url, f"cohort={COHORT}&view=mediate&mediate.n_boot=1000")
    methods_text(page, "mediate", contains="1000")
    name, text = _download(page, "mediate")
    assert name == f"{COHORT}_mediate.csv"
    header = next(csv.reader(io.StringIO(text)))
    assert header[0] == "path"
    assert {"estimate", "se", "p", "ci_low", "ci_high"} <= set(header)
    frame = pd.read_csv(io.StringIO(text))
    assert {"a", "b", "c", "c_prime"} <= set(frame["path"])
    # The mediation's result is the indirect effect with its bootstrap CI: it must be in
    # the exported table, not only in the figure.
    assert "indirect" in set(frame["path"]), frame["path"].tolist()
    indirect = frame.set_index("path").loc["indirect"]
    assert indirect["ci_low"] < indirect["ci_high"]
    assert page_errors == []
