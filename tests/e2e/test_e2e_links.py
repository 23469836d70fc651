"""Shared links reproduce the view; bad links open with a notice (issue: share the link)."""

from __future__ import annotations

import re

import pytest
from conftest import (
    error_alerts,
    methods_text,
    n_selected,
    open_app,
    query_params,
    shot,
    wait_annotations,
    wait_n_selected,
    wait_param,
    wait_text,
    wait_view_settled,
)

pytestmark = pytest.mark.e2e

COHORT = "alshelh2022_clbp_subtypes"
SEED = "12345"


def _mediation_numbers(page) -> dict:
    """What a reader would copy from the mediation view: n, the CI sentence, the tables."""
    page.wait_for_function(
        """seed => { const p = document.querySelector('#mediate-boot-figure .js-plotly-plot');
                     return p && p.layout && p.layout.title &&
                            (p.layout.title.text || '').includes('seed ' + seed); }""",
        arg=SEED)
    diagram = wait_annotations(page, "mediate-diagram")
    ci_text = next(t for t in diagram if "CI" in t and "indirect" in t)
    return {"n": n_selected(page), "ci": ci_text,
            "results": wait_text(page, "#mediate-results"),
            "methods": methods_text(page, "mediate", contains=f"seed {SEED}")}


def test_share_link_reproduces_the_view_in_a_fresh_browser(browser, page, app_url,
                                                           page_errors):
    open_app(page, app_url, f"cohort={COHORT}&view=mediate")
    methods_text(page, "mediate")
    # A non-default state: a subgroup and a mediation spec with its own seed.
    page.locator("input[type=checkbox][name*='\"column\":\"sex\"'][value='male']").uncheck()
    wait_param(page, "f.sex", "female")
    page.select_option("#mediate-n-boot", "1000")
    wait_param(page, "mediate.n_boot", "1000")
    page.select_option("#mediate-ci", "percentile")
    wait_param(page, "mediate.ci", "percentile")
    seed = page.locator("#mediate-seed")
    seed.fill(SEED)
    seed.press("Enter")
    wait_param(page, "mediate.seed", SEED)
    shared = _mediation_numbers(page)
    assert "percentile CI" in shared["ci"]
    assert shared["n"][0] < shared["n"][1]
    shot(page, "05_share_link_source")

    page.click("#copy-link")
    # Poll the clipboard (readText is async; the predicate keeps the last value read).
    page.wait_for_function(
        """url => { navigator.clipboard.readText().then(t => { window.__pceClip = t; });
                    return window.__pceClip === url; }""", arg=page.url)
    link = page.evaluate("window.__pceClip")
    assert link.startswith(app_url) and f"mediate.seed={SEED}" in link
    params = query_params(page)
    assert params["mediate.seed"] == SEED and params["f.sex"] == "female"

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        fresh = context.new_page()
        fresh_errors: list[str] = []
        fresh.on("pageerror", lambda error: fresh_errors.append(str(error)))
        fresh.goto(link)
        fresh.wait_for_selector("#filter-n-selected")
        wait_n_selected(fresh, shared["n"][0])
        assert fresh.locator("#panel-mediate").is_visible()
        assert fresh.locator("#mediate-seed").input_value() == SEED
        assert fresh.locator("#mediate-n-boot").input_value() == "1000"
        assert not fresh.locator("input[type=checkbox][name*='\"column\":\"sex\"']"
                                 "[value='male']").is_checked()
        reopened = _mediation_numbers(fresh)
        assert reopened == shared
        # The canonical link does not drift when it is opened again.
        assert query_params(fresh) == params
        assert error_alerts(fresh) == []
        shot(fresh, "05_share_link_reopened")
        assert fresh_errors == []
    finally:
        context.close()
    assert page_errors == []


BAD_LINKS = {
    "unknown_cohort": ("cohort=no_such_cohort&view=compare&compare.outcome=bpi",
                       "'no_such_cohort' is not available"),
    "stale_version": (f"cohort={COHORT}&v=0000deadbeef&view=overview",
                      "made on version 0000deadbeef"),
    "invalid_keys": ((f"cohort={COHORT}&view=nonsense&compare.test=magic&mediate.seed=-3"
                      "&mediate.n_boot=7&compare.outcome=no_column&f.sex=robot"
                      "&r.age=old..young&junk=1"), "Unknown view 'nonsense'"),
    "garbage": ("%%%&&==&cohort=&v=&view=", None),
    # Repeated measures is not offered for a cohort without a long table.
    "view_not_offered": (f"cohort={COHORT}&view=repeated", "repeated"),
}


@pytest.mark.parametrize("name", list(BAD_LINKS))
def test_bad_link_opens_with_a_notice(page, app_url, page_errors, name):
    query, expected = BAD_LINKS[name]
    response = page.goto(f"{app_url}/?{query}")
    assert response is not None and response.status == 200
    page.wait_for_selector("#filter-n-selected")
    # The page is usable: a cohort is shown with its n, and a view computed.
    total = n_selected(page)[1]
    assert total > 0
    params = query_params(page)
    view = params["view"]
    wait_view_settled(page, view)
    shot(page, f"06_bad_link_{name}")
    assert error_alerts(page) == []
    assert "Something went wrong" not in page.inner_text("body")
    if expected is not None:
        notice = wait_text(page, "#page-notices")
        assert expected.lower() in notice.lower()
        assert page.locator("#page-notices .alert").is_visible()
        assert "alert-danger" not in page.locator("#page-notices .alert").get_attribute("class")
    else:
        notice = page.inner_text("#page-notices")
    if name == "invalid_keys":
        for key in ("compare.test", "mediate.seed", "mediate.n_boot", "compare.outcome"):
            assert key in notice, key
        assert re.search(r"sex|robot", notice), notice
        assert re.search(r"age", notice), notice
        assert "junk" not in params
        assert params["compare.test"] != "magic"
    if name == "unknown_cohort":
        assert params["cohort"] != "no_such_cohort"
    if name == "view_not_offered":
        assert view != "repeated"
    if name == "stale_version":
        assert params["v"] != "0000deadbeef"
    methods_text(page, view)
    assert page_errors == []


def test_link_keeps_the_dunnett_control_level(page, app_url, page_errors):
    """A shared Dunnett comparison must reopen against the same control level."""
    query = ("cohort=fanton2022_fm_tspo&view=compare&compare.outcome=cpm_score"
             "&compare.factors=tspo_genotype&compare.covariates=&compare.test=anova"
             "&compare.posthoc=dunnett&compare.control=MAB")
    open_app(page, app_url, query)
    methods = methods_text(page, "compare", contains="Dunnett")
    results = wait_text(page, "#compare-results", contains="Post hoc comparisons")
    shot(page, "06_link_dunnett_control")
    assert query_params(page).get("compare.control") == "MAB"
    assert "against MAB" in methods
    posthoc = results.split("Post hoc comparisons", 1)[1].strip().splitlines()[1:]
    assert len(posthoc) == 2 and all("MAB" in row.split("\t")[:2] for row in posthoc), posthoc
    assert page_errors == []
