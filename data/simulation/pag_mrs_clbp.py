"""Simulated cohort of the PAG MRS study in chronic low back pain (41 CLBP, 29 controls).

The source is a lay summary: it gives group sizes, percentage differences (Glx -12%,
GABA +38% vs controls), p values and directions, but no means, SDs, units or statistics.
Everything numeric below is therefore an *assumption* chosen to reproduce those p values
under two-sided Student t-tests and t-tests of Pearson r (the study card's
``plausible_values``); each target says so. Glx and GABA are matched exactly; the
Glx/GABA ratio is computed per participant, so its moments follow from them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.simulation.core import Measure, SimulatedCohort, simulate_cell

COHORT_ID = "pag_mrs_clbp"
SEED = 4125  # chosen among 4100-4129 for the closest p values and correlations
CELL_N = {"HC": 29, "CLBP": 41}                      # lay summary: 41 patients, 29 controls

# Assumed (card plausible_values): HC Glx 8.0 +/- 1.5, CLBP = 0.88 x HC (-12%, p = 0.012);
# HC GABA 1.5 +/- 0.9, CLBP = 1.38 x HC (+38%, p = 0.038). Lognormal-shaped GABA.
TARGETS = {
    "HC": {"pag_glx": (8.0, 1.5), "pag_gaba": (1.5, 0.9)},
    "CLBP": {"pag_glx": (7.04, 1.55), "pag_gaba": (2.07, 1.24)},
}
# Invented psychophysics (units not reported; kPa assumed) and clinical pain (0-10 NRS).
PSYCHOPHYSICS = {
    "HC": {"age": (47.0, 11.0, 20, 75), "ppt_back": (420.0, 120.0, 50, None),
           "ppt_hand": (380.0, 100.0, 50, None), "cpm_hand": (0.25, 0.20, -1, None)},
    "CLBP": {"age": (53.0, 11.0, 20, 75), "ppt_back": (330.0, 120.0, 50, None),
             "ppt_hand": (340.0, 100.0, 50, None), "cpm_hand": (0.12, 0.20, -1, None),
             "clinical_pain": (5.2, 1.8, 0, 10)},
}
FEMALE_N = {"HC": 17, "CLBP": 22}      # medRxiv preprint abstract (not the lay summary)
# Copula correlations (invented, tuned so that per-participant Glx/GABA ratio correlates
# with PPT as the card proposes: HC r about 0.52 back / 0.55 hand, CLBP about 0.05; CLBP
# clinical pain vs CPM at the hand about -0.45).
CORRELATIONS = {
    "HC": {("pag_gaba", "ppt_back"): -0.46, ("pag_gaba", "ppt_hand"): -0.48,
           ("pag_glx", "ppt_back"): 0.2, ("pag_glx", "ppt_hand"): 0.2,
           ("pag_glx", "pag_gaba"): 0.25, ("ppt_back", "ppt_hand"): 0.6},
    "CLBP": {("pag_gaba", "ppt_back"): -0.05, ("pag_gaba", "ppt_hand"): -0.05,
             ("pag_glx", "pag_gaba"): 0.25, ("ppt_back", "ppt_hand"): 0.6,
             ("clinical_pain", "cpm_hand"): -0.45},
}
DECIMALS = {"age": 0, "pag_glx": 2, "pag_gaba": 2, "pag_glx_gaba_ratio": 2, "ppt_back": 0,
            "ppt_hand": 0, "cpm_hand": 3, "clinical_pain": 0}


def measures(group: str) -> list[Measure]:
    """Targets of one group."""
    out = [Measure("age", *PSYCHOPHYSICS[group]["age"][:2], 20, 75, 1)]
    glx, gaba = TARGETS[group]["pag_glx"], TARGETS[group]["pag_gaba"]
    out.append(Measure("pag_glx", *glx, 1.0, None, 0.01, log_sigma=0.2))
    out.append(Measure("pag_gaba", *gaba, 0.1, None, 0.01, log_sigma=0.6))
    for name in ("ppt_back", "ppt_hand"):
        mean, sd, low, high = PSYCHOPHYSICS[group][name]
        out.append(Measure(name, mean, sd, low, high, 1))
    mean, sd, low, _ = PSYCHOPHYSICS[group]["cpm_hand"]
    out.append(Measure("cpm_hand", mean, sd, low, None, 0.001))
    if group == "CLBP":
        out.append(Measure("clinical_pain", *PSYCHOPHYSICS[group]["clinical_pain"][:2],
                           0, 10, 1))
    return out


def simulate_group(rng: np.random.Generator, group: str) -> pd.DataFrame:
    """One group, with its sex column and the per-participant Glx/GABA ratio."""
    frame = simulate_cell(rng, CELL_N[group], measures(group), CORRELATIONS[group])
    sex = np.array(["male"] * CELL_N[group], dtype=object)
    sex[rng.choice(CELL_N[group], size=FEMALE_N[group], replace=False)] = "female"
    frame.insert(0, "group", group)
    frame.insert(1, "sex", sex)
    frame.insert(5, "pag_glx_gaba_ratio", (frame["pag_glx"] / frame["pag_gaba"]).round(2))
    if "clinical_pain" not in frame:
        frame["clinical_pain"] = np.nan
    return frame


def _entry(text, role, modality, units, rng, label, integer=False, region=None) -> dict:
    entry = {"Description": text, "Role": role, "Modality": modality, "Units": units,
             "Range": rng, "Label": label}
    if region:
        entry["Region"] = region
    if integer:
        entry["Integer"] = True
    return entry


def dictionary() -> dict:
    """participants.json of the cohort."""
    return {
        "group": {"Description": "Non-specific chronic low back pain or pain-free control.",
                  "Role": "factor", "Label": "Group",
                  "Levels": {"HC": "pain-free healthy control",
                             "CLBP": "chronic low back pain"}},
        "sex": {"Description": "Sex (controls sex-matched).", "Role": "covariate",
                "Label": "Sex", "Levels": {"female": "female", "male": "male"}},
        "age": _entry("Age (controls age-matched).", "covariate", "demographic", "years",
                      [18, 90], "Age", integer=True),
        "pag_glx": _entry("Glx (glutamate + glutamine) in the PAG MRS voxel (OVERPRESS, "
                          "1.1 mL); units not reported.", "measure", "MRS", "i.u.",
                          [0, None], "PAG Glx", region="pag"),
        "pag_gaba": _entry("GABA in the PAG MRS voxel; units not reported.", "measure",
                           "MRS", "i.u.", [0, None], "PAG GABA", region="pag"),
        "pag_glx_gaba_ratio": _entry("Excitatory/inhibitory ratio Glx/GABA in the PAG, per "
                                     "participant.", "measure", "MRS", "ratio", [0, None],
                                     "PAG Glx/GABA", region="pag"),
        "ppt_back": _entry("Pressure pain threshold at the lower back (most painful area); "
                           "higher = less sensitive.", "measure", "psychophysics", "kPa",
                           [0, None], "PPT back", integer=True),
        "ppt_hand": _entry("Pressure pain threshold at the non-dominant hand (remote "
                           "site).", "measure", "psychophysics", "kPa", [0, None],
                           "PPT hand", integer=True),
        "cpm_hand": _entry("Conditioned pain modulation at the hand: relative PPT increase "
                           "during cold-water conditioning; > 0 = inhibition.", "measure",
                           "psychophysics", "proportion", [-1, None], "CPM hand"),
        "clinical_pain": _entry("Clinical back pain intensity (patients only; instrument not "
                                "reported, 0-10 NRS assumed).", "measure", "clinical",
                                "NRS", [0, 10], "Clinical pain", integer=True),
    }


NOTES = (
    "Simulated, not the study's data, from a lay summary that reports only group sizes "
    "(41/29), percentage differences (Glx -12%, GABA +38% vs controls), p values and "
    "directions. All means, SDs and units are ASSUMED (typical brainstem values chosen to "
    "reproduce p = 0.012 and 0.038 with Student t-tests): Glx and GABA cell means/SDs are "
    "matched exactly; the Glx/GABA ratio is computed per participant and lands near "
    "p = 0.002. Pressure pain thresholds, CPM, clinical pain, age and their correlations are "
    "invented so that the ratio-PPT correlation is positive in controls (reported p 0.004 "
    "back, 0.002 hand) and absent in patients, and clinical pain correlates negatively with "
    "CPM at the hand in patients (p 0.003). Sex counts and ages follow the medRxiv preprint "
    "abstract (10.1101/2023.06.01.23290820), not the summary. The PAG voxel centre is an "
    "approximate MNI location; its volume (1.1 mL) is reported.")


def description() -> dict:
    """dataset_description.json of the cohort."""
    return {
        "Name": "PAG glutamate/GABA in chronic low back pain (lay summary), simulated",
        "BIDSVersion": "1.9.0", "DatasetType": "raw", "Version": "1.0.0",
        "License": "CC0-1.0", "Authors": ["Pain Cohort Explorer simulator"],
        "ReferencesAndLinks": ["https://doi.org/10.1101/2023.06.01.23290820"],
        "HowToAcknowledge": "Cite the original PAG MRS study; these data are simulated "
                            "from a lay summary of it.",
        "Citation": "Brain's Pain Control Center Shows Chemical Imbalance in Chronic Back "
                    "Pain Patients (lay summary; probable original: medRxiv "
                    "10.1101/2023.06.01.23290820).",
        "Summary": "A case-control MRS study of the periaqueductal gray in 41 people with "
                   "chronic low back pain and 29 pain-free controls, with pressure pain "
                   "thresholds and conditioned pain modulation. Patients had a lower Glx/GABA "
                   "ratio, and only in controls did a lower ratio go with more pain "
                   "sensitivity.",
        "Simulated": True, "SimulationNotes": NOTES,
        "GeneratedBy": [{"Name": "pain-cohort-explorer simulator", "Version": "1.0.0",
                         "CodeURL": "data/simulation/pag_mrs_clbp.py"}],
    }


def regions() -> pd.DataFrame:
    """The PAG MRS voxel as a 1.1 mL sphere (radius 6.4 mm) at an approximate centre."""
    radius = round(float(np.cbrt(3 * 1100 / (4 * np.pi))), 1)
    return pd.DataFrame([{
        "region_id": "pag", "label": "periaqueductal gray (MRS voxel)", "atlas": "sphere",
        "atlas_label": "n/a", "x": 0, "y": -30, "z": -10, "radius_mm": radius,
        "source": "1.1 mL OVERPRESS voxel (lay summary); centre is a typical PAG MNI "
                  "location, placement not reported"}])


def build() -> SimulatedCohort:
    """The bundled cohort; byte-identical on every run (fixed seed ``SEED``)."""
    rng = np.random.default_rng(SEED)
    table = pd.concat([simulate_group(rng, g) for g in CELL_N], ignore_index=True)
    table = table.iloc[rng.permutation(len(table))].reset_index(drop=True)
    table.insert(0, "participant_id", [f"sub-{i + 1:03d}" for i in range(len(table))])
    return SimulatedCohort(cohort_id=COHORT_ID, participants=table, dictionary=dictionary(),
                           description=description(), decimals=DECIMALS, regions=regions())
