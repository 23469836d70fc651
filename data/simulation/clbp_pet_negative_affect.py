"""Simulated cohort: [11C]PBR28 PET and negative affect in chronic low back pain.

Albrecht DS et al. (2021) Mol Psychiatry 26:864-874, doi:10.1038/s41380-019-0433-1.
25 cLBP patients (BDI 0-9: n = 18, BDI 10-18: n = 7) and 27 healthy controls.

Only demographics and model statistics are published (no SUVR means), so imaging measures
are built with :func:`data.simulation.clbp_common.exact_outcome`: the ANCOVA of the aMCC and
pgACC clusters reproduces the published adjusted differences exactly, and the residuals are
tuned so that the partial ROI correlations with BDI and the pgACC mediation paths land on the
published values. Every target below says where it stands in the paper; invented values say
so. Run ``python -m data.simulation clbp_pet_negative_affect`` to regenerate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from data.simulation.clbp_albrecht_metadata import ROI_LABELS, description, dictionary, regions
from data.simulation.clbp_common import (
    bootstrap_indirect,
    exact_outcome,
    ols,
    pearson,
    resid_sd_for_f,
    residualize,
    tune,
    unit,
    with_correlation,
)
from data.simulation.core import Measure, SimulatedCohort, match_moments, simulate_cell

COHORT_ID = "clbp_pet_negative_affect"
SEED = 20190528  # epub date of the paper; fixed so that regeneration is byte-identical

# --- calibration targets (source in the paper; "invented" = not reported) -----------------
N = {"CTRL": 27, "little_to_no": 18, "mild_to_moderate": 7}          # Statistical analysis
SEX_FEMALE = {"CTRL": 14, "little_to_no": 9, "mild_to_moderate": 4}  # 14F/13M HC, 13F/12M cLBP
# HAB counts: patients 21 HAB / 4 MAB as Protocol 1 of Alshelh et al. 2022 Table 1 (same 25
# patients, cross-document inference); split over subgroups and controls invented.
HAB = {"CTRL": 20, "little_to_no": 15, "mild_to_moderate": 6}
AGE = {"CTRL": (48.9, 13.0), "cLBP": (42.4, 13.0)}                   # Abstract
# Injected dose (MBq): patients pooled from Alshelh 2022 Table 1 Protocol-1 cells
# (403.3 +- 45.4, n = 15; 432.1 +- 45.5, n = 10); controls invented, higher as stated
# ("controls happened to have a higher average injected dose", Discussion).
DOSE = {"CTRL": (462.0, 48.0), "cLBP": (414.82, 46.755)}
BDI = {"CTRL": (2.1, 2.3), "little_to_no": (4.6, 2.6),               # invented within the
       "mild_to_moderate": (12.9, 2.5)}                               # published cut-offs
BDI_RANGE = {"CTRL": (0, 9), "little_to_no": (0, 9), "mild_to_moderate": (10, 18)}
PAIN_NRS = {"CTRL": (0.6, 1.1), "cLBP": (41.0, 21.0)}                 # invented (0-100 NRS)
MPQ = (13.0, 7.5)                                                     # invented (SF-MPQ 0-45)
R_PAIN_BDI = 0.23    # C09: p = 0.263, n = 25 -> |r| = 0.23 (derived)
R_MPQ_BDI = 0.10     # C07: r < 0.145 (bound); value invented below the bound
# Partial correlations with BDI controlling genotype, patients (Results, Fig. 1):
ROI_R_BDI = {"acc": 0.494, "insula": 0.47, "pfc": 0.44,              # C01-C03
             "left_thalamus": 0.11, "right_thalamus": 0.07,          # C04-C06: r < 0.163
             "left_thalamus_cluster": 0.13}                          # (values invented)
ROI_MEAN_SD = {"acc": (1.04, 0.060), "insula": (1.08, 0.055), "pfc": (1.01, 0.050),
               "left_thalamus": (1.17, 0.070), "right_thalamus": (1.16, 0.070),
               "left_thalamus_cluster": (1.21, 0.075)}                # invented
# ANCOVA of cluster SUVR on subgroup + age + dose + genotype (Results, Fig. 2c):
# adjusted differences vs controls (little_to_no, mild_to_moderate): aMCC -0.03, 0.11;
# pgACC -0.02, 0.12 (one-sided Dunnett). F not printed: aMCC p < 0.001 (F chosen 10.5),
# pgACC p = 0.005 -> F(2, 46) = 5.958.
CLUSTER = {
    "amcc": {"diff": (-0.03, 0.11), "F": 10.5, "base": 1.10, "r_bdi": 0.55},
    "pgacc": {"diff": (-0.02, 0.12), "F": stats.f.isf(0.005, 2, 46), "base": 1.02},
}
COVARIATE_BETA = {"age": 0.0015, "dose": -0.0001, "mab": -0.03}      # invented, per year/MBq
# Mediation model 1 (Fig. 4; X = pgACC-dlPFC connectivity, M = pgACC SUVR, Y = BDI, n = 25):
MED1 = {"c": 0.969, "c_se": 0.48, "c_prime": -0.172, "c_prime_se": 0.61}
CONN_MEAN = 1.0      # invented mean pgACC-dlPFC z
MED1_MIN_LOWER = 0.2  # bootstrap lower bound required of a draw (published 0.352)

DECIMALS = {"age": 0, "injected_dose": 1, "bdi": 0, "clinical_pain_nrs": 0, "mpq_sf": 0,
            "pgacc_dlpfc_connectivity": 3,
            **{f"{r}_suvr": 4 for r in [*ROI_MEAN_SD, *CLUSTER]}}


def _subgroups() -> np.ndarray:
    return np.repeat(list(N), list(N.values()))


def _counts_to_labels(rng, n: int, first: int, labels: tuple[str, str]) -> np.ndarray:
    out = np.array([labels[0]] * first + [labels[1]] * (n - first), dtype=object)
    return out[rng.permutation(n)]


def _demographics(rng: np.random.Generator) -> pd.DataFrame:
    sub = _subgroups()
    is_pat = sub != "CTRL"
    frame = pd.DataFrame({"depression_subgroup": sub,
                          "group": np.where(is_pat, "cLBP", "HC")})
    for cell, rows in (("CTRL", ~is_pat), ("cLBP", is_pat)):
        n = int(rows.sum())
        cell_df = simulate_cell(rng, n, [
            Measure("age", *AGE[cell], lower=18, upper=80, step=1),
            Measure("injected_dose", *DOSE[cell], lower=200, upper=600, step=0.1)])
        frame.loc[rows, ["age", "injected_dose"]] = cell_df.to_numpy()
    for level, n in N.items():
        rows = sub == level
        frame.loc[rows, "sex"] = _counts_to_labels(rng, n, SEX_FEMALE[level], ("female", "male"))
        frame.loc[rows, "tspo_genotype"] = _counts_to_labels(rng, n, HAB[level], ("HAB", "MAB"))
        lo, hi = BDI_RANGE[level]
        bdi = match_moments(rng.standard_normal(n), Measure("bdi", *BDI[level], lo, hi, 1))
        frame.loc[rows, "bdi"] = bdi
    return frame


def _patient_scales(rng: np.random.Generator, frame: pd.DataFrame) -> None:
    pat = (frame["group"] == "cLBP").to_numpy()
    bdi = frame.loc[pat, "bdi"].to_numpy(float)
    pain = with_correlation(bdi, R_PAIN_BDI, rng.standard_normal(pat.sum()))
    frame.loc[pat, "clinical_pain_nrs"] = match_moments(
        pain, Measure("nrs", *PAIN_NRS["cLBP"], 0, 100, 1))
    frame.loc[~pat, "clinical_pain_nrs"] = match_moments(
        rng.standard_normal((~pat).sum()), Measure("nrs", *PAIN_NRS["CTRL"], 0, 100, 1))
    mpq = with_correlation(bdi, R_MPQ_BDI, rng.standard_normal(pat.sum()))
    frame.loc[pat, "mpq_sf"] = match_moments(mpq, Measure("mpq", *MPQ, 0, 45, 1))
    # Connectivity: exact regression of BDI on it, slope c = 0.969 with SE 0.48 (path c).
    t = MED1["c"] / MED1["c_se"]
    rho = t / np.sqrt(len(bdi) - 2 + t * t)
    z = with_correlation(bdi, rho, rng.standard_normal(pat.sum()))
    frame.loc[pat, "pgacc_dlpfc_connectivity"] = CONN_MEAN + z * rho * bdi.std(ddof=1) / MED1["c"]


def _roi_suvr(rng: np.random.Generator, frame: pd.DataFrame) -> None:
    """A priori and control ROIs (patients only) with exact partial r with BDI | genotype."""
    pat = (frame["group"] == "cLBP").to_numpy()
    mab = (frame.loc[pat, "tspo_genotype"] == "MAB").to_numpy(float)
    bdi = frame.loc[pat, "bdi"].to_numpy(float)
    pain = frame.loc[pat, "clinical_pain_nrs"].to_numpy(float)
    base = np.column_stack([np.ones(pat.sum()), mab])
    u_bdi = unit(residualize(base, bdi))
    for roi, r in ROI_R_BDI.items():
        noise = residualize(np.column_stack([base, bdi, pain]), rng.standard_normal(pat.sum()))
        resid = r * u_bdi + np.sqrt(1 - r * r) * unit(noise)
        mean, sd = ROI_MEAN_SD[roi]
        frame.loc[pat, f"{roi}_suvr"] = mean + COVARIATE_BETA["mab"] * (mab - mab.mean()) \
            + sd * np.sqrt(pat.sum() - 2) * resid


def _cluster_design(frame: pd.DataFrame) -> np.ndarray:
    sub = frame["depression_subgroup"].to_numpy()
    age = frame["age"].to_numpy(float)
    dose = frame["injected_dose"].to_numpy(float)
    return np.column_stack([np.ones(len(frame)), sub == "little_to_no", sub == "mild_to_moderate",
                            age - age.mean(), dose - dose.mean(),
                            frame["tspo_genotype"] == "MAB"]).astype(float)


def _cluster_suvr(rng: np.random.Generator, frame: pd.DataFrame) -> None:
    """aMCC and pgACC clusters: exact ANCOVA coefficients, residuals tuned in patients."""
    design = _cluster_design(frame)
    pat = (frame["group"] == "cLBP").to_numpy()
    bdi = np.where(pat, frame["bdi"].to_numpy(float), 0.0)
    bdi[pat] -= bdi[pat].mean()
    conn = np.where(pat, frame["pgacc_dlpfc_connectivity"].to_numpy(float), 0.0)
    conn[pat] -= conn[pat].mean()
    for name, target in CLUSTER.items():
        beta = [target["base"], *target["diff"], COVARIATE_BETA["age"], COVARIATE_BETA["dose"],
                COVARIATE_BETA["mab"]]
        sigma = resid_sd_for_f(design, [1, 2], beta, target["F"])
        noise = rng.standard_normal(len(frame))

        def make(w, beta=beta, sigma=sigma, noise=noise):
            return exact_outcome(design, beta, sigma, noise + w[0] * bdi + w[-1] * conn)

        if name == "amcc":
            def gap(w, make=make, target=target):
                return [pearson(make([w[0], 0.0])[pat], bdi[pat]) - target["r_bdi"]]
            weights = [*tune(gap, [1.0]), 0.0]
            frame[f"{name}_suvr"] = make(weights)
        else:
            frame[f"{name}_suvr"] = _pgacc(rng, frame, design, beta, sigma, bdi, conn)


def _pgacc(rng, frame, design, beta, sigma, bdi, conn) -> np.ndarray:
    """pgACC SUVR: mediation paths c' and SE(c') tuned; among candidate noise draws, the
    first whose bootstrap 2.5th percentile of a*b exceeds MED1_MIN_LOWER (the published CI
    0.352-2.57 excludes zero clearly; a draw near the boundary would make that fragile)."""
    pat = (frame["group"] == "cLBP").to_numpy()
    x = frame.loc[pat, "pgacc_dlpfc_connectivity"].to_numpy(float)
    y = frame.loc[pat, "bdi"].to_numpy(float)
    for _ in range(50):
        noise = rng.standard_normal(len(frame))

        def make(w, noise=noise):
            return exact_outcome(design, beta, sigma, noise + w[0] * bdi + w[1] * conn)

        out = make(tune(lambda w, make=make: _med1_gap(make(w)[pat], frame, pat), [1.0, 1.0]))
        boot = bootstrap_indirect(x, out[pat], y, 2000, np.random.default_rng(SEED))
        if np.quantile(boot, 0.025) > MED1_MIN_LOWER:
            return out
    raise RuntimeError("no pgACC draw reproduces the published mediation CI")


def _med1_gap(suvr: np.ndarray, frame: pd.DataFrame, pat: np.ndarray) -> list[float]:
    bdi = frame.loc[pat, "bdi"].to_numpy(float)
    conn = frame.loc[pat, "pgacc_dlpfc_connectivity"].to_numpy(float)
    coef, se = ols(bdi, conn, suvr)
    return [coef[1] - MED1["c_prime"], se[1] - MED1["c_prime_se"]]


def simulate() -> pd.DataFrame:
    """The participants table (without participant_id), values on their recorded grid."""
    rng = np.random.default_rng(SEED)
    frame = _demographics(rng)
    _patient_scales(rng, frame)
    frame["pgacc_dlpfc_connectivity"] = frame["pgacc_dlpfc_connectivity"].round(3)
    _roi_suvr(rng, frame)
    _cluster_suvr(rng, frame)
    for column, places in DECIMALS.items():
        frame[column] = frame[column].astype(float).round(places)
    return frame


COLUMNS = ["group", "depression_subgroup", "sex", "age", "tspo_genotype", "injected_dose",
           "bdi", "clinical_pain_nrs", "mpq_sf", "pgacc_dlpfc_connectivity",
           *[f"{roi}_suvr" for roi in ROI_LABELS]]


def build() -> SimulatedCohort:
    """The simulated cohort, ready for :func:`data.simulation.core.write_cohort`."""
    frame = simulate()[COLUMNS]
    frame.insert(0, "participant_id", [f"sub-{i:03d}" for i in range(1, len(frame) + 1)])
    return SimulatedCohort(cohort_id=COHORT_ID, participants=frame, dictionary=dictionary(),
                           description=description(), decimals=DECIMALS, regions=regions())
