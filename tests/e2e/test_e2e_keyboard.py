"""Keyboard access and labels: every control reachable with Tab and named for screen readers."""

from __future__ import annotations

import pytest
from conftest import methods_text, n_selected, open_app, shot, wait_n_selected

pytestmark = pytest.mark.e2e

COHORT = "alshelh2022_clbp_subtypes"
MAX_TABS = 40

FOCUSED = """() => { const e = document.activeElement;
  return {id: e.id, tag: e.tagName, type: e.type || '', name: e.name || '', value: e.value || '',
          outline: getComputedStyle(e).outlineStyle,
          label: e.labels && e.labels.length ? e.labels[0].innerText.trim() : ''}; }"""


def _tab_stops(page, until=None) -> list[dict]:
    """Press Tab from the top of the page; the focused element after each press."""
    page.locator("body").focus()
    stops = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
        if until and until(stops[-1]):
            break
    return stops


def test_tab_reaches_cohort_select_then_first_checklist(page, app_url, page_errors):
    open_app(page, app_url, f"cohort={COHORT}")
    methods_text(page, "overview")
    first_factor = page.locator("fieldset input[type=checkbox]").first
    first_name = first_factor.get_attribute("name")
    stops = _tab_stops(page, until=lambda s: s["type"] == "checkbox")
    ids = [s["id"] for s in stops]
    assert "cohort-select" in ids, stops
    checkbox = stops[-1]
    assert checkbox["type"] == "checkbox" and checkbox["name"] == first_name, stops
    assert ids.index("cohort-select") < len(stops) - 1
    assert checkbox["label"], "the checkbox is announced with its level and count"
    assert checkbox["outline"] != "none", "keyboard focus is visible"
    shot(page, "08_keyboard_first_checkbox_focused")

    # The checklist works from the keyboard: Space unticks the focused level.
    total = n_selected(page)[1]
    level_n = int(checkbox["label"].rsplit("(", 1)[1].rstrip(")"))
    page.keyboard.press("Space")
    wait_n_selected(page, total - level_n)
    assert page_errors == []


def test_copy_link_is_reachable_by_keyboard(page, app_url):
    open_app(page, app_url, f"cohort={COHORT}")
    methods_text(page, "overview")
    stops = _tab_stops(page, until=lambda s: s["id"] == "cohort-select")
    assert "copy-link" in [s["id"] for s in stops], (
        "Tab goes from the top of the page straight to " + stops[0]["id"]
        + "; the Copy link control in the navbar is not focusable")


NAMES = """() => {
  const named = el => {
    const by = el.getAttribute('aria-labelledby');
    const parts = [by && by.split(/\\s+/).map(i => document.getElementById(i)?.innerText || '').join(' '),
                   el.getAttribute('aria-label'),
                   el.labels && [...el.labels].map(l => l.innerText).join(' '),
                   el.tagName === 'BUTTON' && el.innerText, el.getAttribute('title')];
    return parts.some(p => p && p.trim());
  };
  const missing = [], dropdowns = [];
  const controls = document.querySelectorAll(
      '#page-content select, #page-content input, #page-content button, #page-content textarea');
  for (const el of controls) {
    if (el.closest('[aria-hidden=true]') || el.type === 'hidden') continue;
    if (el.classList.contains('dash-dropdown')) {       // Dash 4 dcc.Dropdown trigger
      const label = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (!label || !label.innerText.trim()) dropdowns.push(el.id);
      continue;
    }
    if (!named(el)) missing.push(el.tagName + '#' + el.id + ' ' + (el.name || el.type));
  }
  return {missing, dropdowns, count: controls.length};
}"""


def test_every_control_has_a_label(page, app_url):
    open_app(page, app_url, "cohort=fanton2022_fm_tspo")      # all six views, long table
    methods_text(page, "overview")
    report = page.evaluate(NAMES)
    assert report["count"] > 30                       # all panels are in the DOM
    assert report["missing"] == []
    assert report["dropdowns"] == []
    # The view buttons are a labelled radio group a screen reader can name.
    for label in ("Overview", "Compare", "Correlate", "Mediate", "Paper"):
        assert page.get_by_role("radio", name=label, exact=True).count() == 1, label
    assert page.get_by_role("combobox", name="Cohort", exact=True).count() == 1
