"""Callbacks called directly, as Dash would call them (no browser)."""

from __future__ import annotations

from dataclasses import replace

import plotly.graph_objects as go
import pytest
from dash.exceptions import PreventUpdate

from analysis.subgroups import Subgroup
from app import services
from app.callbacks import export, filters, more_views, navigation, views
from app.specs import CompareSpec, CorrelateSpec, MediateSpec


def _text(component) -> str:
    """All text inside a Dash component tree."""
    if component is None or isinstance(component, (int, float)):
        return "" if component is None else str(component)
    if isinstance(component, str):
        return component
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _query(view: str, **specs) -> str:
    state, _ = services.decode("")
    state = replace(state, view=view)
    for spec in specs.values():
        state = state.with_spec(spec)
    return state.to_query()


def test_render_page_builds_page_and_canonical_link(configured):
    body, _notices, rendered, search = navigation.render_page("?cohort=demo&view=compare", None)
    assert rendered == search.lstrip("?")
    assert "view=compare" in rendered
    assert "Demo cohort" in _text(body)
    assert "56 selected of 56" in _text(body)


def test_render_page_skips_when_link_is_the_rendered_one(configured):
    _, _, rendered, _ = navigation.render_page("", None)
    with pytest.raises(PreventUpdate):
        navigation.render_page("?" + rendered, rendered)


def test_render_page_shows_notice_for_malformed_link(configured):
    _, notices, rendered, _ = navigation.render_page("?view=nope&compare.outcome=zzz", None)
    assert "nope" in _text(notices) and "zzz" in _text(notices)
    assert "view=overview" in rendered


def test_sync_url_writes_filters_and_specs_into_link(configured):
    _, _, rendered, _ = navigation.render_page("", None)
    filters_ = {"level_ids": [{"column": "group"}, {"column": "binder"}],
                    "level_values": [["FM"], ["HAB", "MLAB"]],
                    "low_ids": [{"column": "age"}], "lows": [30], "high_ids": [{"column": "age"}],
                    "highs": [None], "missing": "drop"}
    controls = {"compare": {"outcome": "glu", "factors": ["binder"], "test": "welch",
                            "ss_type": "2"}}
    _search, stored, _ = navigation.sync_url("compare", filters_, controls, rendered)
    state, notices = services.decode(stored)
    assert notices == []
    assert state.view == "compare"
    assert state.subgroup.include == {"group": ("FM",)}
    assert state.subgroup.ranges["age"][0] == 30
    assert state.spec("compare").outcome == "glu" and state.spec("compare").ss_type == 2


def test_level_counts_follow_the_other_filters(configured):
    rendered = _query("overview")
    state, _ = services.decode(rendered)
    narrowed = replace(state, subgroup=Subgroup(include={"group": ("FM",)})).to_query()
    options, n_text = filters.update_counts(narrowed, [{"column": "group"}, {"column": "binder"}])
    group_labels = [o["label"] for o in options[0]]
    binder_labels = [o["label"] for o in options[1]]
    assert group_labels == ["HC (22)", "FM (34)"]       # other filters only: all groups shown
    assert binder_labels == ["HAB (20)", "MLAB (14)"]   # within FM
    assert n_text == "34 selected of 56"


def test_compare_view_returns_figures_tables_and_methods(configured):
    rendered = _query("compare", c=CompareSpec(outcome="pain", factors=("group", "binder"),
                                               posthoc="tukey"))
    fig, interaction, tables, methods, _counts, _control, _region = views.update_compare(rendered)
    assert isinstance(fig, go.Figure) and len(fig.data) >= 2
    assert len(interaction.data) == 2
    text = _text(tables)
    assert "group:binder" in text or "group × binder" in text or "binder:group" in text
    assert "56 of 56 participants" in _text(methods)
    assert "Simulated" in _text(methods) or "simulated" in _text(methods)


def test_compare_view_refuses_tiny_cells_with_message_and_keeps_counts(configured):
    state, _ = services.decode(_query("compare", c=CompareSpec(outcome="pain",
                                                                factors=("group", "binder"))))
    tiny = replace(state, subgroup=Subgroup(ranges={"age": (25, 28)})).to_query()
    _fig, _interaction, tables, _methods, counts, _control, _region = views.update_compare(tiny)
    assert "cannot be run" in _text(tables)
    assert "n" in _text(counts)


def test_views_skip_work_when_not_on_screen(configured):
    with pytest.raises(PreventUpdate):
        views.update_compare(_query("overview"))


def test_correlate_view_pair_and_matrix(configured):
    pair = _query("correlate", k=CorrelateSpec(x="pain", y="gaba", by=("group",),
                                               method="pearson"))
    fig, tables, methods, _region = views.update_correlate(pair)
    assert "all" in _text(tables) and "FM" in _text(tables)
    assert "Pearson" in _text(methods)
    assert {trace.mode for trace in fig.data} == {"markers", "lines"}
    matrix = _query("correlate", k=CorrelateSpec(mode="matrix", columns=("pain", "glu", "gaba")))
    fig, tables, _methods, _region = views.update_correlate(matrix)
    assert fig.data[0].type == "heatmap"


def test_mediate_view_is_reproducible_with_seed(configured):
    rendered = _query("mediate", m=MediateSpec(x="pain", m="gaba", y="glu", n_boot=1000, seed=3))
    first = views.update_mediate(rendered)
    services.cache.clear()
    second = views.update_mediate(rendered)
    assert _text(first[2]) == _text(second[2])
    assert "1,000 resamples" in first[1].layout.title.text


def test_repeated_view_fits_mixed_model(configured):
    fig, tables, _methods = more_views.update_repeated(_query("repeated"))
    assert "cue_color" in _text(tables)
    assert len(fig.data) == 2


def test_export_returns_csv(configured):
    rendered = _query("compare", c=CompareSpec(outcome="pain", factors=("group",)))
    download = export.export_csv("compare")(1, rendered)
    assert download["filename"] == "demo_compare.csv"
    assert "statistic" in download["content"]


def test_mediate_table_and_csv_carry_the_indirect_effect(configured):
    rendered = _query("mediate", m=MediateSpec(x="pain", m="gaba", y="glu", n_boot=1000))
    _, _, tables, _ = views.update_mediate(rendered)
    assert "indirect" in _text(tables)
    download = export.export_csv("mediate")(1, rendered)
    assert "indirect" in download["content"]


def test_copy_link_is_a_focusable_button(configured):
    from app.ids import Page
    from app.layout import shell

    def find(component):
        if getattr(component, "id", None) == Page.COPY_LINK:
            return component
        for child in (getattr(component, "children", None) or []) if isinstance(
                getattr(component, "children", None), list) else [getattr(component,
                                                                          "children", None)]:
            if child is not None and not isinstance(child, str):
                hit = find(child)
                if hit is not None:
                    return hit
        return None

    assert type(find(shell())).__name__ == "Button"


def test_forged_control_values_of_the_wrong_type_are_harmless(configured):
    """Types a browser never sends (found by the fuzz test) give the default page or are
    ignored, instead of a logged traceback."""
    body, _, rendered, _ = navigation.render_page(5, None)
    assert "view=overview" in rendered and "Demo cohort" in _text(body)
    filters_ = dict(level_ids=[{"column": "group"}], level_values=[5], low_ids=[], lows=[],
                    high_ids=[], highs=[], missing="drop")
    search, stored, _ = navigation.sync_url("overview", filters_, {}, rendered)
    assert "f.group=" in stored          # no level ticked: an empty selection, no exception
