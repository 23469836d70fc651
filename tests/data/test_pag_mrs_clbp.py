"""The simulated PAG MRS cohort against its assumed targets and the lay summary's p values
(recomputed with scipy's Student t-test and Pearson r)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from data.simulation import pag_mrs_clbp as sim


@pytest.fixture(scope="module")
def people():
    return sim.build().participants


def test_group_sizes_and_sex(people):
    assert people["group"].value_counts().to_dict() == {"CLBP": 41, "HC": 29}
    female = people[people["sex"] == "female"].groupby("group").size().to_dict()
    assert female == sim.FEMALE_N


@pytest.mark.parametrize("group", ["HC", "CLBP"])
def test_mrs_moments_exact_and_positive(people, group):
    part = people[people["group"] == group]
    for name, (mean, sd) in sim.TARGETS[group].items():
        assert part[name].mean() == pytest.approx(mean, abs=0.005)
        assert part[name].std(ddof=1) == pytest.approx(sd, abs=0.01)
        assert (part[name] > 0).all()
    ratio = part["pag_glx"] / part["pag_gaba"]
    assert np.allclose(part["pag_glx_gaba_ratio"], ratio, atol=0.005)


def test_percent_differences_of_summary(people):
    means = people.groupby("group")[["pag_glx", "pag_gaba"]].mean()
    assert means.loc["CLBP", "pag_glx"] / means.loc["HC", "pag_glx"] == pytest.approx(0.88, abs=0.001)
    assert means.loc["CLBP", "pag_gaba"] / means.loc["HC", "pag_gaba"] == pytest.approx(1.38, abs=0.001)


def test_group_p_values_near_summary(people):
    hc, clbp = people[people["group"] == "HC"], people[people["group"] == "CLBP"]
    # lay summary: Glx p = 0.012, GABA p = 0.038, ratio p = 0.002 (test not named)
    for name, p in (("pag_glx", 0.012), ("pag_gaba", 0.038), ("pag_glx_gaba_ratio", 0.002)):
        got = stats.ttest_ind(clbp[name], hc[name]).pvalue
        assert p / 3 < got < p * 3, (name, got)
    assert clbp["pag_glx_gaba_ratio"].mean() < hc["pag_glx_gaba_ratio"].mean()


def test_correlations_match_reported_pattern(people):
    hc, clbp = people[people["group"] == "HC"], people[people["group"] == "CLBP"]
    for y in ("ppt_back", "ppt_hand"):
        r, p = stats.pearsonr(hc["pag_glx_gaba_ratio"], hc[y])
        assert r > 0 and p < 0.01, y                     # summary: p 0.004 / 0.002
        r, p = stats.pearsonr(clbp["pag_glx_gaba_ratio"], clbp[y])
        assert abs(r) < 0.2 and p > 0.05, y              # "completely absent"
    r, p = stats.pearsonr(clbp["clinical_pain"], clbp["cpm_hand"])
    assert r < 0 and p < 0.05                            # summary: p = 0.003
    assert hc["clinical_pain"].isna().all()
    assert clbp["clinical_pain"].between(0, 10).all()
