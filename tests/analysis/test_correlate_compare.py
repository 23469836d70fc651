"""Fisher z test of two independent correlations (analysis.correlate_compare).

References: a textbook worked example (Biostatistics For Dummies, ch. 15 "Introducing
Correlation and Regression": r1 = 0.4,
N1 = 100 vs r2 = 0.6, N2 = 150 gives z = 2.05, p = 0.039 two-sided, computed there with
3-decimal intermediate values) and the formula computed by hand in the test.
"""

from __future__ import annotations

import json
import math

import pytest
from scipy import stats

from analysis.correlate import compare_correlations
from analysis.errors import InsufficientData, InvalidSpec


def test_textbook_example_biostatistics_for_dummies():
    diff = compare_correlations(0.4, 100, 0.6, 150)
    assert abs(diff.z) == pytest.approx(2.05, abs=0.015)   # book rounds intermediates
    assert diff.z < 0
    assert diff.p == pytest.approx(0.039, abs=0.001)


@pytest.mark.parametrize("r1,n1,r2,n2", [(0.61, 52, 0.12, 22), (-0.3, 31, 0.25, 21),
                                         (0.05, 1000, 0.02, 40)])
def test_statistic_and_p_match_hand_computed_fisher_formula(r1, n1, r2, n2):
    z = (0.5 * math.log((1 + r1) / (1 - r1)) - 0.5 * math.log((1 + r2) / (1 - r2))) \
        / math.sqrt(1 / (n1 - 3) + 1 / (n2 - 3))
    two = compare_correlations(r1, n1, r2, n2)
    assert two.z == pytest.approx(z, rel=1e-12)
    assert two.p == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12)
    greater = compare_correlations(r1, n1, r2, n2, alternative="greater")
    assert greater.p == pytest.approx(stats.norm.sf(z), rel=1e-12)
    less = compare_correlations(r1, n1, r2, n2, alternative="less")
    assert less.p == pytest.approx(stats.norm.cdf(z), rel=1e-12)


def test_difference_interval_is_zou_2007_from_the_two_fisher_intervals():
    r1, n1, r2, n2 = 0.55, 52, 0.20, 31
    crit = stats.norm.ppf(0.975)

    def limits(r, n):
        z, se = math.atanh(r), 1 / math.sqrt(n - 3)
        return math.tanh(z - crit * se), math.tanh(z + crit * se)

    (l1, u1), (l2, u2) = limits(r1, n1), limits(r2, n2)
    diff = compare_correlations(r1, n1, r2, n2)
    assert diff.difference == pytest.approx(0.35)
    assert diff.ci_low == pytest.approx(0.35 - math.sqrt((r1 - l1) ** 2 + (u2 - r2) ** 2))
    assert diff.ci_high == pytest.approx(0.35 + math.sqrt((u1 - r1) ** 2 + (r2 - l2) ** 2))


def test_partial_correlations_use_n_minus_3_minus_k():
    diff = compare_correlations(0.5, 40, 0.1, 30, k1=2, k2=2)
    se = math.sqrt(1 / (40 - 5) + 1 / (30 - 5))
    assert diff.z == pytest.approx((math.atanh(0.5) - math.atanh(0.1)) / se)
    assert "k = 2 and 2" in diff.methods_text()


def test_result_describes_itself():
    diff = compare_correlations(0.4, 100, 0.6, 150, labels=("FM", "HC"))
    payload = json.loads(json.dumps(diff.to_dict(), allow_nan=False))
    assert payload["subgroup_1"] == "FM" and payload["n_2"] == 150
    assert list(diff.table.columns)[:3] == ["subgroup_1", "r_1", "n_1"]
    assert "Fisher's z" in diff.methods_text() and "Zou" in diff.methods_text()


@pytest.mark.parametrize("args,error,pattern", [
    ((1.0, 20, 0.3, 20), InvalidSpec, "r1=1.0"),
    ((0.2, 20, -1.2, 20), InvalidSpec, "r2=-1.2"),
    ((0.2, 3, 0.3, 20), InsufficientData, "n1=3"),
])
def test_invalid_inputs_are_refused(args, error, pattern):
    with pytest.raises(error, match=pattern):
        compare_correlations(*args)
    with pytest.raises(InvalidSpec, match="alternative"):
        compare_correlations(0.1, 20, 0.2, 20, alternative="bigger")
