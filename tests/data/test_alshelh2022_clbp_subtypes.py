"""The simulated Alshelh et al. 2022 cohort matches its calibration targets.

Targets come from data/simulation/alshelh2022_clbp_subtypes.py (Table 1 cells and Results,
each with its source). Statistics are recomputed with pandas/statsmodels/scipy, independently
of the simulator and of analysis/.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from data.simulation import alshelh2022_clbp_subtypes as sim
from data.simulation.__main__ import DEFAULT_ROOT

FOLDER = DEFAULT_ROOT / sim.COHORT_ID


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return pd.read_csv(FOLDER / "participants.tsv", sep="\t", na_values="n/a",
                       keep_default_na=False)


def _cell(df, cell):
    return df[(df["protocol"] == cell[0]) & (df["pain_subtype"] == cell[1])]


@pytest.mark.parametrize("cell", sim.CELLS)
def test_cell_sizes_sex_genotype(df, cell):
    rows = _cell(df, cell)
    assert len(rows) == sim.N[cell]
    assert (rows["sex"] == "female").sum() == sim.FEMALE[cell]
    assert (rows["tspo_genotype"] == "HAB").sum() == sim.HAB[cell]


def test_pooled_counts_of_the_paper(df):
    assert df["pain_subtype"].value_counts().to_dict() == {"radicular": 28, "axial": 26}
    assert df["tspo_genotype"].value_counts().to_dict() == {"HAB": 43, "MAB": 11}
    assert df[["paindetect", "bpi", "fibromyalgia_survey", "estim_back_pain"]].notna().sum(
    ).tolist() == [44, 45, 35, 21]


@pytest.mark.parametrize("measure", list(sim.TABLE1))
@pytest.mark.parametrize("index", range(4))
def test_table1_cell_moments_and_missingness(df, measure, index):
    mean, sd, observed = sim.TABLE1[measure][index]
    lo, hi, step = sim.BOUNDS[measure]
    values = _cell(df, sim.CELLS[index])[measure].dropna()
    assert len(values) == observed
    assert values.between(lo, hi).all()
    assert np.allclose(values / step, np.round(values / step))          # on the grid
    # mean to the printed precision where the grid allows (n observed values on `step`)
    assert abs(values.mean() - mean) <= max(0.05, step / 2 / len(values)) + 1e-9 or (
        len(values) <= 4 and abs(values.mean() - mean) <= step)
    assert values.std(ddof=1) == pytest.approx(sd, abs=max(0.05, 0.1 * sd if len(values) <= 4
                                                              else 0.02 * sd))


def test_estim_ratings_protocol2_subset(df):
    for subtype, targets in sim.ESTIM.items():
        rows = df[(df["pain_subtype"] == subtype) & df["estim_back_pain"].notna()]
        assert len(rows) == sim.ESTIM_N[subtype] and (rows["protocol"] == "P2").all()
        for column, (mean, sd) in targets.items():
            assert abs(rows[column].mean() - mean) <= 0.05
            # SD > mean on a 0-100 integer scale: half the ratings sit at the floor (0), so the
            # clipped grid reaches the published SD to within 0.5 % (e.g. 36.35 for 36.5)
            assert rows[column].std(ddof=1) == pytest.approx(sd, rel=0.005)
    assert df.loc[df["estim_back_pain"].isna(), sim.ESTIM["axial"].keys()].isna().all().all()


@pytest.mark.parametrize("roi", list(sim.PET))
def test_pet_subtype_f(df, roi):
    fit = smf.ols(f"{roi}_suvr ~ C(pain_subtype) + C(protocol) + C(tspo_genotype)", df).fit()
    f_value = sm.stats.anova_lm(fit, typ=2).iloc[0]["F"]
    assert f_value == pytest.approx(sim.PET[roi]["F"], abs=0.05)       # 5.7, 1.2 published
    assert fit.params.iloc[1] == pytest.approx(sim.PET[roi]["rad"], abs=0.002)
    assert (df[f"{roi}_suvr"] > 0).all()


def test_connectivity_subtype_f(df):
    fit = smf.ols("s1_thalamus_connectivity ~ C(pain_subtype) + C(protocol)", df).fit()
    assert sm.stats.anova_lm(fit, typ=2).iloc[0]["F"] == pytest.approx(sim.CONN["F"], abs=0.05)


@pytest.mark.parametrize("x, y, target, n", [
    ("s1_cluster_suvr", "fibromyalgia_survey", sim.R_S1_FSS, 35),
    ("s1_cluster_suvr", "paindetect", sim.R_S1_PD, 44),
    ("s1_thalamus_connectivity", "s1_cluster_suvr", sim.R_CONN_S1, 54),
    ("s1_thalamus_connectivity", "fibromyalgia_survey", sim.R_CONN_FSS, 35)])
def test_published_correlations(df, x, y, target, n):
    pair = df[[x, y]].dropna()
    assert len(pair) == n
    assert stats.pearsonr(pair[x], pair[y]).statistic == pytest.approx(target, abs=0.005)


def test_mediation_path_c(df):
    sample = df.dropna(subset=["fibromyalgia_survey"])
    fit = smf.ols("s1_thalamus_connectivity ~ s1_cluster_suvr", sample).fit()
    assert fit.params.iloc[1] == pytest.approx(sim.MED1_C, abs=0.01)
    assert fit.bse.iloc[1] == pytest.approx(sim.MED1_C_SE, abs=0.01)


def test_dictionary_and_regions(df):
    dictionary = json.loads((FOLDER / "participants.json").read_text())
    assert set(dictionary) == set(df.columns) - {"participant_id"}
    regions = set(pd.read_csv(FOLDER / "regions.tsv", sep="\t")["region_id"])
    for info in dictionary.values():
        if "Region" in info:
            assert info["Region"] in regions
    assert list(dictionary["pain_subtype"]["Levels"]) == ["axial", "radicular"]
