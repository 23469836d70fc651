"""The simulated Albrecht et al. 2021 cohort matches its calibration targets.

Targets come from data/simulation/clbp_pet_negative_affect.py (copied from the paper, each
with its source). Statistics are recomputed here with pandas/statsmodels/scipy, independently
of the simulator's own helpers and of analysis/.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from data.simulation import clbp_pet_negative_affect as sim
from data.simulation.__main__ import DEFAULT_ROOT

FOLDER = DEFAULT_ROOT / sim.COHORT_ID


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return pd.read_csv(FOLDER / "participants.tsv", sep="\t", na_values="n/a",
                       keep_default_na=False)


@pytest.fixture(scope="module")
def patients(df) -> pd.DataFrame:
    return df[df["group"] == "cLBP"]


def test_cell_sizes_sex_and_genotype(df):
    counts = df["depression_subgroup"].value_counts().to_dict()
    assert counts == sim.N                                   # 27 / 18 / 7
    assert (df["group"] == "cLBP").sum() == 25
    for level in sim.N:
        cell = df[df["depression_subgroup"] == level]
        assert (cell["sex"] == "female").sum() == sim.SEX_FEMALE[level]
        assert (cell["tspo_genotype"] == "HAB").sum() == sim.HAB[level]


@pytest.mark.parametrize("group, key", [("HC", "CTRL"), ("cLBP", "cLBP")])
def test_age_and_dose_moments(df, group, key):
    cell = df[df["group"] == group]
    n = len(cell)
    mean, sd = sim.AGE[key]
    assert abs(cell["age"].mean() - mean) <= 0.05            # printed to 0.1 on integer ages
    assert cell["age"].std(ddof=1) == pytest.approx(sd, abs=0.05)
    mean, sd = sim.DOSE[key]
    assert abs(cell["injected_dose"].mean() - mean) <= 0.1 / n + 1e-9
    assert cell["injected_dose"].std(ddof=1) == pytest.approx(sd, abs=0.02)


def test_bdi_within_published_cut_offs_and_integer(df):
    for level, (lo, hi) in sim.BDI_RANGE.items():
        bdi = df.loc[df["depression_subgroup"] == level, "bdi"]
        assert bdi.between(lo, hi).all()
        assert (bdi == bdi.round()).all()
        assert abs(bdi.mean() - sim.BDI[level][0]) <= 0.05


def test_ranges_integers_and_positive_suvr(df):
    assert df["age"].between(18, 80).all()
    assert df["clinical_pain_nrs"].between(0, 100).all()
    for column in [c for c in df if c.endswith("_suvr")]:
        assert (df[column].dropna() > 0).all()


def test_missingness_patients_only_measures(df):
    hc = df[df["group"] == "HC"]
    for column in ["mpq_sf", "pgacc_dlpfc_connectivity",
                   *[f"{roi}_suvr" for roi in sim.ROI_MEAN_SD]]:
        assert hc[column].isna().all() and df.loc[df["group"] == "cLBP", column].notna().all()
    assert df[["amcc_suvr", "pgacc_suvr", "bdi", "age", "injected_dose"]].notna().all().all()


@pytest.mark.parametrize("roi", list(sim.ROI_R_BDI))
def test_partial_correlations_with_bdi(patients, roi):
    # partial r given genotype = r of OLS residuals (statsmodels), as in the paper (df 22)
    mab = sm.add_constant((patients["tspo_genotype"] == "MAB").astype(float))
    rx = sm.OLS(patients[f"{roi}_suvr"], mab).fit().resid
    ry = sm.OLS(patients["bdi"], mab).fit().resid
    assert np.corrcoef(rx, ry)[0, 1] == pytest.approx(sim.ROI_R_BDI[roi], abs=0.005)


@pytest.mark.parametrize("outcome", ["amcc_suvr", "pgacc_suvr"])
def test_ancova_adjusted_differences_and_f(df, outcome):
    name = outcome.removesuffix("_suvr")
    data = df.assign(depression_subgroup=pd.Categorical(
        df["depression_subgroup"], ["CTRL", "little_to_no", "mild_to_moderate"]))
    fit = smf.ols(f"{outcome} ~ depression_subgroup + age + injected_dose + tspo_genotype",
                  data).fit()
    little, mild = sim.CLUSTER[name]["diff"]
    assert fit.params["depression_subgroup[T.little_to_no]"] == pytest.approx(little, abs=0.002)
    assert fit.params["depression_subgroup[T.mild_to_moderate]"] == pytest.approx(mild, abs=0.002)
    f_value = sm.stats.anova_lm(fit, typ=2).loc["depression_subgroup", "F"]
    assert f_value == pytest.approx(sim.CLUSTER[name]["F"], abs=0.05)


def test_mediation_paths_c_and_c_prime(patients):
    c = smf.ols("bdi ~ pgacc_dlpfc_connectivity", patients).fit()
    full = smf.ols("bdi ~ pgacc_dlpfc_connectivity + pgacc_suvr", patients).fit()
    assert c.params.iloc[1] == pytest.approx(sim.MED1["c"], abs=0.005)
    assert c.bse.iloc[1] == pytest.approx(sim.MED1["c_se"], abs=0.005)
    assert full.params.iloc[1] == pytest.approx(sim.MED1["c_prime"], abs=0.01)
    assert full.bse.iloc[1] == pytest.approx(sim.MED1["c_prime_se"], abs=0.01)


def test_scan_pain_and_mpq_correlations(patients):
    r = stats.pearsonr(patients["clinical_pain_nrs"], patients["bdi"])
    assert r.statistic == pytest.approx(sim.R_PAIN_BDI, abs=0.02)   # integer NRS rounding
    assert abs(stats.pearsonr(patients["mpq_sf"], patients["bdi"]).statistic) < 0.145


def test_dictionary_describes_every_column(df):
    import json
    dictionary = json.loads((FOLDER / "participants.json").read_text())
    assert set(dictionary) == set(df.columns) - {"participant_id"}
    regions = pd.read_csv(FOLDER / "regions.tsv", sep="\t")
    for info in dictionary.values():
        assert {"Description", "Role"} <= set(info)
        if info.get("Modality") in ("PET", "fMRI") and "Region" in info:
            assert info["Region"] in set(regions["region_id"])
    spheres = regions.set_index("region_id").loc[["amcc", "pgacc"], ["x", "y", "z"]]
    assert spheres.to_numpy().tolist() == [[-10, 36, 22], [2, 40, -2]]
