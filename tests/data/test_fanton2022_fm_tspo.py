"""The simulated Fanton 2022 cohort against the paper's numbers (copied in the simulation
targets module) and independent implementations (pandas moments, scipy Spearman,
statsmodels type III ANOVA and OLS)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.anova import anova_lm

from data.simulation import fanton2022_fm_tspo as sim
from data.simulation.fanton2022_design import cpm_means
from data.simulation.fanton2022_p30 import TERMS, design
from data.simulation.fanton2022_targets import (CELL_N, MISSING, P30_BETA, TABLE1, TABLE3,
                                                GLU_GABA)


@pytest.fixture(scope="module")
def cohort():
    return sim.build()


@pytest.fixture(scope="module")
def people(cohort):
    return cohort.participants


def _cell(people, cell):
    group, binder = cell.split("_")
    return people[(people["group"] == group) & (people["tspo_binder"] == binder)]


def test_cell_sizes_and_genotypes(people):
    counts = people.groupby(["group", "tspo_binder"]).size()
    assert {f"{g}_{b}": n for (g, b), n in counts.items()} == CELL_N  # Table 1 / 2.3.1
    assert people["tspo_genotype"].value_counts().to_dict() == {"HAB": 74, "MAB": 43, "LAB": 9}
    assert (people["sex"] == "female").all() and people["participant_id"].is_unique


@pytest.mark.parametrize("name", list(TABLE3))
def test_mrs_cell_moments_exact(people, name):
    for cell, (mean, sd) in TABLE3[name].items():      # Table 3, one decimal printed
        values = _cell(people, cell)[name].dropna()
        assert values.mean() == pytest.approx(mean, abs=0.005)
        assert values.std(ddof=1) == pytest.approx(sd, abs=0.01)
        assert (values > 0).all()


def test_fm_table1_moments_and_ranges(people):
    for name, (fm_hab, fm_mlab, hc, *_), in TABLE1.items():
        for cell, target in (("FM_HAB", fm_hab), ("FM_MLAB", fm_mlab)):
            values = _cell(people, cell)[name]
            assert values.mean() == pytest.approx(target[0], abs=0.05), (name, cell)
            assert values.std(ddof=1) == pytest.approx(target[1], rel=0.03), (name, cell)
            assert values.min() >= target[2] and values.max() <= target[3]
        if hc is not None:   # HC pooled column of Table 1: mean within rounding
            values = people.loc[people["group"] == "HC", name]
            assert values.mean() == pytest.approx(hc[0], abs=0.06), name
            assert values.std(ddof=1) == pytest.approx(hc[1], rel=0.06), name
            assert values.min() >= hc[2] and values.max() <= hc[3]
        else:
            assert people.loc[people["group"] == "HC", name].isna().all()


def test_integer_instruments_hold_whole_numbers(cohort):
    for name, entry in cohort.dictionary.items():
        if entry.get("Integer"):
            values = cohort.participants[name].dropna()
            assert np.allclose(values, np.round(values)), name


def test_missingness_per_measure_and_cell(people):
    for cell, (n_cpm, n_racc, n_thal, *_, n_calib) in MISSING.items():
        part = _cell(people, cell)
        assert part["cpm_score"].isna().sum() == n_cpm                 # Figure 2
        assert part["racc_glu_abs"].isna().sum() == n_racc             # Table 3/4
        assert part["thal_gaba_rel"].isna().sum() == n_thal
        assert part["p10_pressure"].isna().sum() == n_calib            # Figure 3
    both = people.dropna(subset=["racc_glu_abs", "cpm_score"])         # Table 5: 106
    assert len(both) == 106
    assert len(people.dropna(subset=["thal_glu_abs", "cpm_score"])) == 113


def test_cpm_anova_reproduces_section_312(people):
    data = people.dropna(subset=["cpm_score"])
    fit = smf.ols("cpm_score ~ C(group, Sum) * C(tspo_binder, Sum)", data).fit()
    table = anova_lm(fit, typ=3)
    # F(1,119) = 7.26 group, 5.79 TSPO, interaction P = 0.6877 (section 3.1.2)
    assert table["F"].iloc[1] == pytest.approx(7.26, abs=0.05)
    assert table["F"].iloc[2] == pytest.approx(5.79, abs=0.05)
    assert table["PR(>F)"].iloc[3] == pytest.approx(0.6877, abs=0.01)
    means = data.groupby(["group", "tspo_binder"])["cpm_score"].mean()
    assert means[("FM", "HAB")] == pytest.approx(cpm_means()["FM_HAB"], abs=1e-3)


def test_within_cell_spearman_near_table4(people):
    # Cell-level Table 4 targets; 0.25 covers sampling error of rho in cells of 19-45.
    for index, cell in enumerate(("FM_HAB", "FM_MLAB", "HC_HAB", "HC_MLAB")):
        for key, values in GLU_GABA.items():
            region, quant = key.split("_")
            part = _cell(people, cell)[[f"{region}_glu_{quant}", f"{region}_gaba_{quant}"]]
            rho = stats.spearmanr(*part.dropna().to_numpy().T).statistic
            assert abs(rho - values[index]) < 0.25, (cell, key, rho)


def test_p30_table_and_coefficients(cohort, people):
    p30 = cohort.long_tables["p30_ratings"][0]
    assert p30["participant_id"].nunique() == 116                    # Figure 4 caption
    assert (p30.groupby("participant_id").size() == 20).all()
    assert p30["p30_rating"].between(0, 100).all()
    info = people.set_index("participant_id").loc[p30["participant_id"]]
    x = design((info["tspo_binder"] == "HAB").to_numpy(float),
               (info["group"] == "HC").to_numpy(float),
               (p30["cue_color"] == "red").to_numpy(float), p30["time"].to_numpy(float))
    beta = np.linalg.lstsq(x, p30["p30_rating"].to_numpy(float), rcond=None)[0]
    expected = np.array([P30_BETA[t] for t in TERMS])                 # Table 2
    assert np.allclose(beta, expected, atol=0.05)


def test_p30_mixed_model_signs_match_table2(cohort, people):
    p30 = cohort.long_tables["p30_ratings"][0].merge(
        people[["participant_id", "group", "tspo_binder"]])
    p30["hab"] = (p30["tspo_binder"] == "HAB").astype(float)
    p30["hc"] = (p30["group"] == "HC").astype(float)
    p30["red"] = (p30["cue_color"] == "red").astype(float)
    fit = smf.mixedlm("p30_rating ~ hab + hc + red + time + hab:red + time:red + hc:time"
                      " + hab:time + hab:hc + red:hc", p30, groups=p30["participant_id"]
                      ).fit(reml=True)
    # Table 2: significant TSPO, cue, time, TSPO x cue, time x cue, group x time
    for term in ("hab", "red", "time", "hab:red", "time:red", "hc:time"):
        assert fit.pvalues[term] < 0.05, term
    for term in ("hc", "hab:time", "hab:hc", "red:hc"):
        assert fit.pvalues[term] > 0.05, term
    assert fit.tvalues["hab"] == pytest.approx(2.894, abs=0.6)
    assert fit.tvalues["red"] == pytest.approx(12.94, abs=2.0)
