"""Every analysis view runs in the browser: no error alert, figures drawn, methods present."""

from __future__ import annotations

import re

import pytest
from conftest import (
    choose_view,
    dropdown_pick,
    error_alerts,
    methods_text,
    open_app,
    query_params,
    shot,
    wait_annotations,
    wait_param,
    wait_text,
    wait_traces,
    wait_view_settled,
)

pytestmark = pytest.mark.e2e

DEFAULT = "alshelh2022_clbp_subtypes"
FANTON = "fanton2022_fm_tspo"         # the only bundled cohort with a long (repeated) table


def _check_view(page, view: str, *, figures=(), contains: str | None = None) -> str:
    """Methods filled, `figures` drawn (with traces), no red alert; returns the results text."""
    wait_view_settled(page, view)
    assert error_alerts(page) == []
    methods = methods_text(page, view)
    assert "participants" in methods
    for graph_id in figures:
        assert wait_traces(page, graph_id) > 0, graph_id
    results = wait_text(page, f"#{view}-results" if view != "overview" else "#overview-table",
                        contains=contains)
    assert error_alerts(page) == []
    return results


def test_overview(page, app_url, page_errors):
    open_app(page, app_url, f"cohort={DEFAULT}")
    table = _check_view(page, "overview", contains="Subtype = axial")
    assert "Subtype = radicular" in table
    assert "Participants described by Subtype" in methods_text(page, "overview")
    # Another "by" factor re-renders the table (control -> URL -> recompute).
    dropdown_pick(page, "overview-by", ["sex"])
    wait_param(page, "overview.by", "sex")
    table = wait_text(page, "#overview-table", contains="Sex = female")
    assert "Sex = male" in table and "Subtype = axial" not in table
    assert "Participants described by Sex" in methods_text(page, "overview", contains="by Sex")
    shot(page, "04_view_overview")
    assert page_errors == []


def test_compare_two_factors_with_post_hoc(page, app_url, page_errors):
    open_app(page, app_url, f"cohort={FANTON}&view=compare&compare.outcome=cpm_score"
                            "&compare.factors=group&compare.test=auto&compare.posthoc=none")
    first = _check_view(page, "compare", figures=["compare-figure"], contains="Tests")
    assert "Post hoc comparisons" not in first
    dropdown_pick(page, "compare-factors", ["group", "tspo_binder"])
    wait_param(page, "compare.factors", "group,tspo_binder")
    page.select_option("#compare-test", "anova")
    page.select_option("#compare-posthoc", "tukey")
    wait_param(page, "compare.posthoc", "tukey")
    results = wait_text(page, "#compare-results", contains="Post hoc comparisons")
    # Two main effects and the interaction, and all 6 pairs of the 2 x 2 cells.
    for term in ("group", "tspo_binder", "group:tspo_binder"):
        assert re.search(rf"^{re.escape(term)}\t", results, re.MULTILINE), term
    posthoc = results.split("Post hoc comparisons", 1)[1]
    assert len(re.findall(r"^(HC|FM)/(HAB|MLAB)\t", posthoc, re.MULTILINE)) == 6
    methods = methods_text(page, "compare", contains="Tukey")
    assert "Two-way ANOVA" in methods
    assert wait_traces(page, "compare-figure") > 0
    assert wait_traces(page, "compare-interaction") > 0
    cells = page.inner_text("#compare-cell-counts")
    assert all(c in cells for c in ("HC / HAB", "HC / MLAB", "FM / HAB", "FM / MLAB"))
    assert error_alerts(page) == []
    shot(page, "04_view_compare_two_factors_tukey")
    assert page_errors == []


def test_correlate_pair_then_matrix(page, app_url, page_errors):
    open_app(page, app_url, f"cohort={DEFAULT}&view=correlate&correlate.mode=pair")
    pair = _check_view(page, "correlate", figures=["correlate-figure"], contains="Correlations")
    methods_pair = methods_text(page, "correlate")
    shot(page, "04_view_correlate_pair")
    page.select_option("#correlate-mode", "matrix")
    wait_param(page, "correlate.mode", "matrix")
    matrix = wait_text(page, "#correlate-results", not_equal=pair)
    methods_text(page, "correlate", not_equal=methods_pair)
    page.wait_for_function(
        """() => { const p = document.querySelector('#correlate-figure .js-plotly-plot');
                   return p && p.data && p.data.some(t => t.type === 'heatmap'); }""")
    columns = query_params(page)["correlate.columns"].split(",")
    # One row per pair of the matrix's variables.
    n_rows = len(page.locator("#correlate-results tbody tr").all())
    assert n_rows == len(columns) * (len(columns) - 1) // 2, matrix
    assert error_alerts(page) == []
    shot(page, "04_view_correlate_matrix")
    assert page_errors == []


