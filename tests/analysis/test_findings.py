"""Loading findings.yaml and recomputing findings against independent implementations.

Expected statistics come from scipy (ttest_ind, mannwhitneyu, pearsonr) and statsmodels
OLS computed here on the fixture cohort tests/fixtures/mini_cohort; "published" numbers in
the test yaml are derived from those so that each check can be made to pass or fail.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from analysis.cohort import load_cohort
from analysis.errors import CohortError
from analysis.findings import load_findings, run_finding
from analysis.findings_schema import Published
from analysis.subgroups import Subgroup

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "mini_cohort"


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(FIXTURE)


def finding_yaml(tmp_path: Path, body: str, alpha: float = 0.05) -> Path:
    path = tmp_path / "findings.yaml"
    path.write_text(f"cohort: mini\nalpha: {alpha}\nfindings:\n"
                    + textwrap.indent(textwrap.dedent(body), "  "))
    return path


def one(tmp_path, analysis, spec, published, tolerance=0.05, subgroup="{}", alpha=0.05):
    body = f"""\
    - id: f1
      title: "test finding"
      source: "Table 1"
      analysis: {analysis}
      subgroup: {subgroup}
      spec: {json.dumps(spec)}
      published: {json.dumps(published)}
      tolerance: {{value: {tolerance}, reason: "test"}}
      reproducible: true
      not_reproducible_reason: null
    """
    return load_findings(finding_yaml(tmp_path, body, alpha)).findings[0]


def test_published_significance_follows_operator_and_alpha():
    assert Published("x", "F", 1.0, 0.001, "<").significant(0.05) is True
    assert Published("x", "F", 1.0, 0.10, "<").significant(0.05) is False
    assert Published("x", "F", 1.0, 0.05, "=").significant(0.05) is False
    assert Published("x", "F", 1.0, 0.049, "=").significant(0.05) is True
    assert Published("x", "indirect", 1.0, None, ci=(0.1, 0.5)).significant(0.05) is True
    assert Published("x", "indirect", 1.0, None).significant(0.05) is None


def test_load_findings_reports_every_problem_with_line_and_id(tmp_path):
    path = finding_yaml(tmp_path, """\
    - id: good_one
      title: t
      source: s
      analysis: compare
      spec: {outcome: cpm, factors: [group]}
      published: {term: group, statistic: t, value: 4.0, p: 0.001, p_operator: "<"}
      tolerance: {value: 0.5, reason: ok}
      reproducible: true
    - id: good_one
      title: t
      source: s
      analysis: regress
      spec: {}
      published: {term: x, statistic: W, value: 1, p: 2, direction: up}
      tolerance: {value: 0.5}
      reproducible: false
    """)
    with pytest.raises(CohortError) as info:
        load_findings(path)
    problems = info.value.problems
    where = "findings.yaml line 12, finding 2 (good_one)"
    assert problems[0] == f"{where}: id 'good_one' already used by finding 1."
    assert f"{where}: analysis 'regress' is unknown; use one of compare, correlate, " \
           "compare_correlations, mediate, repeated." in problems
    assert any("published.statistic 'W' is unknown" in p for p in problems)
    assert any("published.p=2.0 must lie between 0 and 1" in p for p in problems)
    assert any("published.direction must be positive/negative, found 'up'" in p
               for p in problems)
    assert any("tolerance.reason is missing" in p for p in problems)
    assert any("not_reproducible_reason is required" in p for p in problems)
    assert len(problems) == 7, problems


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "findings.yaml"
    path.write_text("cohort: x\nfindings:\n  - id: a\n    title: [unclosed\n")
    with pytest.raises(CohortError, match=r"findings.yaml line \d+ column \d+: invalid YAML"):
        load_findings(path)


def test_compare_t_matches_scipy_and_all_checks(cohort, tmp_path):
    df = cohort.participants.dropna(subset=["cpm"])
    fm, hc = df.cpm[df.group == "FM"], df.cpm[df.group == "HC"]
    t, p = stats.ttest_ind(fm, hc)                      # Student t, pooled variance
    published = {"term": "group", "statistic": "t", "value": round(float(-t), 2), "p": 0.001,
                 "p_operator": "<", "direction": {"factor": "group", "higher": "HC",
                                                  "lower": "FM"}}
    finding = one(tmp_path, "compare", {"outcome": "cpm", "factors": ["group"],
                                        "test": "student"}, published)
    check = run_finding(finding, cohort)
    assert check.value == pytest.approx(abs(t), rel=1e-9)   # oriented like the paper (+)
    assert check.p == pytest.approx(p, rel=1e-9)
    assert check.direction_ok and check.decision_ok and check.within_tolerance
    assert check.passed and check.error is None
    json.dumps(check.to_dict())


def test_compare_fails_on_wrong_direction_decision_or_value(cohort, tmp_path):
    published = {"term": "group", "statistic": "t", "value": 9.0, "p": 0.40,
                 "direction": {"factor": "group", "higher": "FM", "lower": "HC"}}
    check = run_finding(one(tmp_path, "compare", {"outcome": "cpm", "factors": ["group"]},
                            published), cohort)
    assert (check.direction_ok, check.decision_ok, check.within_tolerance) == (
        False, False, False)
    assert not check.passed and len(check.problems()) == 3


def test_mann_whitney_u_is_reported_in_the_papers_orientation(cohort, tmp_path):
    df = cohort.participants.dropna(subset=["cpm"])
    fm, hc = df.cpm[df.group == "FM"], df.cpm[df.group == "HC"]
    u_fm = stats.mannwhitneyu(fm, hc).statistic      # scipy: U of the first sample
    u_small = min(u_fm, len(fm) * len(hc) - u_fm)
    for value, expected in ((u_small, u_small), (len(fm) * len(hc) - u_small,
                                                 len(fm) * len(hc) - u_small)):
        finding = one(tmp_path, "compare", {"outcome": "cpm", "factors": ["group"],
                                            "test": "mannwhitney"},
                      {"term": "group", "statistic": "U", "value": float(value), "p": 0.01,
                       "p_operator": "<"})
        assert run_finding(finding, cohort).value == expected


def test_correlate_in_finding_subgroup_and_user_subgroup_matches_scipy(cohort, tmp_path):
    df = cohort.participants
    finding = one(tmp_path, "correlate", {"x": "cpm", "y": "pain", "method": "spearman"},
                  {"term": "all", "statistic": "rho", "value": -0.5, "p": 0.05,
                   "direction": "negative"}, tolerance=1.0, subgroup="{include: {group: [FM]}}")
    fm = df[df.group == "FM"].dropna(subset=["cpm", "pain"])
    rho = stats.spearmanr(fm.cpm, fm.pain).statistic
    check = run_finding(finding, cohort)
    assert check.value == pytest.approx(rho, abs=1e-12)
    young = Subgroup(ranges={"age": (None, 45)})
    sel = fm[fm.age <= 45]
    assert run_finding(finding, cohort, young).value == pytest.approx(
        stats.spearmanr(sel.cpm, sel.pain).statistic, abs=1e-12)


def test_engine_refusal_becomes_an_error_not_an_exception(cohort, tmp_path):
    finding = one(tmp_path, "correlate", {"x": "cpm", "y": "pain"},
                  {"term": "all", "statistic": "r", "value": -0.6, "p": 0.01})
    check = run_finding(finding, cohort, Subgroup(ranges={"age": (200, None)}))
    assert not check.passed and check.value is None and check.error
    bad = one(tmp_path, "correlate", {"x": "cpm", "y": "pain", "methd": "spearman"},
              {"term": "all", "statistic": "r", "value": -0.6, "p": 0.01})
    check = run_finding(bad, cohort)
    assert "methd" in check.error and not check.passed
    assert check.to_dict()["value"] is None


def test_mediate_paths_match_statsmodels_ols(cohort, tmp_path):
    df = cohort.participants.dropna(subset=["pain", "cpm", "gaba"])
    a = smf.ols("cpm ~ pain", df).fit()
    published = {"term": "a", "statistic": "beta", "value": float(a.params["pain"]),
                 "p": float(a.pvalues["pain"]), "direction": "negative"}
    spec = {"x": "pain", "m": "cpm", "y": "gaba", "n_boot": 200, "seed": 1}
    check = run_finding(one(tmp_path, "mediate", spec, published, tolerance=1e-9), cohort)
    assert check.value == pytest.approx(a.params["pain"], rel=1e-9) and check.passed
    indirect = one(tmp_path, "mediate", spec, {"term": "indirect", "statistic": "indirect",
                                                "value": 0.0, "ci": [0.01, 0.2]}, tolerance=1)
    check = run_finding(indirect, cohort)
    b = smf.ols("gaba ~ cpm + pain", df).fit().params["cpm"]
    assert check.value == pytest.approx(a.params["pain"] * b, rel=1e-9)
    # the paper's CI [0.01, 0.2] excludes 0: the decision agrees iff the bootstrap CI does too
    assert check.p is None and check.decision_ok is check.significant


def test_compare_correlations_matches_fisher_z(cohort, tmp_path):
    df = cohort.participants.dropna(subset=["cpm", "pain"])
    r = {g: stats.pearsonr(d.cpm, d.pain).statistic for g, d in df.groupby("group",
                                                                            observed=True)}
    n = df.group.value_counts()
    z = (np.arctanh(r["FM"]) - np.arctanh(r["HC"])) / np.sqrt(1 / (n["FM"] - 3)
                                                              + 1 / (n["HC"] - 3))
    spec = {"x": "cpm", "y": "pain", "by": ["group"], "first": "FM", "second": "HC"}
    check = run_finding(one(tmp_path, "compare_correlations", spec,
                            {"term": "FM vs HC", "statistic": "z", "value": float(z),
                             "p": 0.2, "direction": "positive"}, tolerance=1e-9), cohort)
    assert check.value == pytest.approx(z, rel=1e-9)
    assert check.p == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)


def test_repeated_gets_long_table_joined_with_selected_participants(cohort, tmp_path):
    seen = {}

    class FakeMixed:                       # stands in for analysis.repeated.fit_mixed_model
        def __init__(self, df):
            seen["df"] = df
            self.table = pd.DataFrame({"term": ["cue[T.red]"], "beta": [12.5], "p": [0.001]})

    def fake(df, *, outcome, fixed):
        return FakeMixed(df)

    finding = one(tmp_path, "repeated", {"table": "ratings", "outcome": "rating",
                                         "fixed": ["cue", "group"]},
                  {"term": "cue[T.red]", "statistic": "beta", "value": 12.0, "p": 0.001,
                   "p_operator": "<", "direction": "positive"}, tolerance=1,
                  subgroup="{include: {binder: [HAB]}}")
    check = run_finding(finding, cohort, engines={"repeated": fake})
    df = seen["df"]
    hab = set(cohort.participants.participant_id[cohort.participants.binder == "HAB"])
    long_ids = set(cohort.long_tables["ratings"].participant_id)
    assert set(df.participant_id) == hab & long_ids
    assert {"group", "age", "cue", "rating"} <= set(df.columns)
    assert len(df) == 4 * len(hab & long_ids)
    assert check.passed and check.value == 12.5
    unknown = one(tmp_path, "repeated", {"table": "nope", "outcome": "rating", "fixed": []},
                  {"term": "x", "statistic": "beta", "value": 1, "p": 0.5})
    assert "not a long table" in run_finding(unknown, cohort, engines={"repeated": fake}).error


def test_spec_missing_a_required_argument_is_reported(cohort, tmp_path):
    finding = one(tmp_path, "compare", {"factors": ["group"]},
                  {"term": "group", "statistic": "t", "value": 1.0, "p": 0.5})
    check = run_finding(finding, cohort)
    assert "missing outcome" in check.error and not check.passed
