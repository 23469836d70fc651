"""Subgroup filtering, counts and URL round trips.

Expected counts are computed independently with plain pandas boolean indexing on the
fixture cohort (tests/fixtures/mini_cohort), never hard-coded from the code under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.cohort import load_cohort
from analysis.errors import InvalidSpec, UnknownColumn
from analysis.subgroups import Subgroup, level_counts

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "mini_cohort"


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(FIXTURE)


def test_apply_filters_levels_and_inclusive_ranges(cohort):
    df = cohort.participants
    sub = Subgroup(include={"group": ["FM"]}, ranges={"age": (30, 50), "cpm": (None, 0.8)})
    expected = df[(df.group == "FM") & df.age.between(30, 50) & (df.cpm <= 0.8)]
    out = sub.apply(df)
    assert list(out.participant_id) == list(expected.participant_id)
    assert sub.n_selected(df) == len(expected) > 0
    assert list(out["group"].cat.categories) == ["FM"]
    assert list(out["binder"].cat.categories) == ["HAB", "MLAB"]      # not filtered


def test_apply_keeps_level_order_of_the_column_not_of_the_filter(cohort):
    out = Subgroup(include={"binder": ("MLAB", "HAB")}).apply(cohort.participants)
    assert list(out["binder"].cat.categories) == ["HAB", "MLAB"]
    assert len(out) == len(cohort.participants)


def test_missing_drop_and_keep_only_concern_filtered_columns(cohort):
    df = cohort.participants
    n_gaba_missing = int(df.gaba.isna().sum())
    assert n_gaba_missing == 1 and df.cpm.isna().sum() == 1
    wide = (0.0, 100.0)
    dropped = Subgroup(ranges={"gaba": wide})
    kept = Subgroup(ranges={"gaba": wide}, missing="keep")
    assert dropped.n_selected(df) == len(df) - n_gaba_missing
    assert kept.n_selected(df) == len(df)
    # cpm is missing for one participant but not filtered: nobody dropped for it
    assert Subgroup(include={"group": ["FM", "HC"]}).n_selected(df) == len(df)


def test_empty_subgroup_selects_everyone_and_empty_level_list_nobody(cohort):
    df = cohort.participants
    assert Subgroup().is_empty and Subgroup().n_selected(df) == len(df)
    nobody = Subgroup(include={"group": ()})
    assert not nobody.is_empty and nobody.n_selected(df) == 0


def test_cell_counts_include_zero_cells(cohort):
    df = cohort.participants
    sub = Subgroup(include={"group": ["HC"]})
    counts = sub.cell_counts(df, ["group", "binder"])
    expected = pd.crosstab(df.group[df.group == "HC"], df.binder[df.group == "HC"])
    assert list(counts.columns) == ["group", "binder", "n"]
    assert counts.n.tolist() == expected.loc["HC", ["HAB", "MLAB"]].tolist()
    full = Subgroup(include={"binder": ["HAB"]}).cell_counts(df, ["group", "binder"])
    assert full.set_index(["group", "binder"]).n.to_dict() == {
        ("FM", "HAB"): int(((df.group == "FM") & (df.binder == "HAB")).sum()),
        ("HC", "HAB"): int(((df.group == "HC") & (df.binder == "HAB")).sum())}
    zero = Subgroup(ranges={"age": (200, None)}).cell_counts(df, ["group"])
    assert zero.n.tolist() == [0, 0]


def test_level_counts_use_the_other_filters_only(cohort):
    df = cohort.participants
    sub = Subgroup(include={"group": ["FM"], "binder": ["HAB"]}, ranges={"age": (None, 45)})
    counts = level_counts(df, sub, "group")
    young_hab = df[(df.binder == "HAB") & (df.age <= 45)]
    assert counts.to_dict() == {"FM": int((young_hab.group == "FM").sum()),
                                "HC": int((young_hab.group == "HC").sum())}
    assert counts["HC"] > 0                       # HC is unticked but still counted


def test_bad_construction_and_unknown_columns_raise_analysis_errors(cohort):
    with pytest.raises(InvalidSpec, match="low > high"):
        Subgroup(ranges={"age": (60, 20)})
    with pytest.raises(InvalidSpec, match="missing='sometimes'"):
        Subgroup(missing="sometimes")
    with pytest.raises(InvalidSpec, match="finite number"):
        Subgroup(ranges={"age": (float("nan"), None)})
    with pytest.raises(UnknownColumn, match="'gruop'.*'group'"):
        Subgroup(include={"gruop": ["FM"]}).apply(cohort.participants)
    with pytest.raises(InvalidSpec, match="must be numeric"):
        Subgroup(ranges={"group": (0, 1)}).apply(cohort.participants)


def test_subgroup_is_hashable_and_equal_regardless_of_key_order():
    a = Subgroup(include={"g": ["x"], "h": "y"}, ranges={"age": (20, 60)})
    b = Subgroup(include={"h": ("y",), "g": ("x",)}, ranges={"age": (20.0, 60.0)})
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1


def test_to_query_is_readable():
    sub = Subgroup(include={"group": ["FM", "HC"]}, ranges={"age": (20, 60), "bdi": (None, 13)},
                   missing="keep")
    assert sub.to_query() == {"f.group": "FM,HC", "r.age": "20..60", "r.bdi": "..13",
                              "missing": "keep"}
    odd = Subgroup(include={"site": ["Lund, SE", "50% dose"]}, ranges={"x": (0.1, None)})
    assert odd.to_query() == {"f.site": "Lund%2C SE,50%25 dose", "r.x": "0.1.."}
    assert Subgroup.from_query(odd.to_query()) == (odd, [])


def test_from_query_drops_unknown_parts_with_notices(cohort):
    query = {"f.group": "FM,XX", "f.nope": "a", "r.age": "abc", "r.cpm": "0.5..0.1",
             "r.group": "1..2", "r.pain": "..5", "missing": "maybe", "tab": "compare"}
    sub, notices = Subgroup.from_query(query, cohort.dictionary)
    assert sub == Subgroup(include={"group": ["FM"]}, ranges={"pain": (None, 5)})
    assert len(notices) == 6, notices
    assert any("'XX'" in n and "not among FM, HC" in n for n in notices)
    assert any("'nope'" in n for n in notices) and any("'abc'" in n for n in notices)
    only_unknown, _ = Subgroup.from_query({"f.group": "XX"}, cohort.dictionary)
    assert only_unknown.is_empty
    assert Subgroup(include={"group": ["ZZ"]}).validate(cohort.dictionary) == [
        "level(s) 'ZZ' of 'group' ignored: not among FM, HC."]


def test_from_query_accepts_parse_qs_lists():
    sub, notices = Subgroup.from_query({"f.group": ["HC", "FM"], "r.age": ["1e-05..2.5"]})
    assert notices == [] and sub.include["group"] == ("FM",) and sub.ranges["age"] == (1e-05, 2.5)


names = st.text(min_size=1, max_size=8)
bounds = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))


@st.composite
def subgroups(draw):
    include = draw(st.dictionaries(names, st.lists(names, max_size=4, unique=True), max_size=3))
    ranges = {}
    for column in draw(st.lists(names, max_size=3, unique=True)):
        low, high = draw(bounds), draw(bounds)
        if low is not None and high is not None and low > high:
            low, high = high, low
        ranges[column] = (low, high)
    return Subgroup(include, ranges, draw(st.sampled_from(["drop", "keep"])))


@settings(max_examples=300, deadline=None)
@given(subgroups())
def test_query_round_trip_is_exact(sub):
    back, notices = Subgroup.from_query(sub.to_query())
    assert notices == [] and back == sub
    for column, (low, high) in sub.ranges.items():     # exact floats, sign of zero aside
        for a, b in zip((low, high), back.ranges[column]):
            assert (a is None and b is None) or (a == b and math.copysign(1, a) ==
                                                 math.copysign(1, b))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(st.text(max_size=6), st.sampled_from(["f.a", "r.b", "missing"])),
                       st.one_of(st.text(max_size=12), st.lists(st.text(max_size=5))),
                       max_size=5))
def test_from_query_never_raises(mapping):
    sub, notices = Subgroup.from_query(mapping)
    assert isinstance(sub, Subgroup) and all(isinstance(n, str) for n in notices)


def test_subgroup_and_findings_survive_pickling_for_the_result_cache():
    import pickle
    from pathlib import Path

    from analysis.cohort import load_cohort
    from analysis.findings import run_findings

    sub = Subgroup(include={"group": ("FM",)}, ranges={"age": (20.0, None)}, missing="keep")
    again = pickle.loads(pickle.dumps(sub))
    assert again == sub and again.to_query() == sub.to_query()
    root = Path(__file__).resolve().parents[2] / "data" / "cohorts"
    checks = run_findings(load_cohort("pag_mrs_clbp", root))
    restored = pickle.loads(pickle.dumps(checks))
    assert [c.to_dict() for c in restored] == [c.to_dict() for c in checks]
    with pytest.raises(TypeError):
        restored[0].finding.spec["x"] = 1
