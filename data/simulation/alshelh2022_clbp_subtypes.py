"""Simulated cohort: axial vs radicular chronic low back pain ([11C]PBR28 PET/MRI).

Alshelh Z et al. (2022) Brain 145(3):1098-1110, doi:10.1093/brain/awab336.
54 patients (26 axial, 28 radicular) from two protocols/scanners (P1 BrainPET, P2 mMR).

Demographic and clinical measures are simulated per protocol x subtype cell from Table 1
(exact means/SDs on the observed rows, Table 1 column swap resolved as in the study card).
No SUVR or connectivity values are published, so imaging measures are built with
:func:`data.simulation.clbp_common.exact_outcome`: the a priori ROI models (subtype +
protocol + genotype) give the published F(1,50) exactly, and residual directions are tuned so
that the published correlations and mediation path c land on their values.
Run ``python -m data.simulation alshelh2022_clbp_subtypes`` to regenerate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.simulation.clbp_alshelh_metadata import (
    PET_LABELS,
    SCALES,
    description,
    dictionary,
    regions,
)
from data.simulation.clbp_common import (
    exact_outcome,
    pearson,
    refine_small_cell,
    resid_sd_for_f,
    residualize,
    spread_to_sd,
    tune,
    unit,
)
from data.simulation.core import Measure, SimulatedCohort, simulate_cell

COHORT_ID = "alshelh2022_clbp_subtypes"
SEED = 20210916  # online publication date; fixed so that regeneration is byte-identical

# --- calibration targets: (protocol, subtype) cells of Table 1 --------------------------------
CELLS = [("P1", "axial"), ("P1", "radicular"), ("P2", "axial"), ("P2", "radicular")]
N = {("P1", "axial"): 10, ("P1", "radicular"): 15, ("P2", "axial"): 16, ("P2", "radicular"): 13}
FEMALE = {("P1", "axial"): 5, ("P1", "radicular"): 8, ("P2", "axial"): 10,
          ("P2", "radicular"): 8}          # Table 1, Protocol columns swapped back (card)
HAB = {("P1", "axial"): 8, ("P1", "radicular"): 13, ("P2", "axial"): 12, ("P2", "radicular"): 10}
# (mean, sd, n_observed) per cell, order P1_AX, P1_RAD, P2_AX, P2_RAD
TABLE1 = {
    # Age: P1 cells from Methods text (Table 1 P1 age duplicates P2), P2 from Table 1
    "age": [(35.1, 11.5, 10), (47.2, 12.2, 15), (49.1, 17.3, 16), (49.6, 14.5, 13)],
    "bmi": [(23.6, 3.9, 10), (27.4, 5.6, 15), (24.0, 4.0, 16), (28.7, 4.3, 13)],
    "injected_dose": [(432.1, 45.5, 10), (403.3, 45.4, 15), (531.0, 32.9, 16), (515.6, 41.1, 13)],
    "specific_activity": [(67.4, 23.8, 10), (91.7, 29.4, 15), (41.3, 14.9, 16), (43.3, 15.0, 13)],
    "injected_mass": [(3.0, 2.3, 10), (2.4, 1.0, 15), (6.0, 2.7, 16), (5.5, 2.6, 13)],
    "paindetect": [(9.6, 4.7, 10), (10.6, 4.5, 5), (7.6, 4.2, 16), (13.4, 4.7, 13)],
    "bpi": [(1.0, 0.3, 4), (1.1, 0.6, 12), (3.2, 1.8, 16), (3.9, 1.8, 13)],
    "fibromyalgia_survey": [(5.9, 2.0, 3), (8.6, 5.5, 3), (6.1, 2.9, 16), (8.7, 3.9, 13)],
}
BOUNDS = {"age": (18, 80, 1), "bmi": (15, 50, 0.1), "injected_dose": (150, 600, 0.1),
          "specific_activity": (5, 200, 0.1), "injected_mass": (0.1, 15, 0.1),
          "paindetect": (0, 38, 1), "bpi": (0, 10, 0.1), "fibromyalgia_survey": (0, 31, 1)}
# Invented within-cell correlations of the clinical scales (not reported).
CLINICAL_R = {("paindetect", "fibromyalgia_survey"): 0.35, ("paindetect", "bpi"): 0.3,
              ("bpi", "fibromyalgia_survey"): 0.3, ("bmi", "age"): 0.15}
# E-stim pain (0-100 NRS), Protocol-2 subset of 21 (12 AX, 9 RAD), Table 1.
ESTIM = {"axial": {"estim_back_pain": (29.5, 36.5), "estim_right_leg_pain": (33.5, 29.6),
                   "estim_left_leg_pain": (26.0, 36.5)},
         "radicular": {"estim_back_pain": (25.6, 33.9), "estim_right_leg_pain": (28.1, 31.3),
                       "estim_left_leg_pain": (39.4, 27.8)}}
ESTIM_N = {"axial": 12, "radicular": 9}
ESTIM_R = 0.7                                    # invented between-site correlation
# PET models: SUVR ~ subtype + protocol + genotype, F(1, 50) (Results, Fig. 1; T16/T17);
# voxelwise clusters (Fig. 2) have no printed statistic: F invented, well above threshold.
# base = axial, P1, HAB SUVR; rad = radicular - axial difference (all invented but F).
PET = {
    "s1_cluster": {"F": 16.0, "base": 1.02, "rad": 0.06},
    "s1_apriori": {"F": 5.7, "base": 1.01, "rad": 0.04, "r_cluster": 0.75},
    "thalamus_apriori": {"F": 1.2, "base": 1.22, "rad": 0.02},
    "ips_cluster": {"F": 13.0, "base": 1.04, "rad": 0.05, "r_cluster": 0.5},
    "left_wm_cluster": {"F": 12.0, "base": 0.86, "rad": 0.04, "r_cluster": 0.4},
    "right_wm_cluster": {"F": 12.5, "base": 0.87, "rad": 0.04, "r_cluster": 0.4},
    "pcc_cluster": {"F": 13.5, "base": 1.12, "rad": 0.05, "r_cluster": 0.5},
}
PROTOCOL_SHIFT, MAB_SHIFT = -0.04, -0.03        # invented scanner / genotype offsets
# Correlations (Results, Figs 4-5) and mediation model 1 (Fig. 6, n = 35):
R_S1_FSS, R_S1_PD = 0.43, 0.25                   # C01 (n = 35), C02 (n = 44)
R_CONN_S1, R_CONN_FSS = 0.43, 0.57               # C03 (n = 54), C04 (n = 35)
MED1_C, MED1_C_SE = 1.54, 0.74                   # path c: S1 SUVR -> connectivity, n = 35
CONN = {"F": 14.0, "base": 0.30}                 # RAD > AX cluster (Fig. 3): F invented

DECIMALS = {"age": 0, "bmi": 1, "injected_dose": 1, "specific_activity": 1,
            "injected_mass": 1, "paindetect": 0, "bpi": 1, "fibromyalgia_survey": 0,
            "estim_back_pain": 0, "estim_right_leg_pain": 0, "estim_left_leg_pain": 0,
            "s1_thalamus_connectivity": 3, **{f"{r}_suvr": 4 for r in PET}}


def _labels(rng: np.random.Generator, n: int, first: int, labels: tuple[str, str]) -> list:
    out = np.array([labels[0]] * first + [labels[1]] * (n - first), dtype=object)
    return list(out[rng.permutation(n)])


def _cell(rng: np.random.Generator, index: int, cell: tuple[str, str]) -> pd.DataFrame:
    n = N[cell]
    measures = []
    for name, rows in TABLE1.items():
        mean, sd, observed = rows[index]
        lo, hi, step = BOUNDS[name]
        measures.append(Measure(name, mean, sd, lo, hi, step, n_missing=n - observed))
    frame = simulate_cell(rng, n, measures, CLINICAL_R)
    for m in measures:
        frame[m.name] = refine_small_cell(frame[m.name].to_numpy(), m.mean, m.sd, m.lower,
                                          m.upper, m.step)
    frame.insert(0, "protocol", cell[0])
    frame.insert(0, "pain_subtype", cell[1])
    frame.insert(2, "sex", _labels(rng, n, FEMALE[cell], ("female", "male")))
    frame.insert(3, "tspo_genotype", _labels(rng, n, HAB[cell], ("HAB", "MAB")))
    return frame


def _estim(rng: np.random.Generator, frame: pd.DataFrame) -> None:
    """E-stim ratings for the Protocol-2 subset (missing together for the others)."""
    names = list(ESTIM["axial"])
    for column in names:
        frame[column] = np.nan
    pairs = {(a, b): ESTIM_R for i, a in enumerate(names) for b in names[i + 1:]}
    for subtype, n in ESTIM_N.items():
        rows = np.flatnonzero((frame["protocol"] == "P2") & (frame["pain_subtype"] == subtype))
        chosen = np.sort(rng.choice(rows, size=n, replace=False))
        cell = simulate_cell(rng, n, [Measure(k, *v, 0, 100, 1)
                                      for k, v in ESTIM[subtype].items()], pairs)
        for column, (_, sd) in ESTIM[subtype].items():
            cell[column] = spread_to_sd(cell[column].to_numpy(), sd, 0, 100, 1)
        frame.loc[chosen, names] = cell.to_numpy()


def _design(frame: pd.DataFrame, genotype: bool = True) -> np.ndarray:
    columns = [np.ones(len(frame)), frame["pain_subtype"] == "radicular",
               frame["protocol"] == "P2"]
    if genotype:
        columns.append(frame["tspo_genotype"] == "MAB")
    return np.column_stack(columns).astype(float)


def _centred(values: np.ndarray) -> np.ndarray:
    out = np.where(np.isnan(values), 0.0, values)
    seen = ~np.isnan(values)
    out[seen] -= out[seen].mean()
    return out


def _pet_beta(target: dict) -> list[float]:
    return [target["base"], target["rad"], PROTOCOL_SHIFT, MAB_SHIFT]


def _s1_cluster(rng: np.random.Generator, frame: pd.DataFrame) -> np.ndarray:
    """S1 cluster SUVR: exact subtype F; residual tuned to r with FSS (n=35), PainDETECT (44)."""
    design, target = _design(frame), PET["s1_cluster"]
    beta = _pet_beta(target)
    sigma = resid_sd_for_f(design, [1], beta, target["F"])
    fss = frame["fibromyalgia_survey"].to_numpy(float)
    pd_ = frame["paindetect"].to_numpy(float)
    noise = rng.standard_normal(len(frame))

    def make(w):
        return exact_outcome(design, beta, sigma, noise + w[0] * _centred(fss)
                             + w[1] * _centred(pd_))

    weights = tune(lambda w: [pearson(make(w), fss) - R_S1_FSS,
                              pearson(make(w), pd_) - R_S1_PD], [0.1, 0.1])
    return make(weights)


def _connectivity(rng: np.random.Generator, frame: pd.DataFrame, s1: np.ndarray) -> np.ndarray:
    """S1-thalamus connectivity: exact subtype F (protocol-adjusted); residual and scale tuned
    to r with S1 SUVR (n=54), FSS (n=35) and mediation path c = 1.54 (SE 0.74) in the 35."""
    design = _design(frame, genotype=False)
    v11 = np.linalg.inv(design.T @ design)[1, 1]
    fss = frame["fibromyalgia_survey"].to_numpy(float)
    in35 = ~np.isnan(fss)
    s1_res = residualize(design, s1)
    noise = rng.standard_normal(len(frame))
    t_c = MED1_C / MED1_C_SE
    r_c = t_c / np.sqrt(in35.sum() - 2 + t_c * t_c)

    def make(w):
        sigma = np.exp(w[3])
        beta = [CONN["base"], sigma * np.sqrt(v11 * CONN["F"]), 0.05]
        direction = noise + w[0] * s1_res + w[1] * _centred(fss) + w[2] * s1_res * in35
        return exact_outcome(design, beta, sigma, direction)

    def gap(w):
        y = make(w)
        slope = np.polyfit(s1[in35], y[in35], 1)[0]
        return [pearson(y, s1) - R_CONN_S1, pearson(y, fss) - R_CONN_FSS,
                pearson(y[in35], s1[in35]) - r_c, slope / MED1_C - 1.0]

    return make(tune(gap, [5.0, 0.5, 0.0, np.log(0.3)]))


def _other_pet(rng: np.random.Generator, frame: pd.DataFrame, s1: np.ndarray) -> None:
    design = _design(frame)
    s1_res = unit(residualize(design, s1))
    for name, target in PET.items():
        if name == "s1_cluster":
            continue
        beta = _pet_beta(target)
        sigma = resid_sd_for_f(design, [1], beta, target["F"])
        r = target.get("r_cluster", 0.0)
        noise = unit(residualize(np.column_stack([design, s1_res]),
                                 rng.standard_normal(len(frame))))
        frame[f"{name}_suvr"] = exact_outcome(design, beta, sigma,
                                              r * s1_res + np.sqrt(1 - r * r) * noise)


def simulate() -> pd.DataFrame:
    """The participants table (without participant_id), values on their recorded grid."""
    rng = np.random.default_rng(SEED)
    frame = pd.concat([_cell(rng, i, cell) for i, cell in enumerate(CELLS)],
                      ignore_index=True)
    _estim(rng, frame)
    s1 = np.round(_s1_cluster(rng, frame), 4)
    frame["s1_cluster_suvr"] = s1
    frame["s1_thalamus_connectivity"] = _connectivity(rng, frame, s1)
    _other_pet(rng, frame, s1)
    for column, places in DECIMALS.items():
        frame[column] = frame[column].astype(float).round(places)
    return frame


COLUMNS = ["pain_subtype", "protocol", "sex", "tspo_genotype", "age", "bmi", "injected_dose",
           "specific_activity", "injected_mass", *SCALES, "s1_thalamus_connectivity",
           *[f"{roi}_suvr" for roi in PET_LABELS]]


def build() -> SimulatedCohort:
    """The simulated cohort, ready for :func:`data.simulation.core.write_cohort`."""
    frame = simulate()[COLUMNS]
    frame.insert(0, "participant_id", [f"sub-{i:03d}" for i in range(1, len(frame) + 1)])
    return SimulatedCohort(cohort_id=COHORT_ID, participants=frame, dictionary=dictionary(),
                           description=description(), decimals=DECIMALS, regions=regions())