def test_mediate_with_1000_resamples(page, app_url, page_errors):
    open_app(page, app_url, f"cohort={DEFAULT}&view=mediate")
    _check_view(page, "mediate", figures=["mediate-boot-figure"], contains="Paths")
    page.select_option("#mediate-n-boot", "1000")
    wait_param(page, "mediate.n_boot", "1000")
    methods = methods_text(page, "mediate", contains="1000")
    assert "bootstrap" in methods.lower()
    results = _check_view(page, "mediate", figures=["mediate-boot-figure"], contains="Paths")
    # The path diagram is drawn with annotations (X, M, Y boxes and the paths), no traces.
    diagram = " ".join(wait_annotations(page, "mediate-diagram"))
    assert all(key in diagram for key in ("<b>X</b>", "<b>M</b>", "<b>Y</b>", "indirect"))
    # Plotly decodes the (base64 typed-array) data into _fullData.
    boot = page.evaluate("() => document.querySelector('#mediate-boot-figure .js-plotly-plot')"
                         "._fullData.map(t => t._length || 0)")
    assert max(boot) == 1000, boot            # the histogram shows the 1000 resamples
    shot(page, "04_view_mediate_1000")
    # The indirect effect and its bootstrap CI (the result of a mediation) belong in the
    # results table too, not only inside the figure (not readable by a screen reader, not
    # copyable).
    indirect = [row for row in results.splitlines() if row.startswith("indirect")]
    assert indirect, results
    assert page_errors == []


def test_repeated_measures_on_the_long_table(page, app_url, page_errors):
    open_app(page, app_url, f"cohort={DEFAULT}")
    labels = page.locator("#view-nav label").all_inner_texts()
    assert "Repeated measures" not in labels      # no long table in this cohort
    open_app(page, app_url, f"cohort={FANTON}")
    choose_view(page, "repeated")
    results = _check_view(page, "repeated", figures=["repeated-figure"], contains="Fixed effects")
    methods = methods_text(page, "repeated")
    assert "mixed" in methods.lower()
    assert query_params(page)["repeated.table"] == "p30_ratings"
    assert results.count("\n") >= 3
    shot(page, "04_view_repeated")
    assert page_errors == []


def _rows(page, container: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{container} tbody tr",
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")


def test_paper_findings_and_open_one(page, app_url, page_errors):
    open_app(page, app_url, f"cohort={FANTON}")
    choose_view(page, "paper")
    wait_view_settled(page, "paper")
    assert error_alerts(page) == []
    methods = methods_text(page, "paper")
    assert "findings reproduced" in methods
    rows = _rows(page, "#paper-results")
    assert len(rows) > 0
    statuses = {row[3] for row in rows}
    assert statuses <= {"✓ reproduced", "✗ differs", "not reproducible", "refused"}
    assert "✓ reproduced" in statuses
    assert error_alerts(page) == []
    shot(page, "04_view_paper")

    # "open" shows the finding in its view, where the recomputed statistic and p appear.
    index = next(i for i, row in enumerate(rows) if row[3] == "✓ reproduced" and row[4] == "open"
                 and re.fullmatch(r"-?[\d.]+, p = [<\s\d.]+", row[2]))
    value, p_text = rows[index][2].split(", p = ")
    page.locator("#paper-results tbody tr").nth(index).get_by_text("open").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('view') !== 'paper'")
    view = query_params(page)["view"]
    methods_text(page, view)
    wait_text(page, f"#{view}-results", contains=value)
    shown = _rows(page, f"#{view}-results")
    assert any(value in row and p_text in row for row in shown), (rows[index], shown)
    assert error_alerts(page) == []
    shot(page, "04_view_paper_opened_finding")
    assert page_errors == []


def test_brain_view_all_regions_then_voxelwise_map(page, app_url, page_errors):
    open_app(page, app_url, f"cohort={DEFAULT}")
    choose_view(page, "brain")
    results = _check_view(page, "brain", figures=["brain-figure"], contains="p (FDR)")
    assert "s1_cluster_suvr" in results
    shot(page, "04_view_brain_regions")
    # The voxelwise map of the subgroup: radicular > axial peaks in S1 (Alshelh 2022, Fig. 2).
    open_app(page, app_url, f"cohort={DEFAULT}&view=brain&brain.mode=voxelwise"
                            "&brain.effect=pain_subtype&brain.covariates=protocol")
    results = _check_view(page, "brain", figures=["brain-figure"], contains="Postcentral")
    assert "peak" in results.lower()
    shot(page, "04_view_brain_voxelwise")
    # FWE correction runs as a background job (Dash background callback + progress)
    page.click("#brain-fwe-run")
    page.locator("#brain-fwe-result p").first.wait_for(timeout=120_000)
    assert "Freedman-Lane permutations" in page.inner_text("#brain-fwe-result")
    shot(page, "04_view_brain_fwe")
    assert page_errors == []
