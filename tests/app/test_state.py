"""ViewState <-> URL: round trips, fallbacks with notices, version mismatch."""

from __future__ import annotations

from dataclasses import replace

from analysis.subgroups import Subgroup
from app import services
from app.specs import CompareSpec, MediateSpec


def test_view_state_round_trips_through_query(configured):
    state, notices = services.decode("")
    assert notices == []
    changed = replace(state, view="compare",
                      subgroup=Subgroup(include={"group": ("FM",)}, ranges={"age": (30.0, 50.5)}))
    changed = changed.with_spec(CompareSpec(outcome="glu", factors=("group", "binder"),
                                            covariates=("age",), test="ancova", ss_type=2,
                                            posthoc="tukey", alternative="two-sided"))
    changed = changed.with_spec(MediateSpec(x="pain", m="gaba", y="glu", n_boot=2000, seed=42,
                                            ci="percentile", all_orders=True))
    again, notices = services.decode(changed.to_query())
    assert notices == []
    assert again == changed
    assert again.to_query() == changed.to_query()


def test_query_keys_are_readable(configured):
    state, _ = services.decode("cohort=demo&view=compare&compare.outcome=glu&f.group=FM")
    query = state.to_query()
    assert "compare.outcome=glu" in query and "f.group=FM" in query and "view=compare" in query


def test_view_state_falls_back_on_unknown_cohort_with_notice(configured):
    state, notices = services.decode("cohort=nope&view=compare")
    assert state.cohort == "demo"
    assert any("nope" in n for n in notices)


def test_invalid_keys_fall_back_to_defaults_with_notices(configured):
    default, _ = services.decode("")
    state, notices = services.decode(
        "view=sideways&compare.outcome=no_such_column&compare.ss_type=7&mediate.seed=abc"
        "&compare.factors=pain&r.age=old..young&f.group=XX")
    assert state.view == "overview"
    assert state.spec("compare") == default.spec("compare")
    assert state.spec("mediate").seed == default.spec("mediate").seed
    text = " ".join(notices)
    for fragment in ("sideways", "no_such_column", "compare.ss_type", "mediate.seed",
                     "compare.factors"):
        assert fragment in text


def test_stale_version_opens_with_notice(configured):
    state, notices = services.decode("cohort=demo&v=000000000000&view=overview")
    assert state.version != "000000000000"
    assert any("version 000000000000" in n for n in notices)


def test_garbage_query_never_raises(configured):
    for query in ("%%%", "cohort=&&&=", "f.=,,,", "r.age=..", "compare.factors=" + "x," * 50,
                  "view=" + "a" * 5000, "mediate.n_boot=1e9&mediate.all_orders=maybe"):
        state, _ = services.decode(query)
        assert state.cohort == "demo"


def test_dunnett_control_must_be_a_level_of_the_factors(configured):
    state, notices = services.decode("compare.factors=group&compare.control=FM")
    assert state.spec("compare").control == "FM" and notices == []
    state, notices = services.decode("compare.factors=group,binder&compare.control=FM/HAB")
    assert state.spec("compare").control == "FM/HAB" and notices == []
    state, notices = services.decode("compare.factors=group&compare.control=NOPE")
    assert state.spec("compare").control is None
    assert any("compare.control='NOPE'" in n for n in notices)


def test_repeated_view_needs_a_long_table(configured):
    state, notices = services.decode("view=repeated")
    assert state.view == "repeated" and notices == []     # the demo cohort has one
    state, notices = services.decode("cohort=plain&view=repeated")
    assert state.cohort == "plain" and state.view == "overview"
    assert any("no repeated-measures table" in n for n in notices)
