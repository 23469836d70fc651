"""Column dictionary, dataset description and MRS voxels of the Fanton 2022 cohort."""

from __future__ import annotations

import numpy as np
import pandas as pd

DECIMALS = {
    "age": 0, "fm_duration": 0, "tender_points": 0, "fiq_total": 1, "vas_current": 0,
    "vas_past_week": 0, "sf36_bodily_pain": 0, "hads_anxiety": 0, "hads_depression": 0,
    "pcs_total": 0, "ppt_mean": 1, "cpm_score": 3, "p10_pressure": 0, "p50_pressure": 0,
    **{f"{r}_{m}_{q}": 2 for r in ("racc", "thal") for m in ("glu", "gaba")
       for q in ("abs", "rel")},
}

_CLINICAL = {
    "age": ("Age at participation.", "covariate", "demographic", "years", [20, 60], True,
            "Age"),
    "fm_duration": ("Duration of fibromyalgia (FM only; unit not printed, values 11-408 "
                    "suggest months).", "measure", "clinical", "months", [0, None], True,
                    "FM duration"),
    "tender_points": ("Number of positive ACR-1990 tender points (FM only).", "measure",
                      "clinical", "count", [0, 18], True, "Tender points"),
    "fiq_total": ("Fibromyalgia Impact Questionnaire total; higher = poorer health "
                  "(FM only).", "measure", "clinical", "score", [0, 100], False, "FIQ"),
    "vas_current": ("Current pain intensity on a 100-mm visual analogue scale.", "measure",
                    "clinical", "mm", [0, 100], True, "VAS current pain"),
    "vas_past_week": ("Average pain intensity during the past week, 100-mm VAS.", "measure",
                      "clinical", "mm", [0, 100], True, "VAS past-week pain"),
    "sf36_bodily_pain": ("SF-36 bodily pain subscale (0-100); higher = LESS pain.",
                         "measure", "clinical", "score", [0, 100], True, "SF-36 bodily pain"),
    "hads_anxiety": ("Hospital Anxiety and Depression Scale, anxiety subscale.", "measure",
                     "clinical", "score", [0, 21], True, "HADS anxiety"),
    "hads_depression": ("Hospital Anxiety and Depression Scale, depression subscale.",
                        "measure", "clinical", "score", [0, 21], True, "HADS depression"),
    "pcs_total": ("Pain Catastrophizing Scale total (13 items x 0-4).", "measure",
                  "clinical", "score", [0, 52], True, "PCS"),
    "ppt_mean": ("Mean pressure pain threshold over 8 body sites (hand-held algometer); "
                 "higher = less pain sensitive.", "measure", "psychophysics", "kPa",
                 [0, None], False, "PPT (mean of 8 sites)"),
    "cpm_score": ("Conditioned pain modulation: (end PPT - baseline PPT) / baseline PPT at "
                  "the thigh during ischemic tourniquet conditioning; > 0 = inhibition.",
                  "measure", "psychophysics", "proportion", [-1, None], False, "CPM score"),
    "p10_pressure": ("Individually calibrated cuff pressure (left calf) rated 10 mm on the "
                     "VAS.", "measure", "psychophysics", "mmHg", [0, None], True, "P10"),
    "p50_pressure": ("Individually calibrated cuff pressure (left calf) rated 50 mm on the "
                     "VAS.", "measure", "psychophysics", "mmHg", [0, None], True, "P50"),
}
_REGION_NAMES = {"racc": "right rostral anterior cingulate cortex (rACC)",
                 "thal": "bilateral thalamus"}
_QUANT = {"abs": ("absolute (water-referenced, tissue partial-volume corrected)", "mM"),
          "rel": ("relative to total creatine (tCr assumed 7 mM)", "mM (tCr-scaled)")}


def _mrs_entries() -> dict:
    out = {}
    for region, label in _REGION_NAMES.items():
        for metabolite, met_label in (("glu", "Glutamate"), ("gaba", "GABA")):
            for quant, (how, units) in _QUANT.items():
                out[f"{region}_{metabolite}_{quant}"] = {
                    "Description": f"{met_label} in the {label} MRS voxel (PRESS TE 40 ms, "
                                   f"LCModel), {how}.",
                    "Role": "measure", "Modality": "MRS", "Region": region,
                    "Units": units, "Range": [0, None],
                    "Label": f"{region.replace('racc', 'rACC').replace('thal', 'Thalamus')}"
                             f" {met_label} ({quant})",
                }
    return out


def dictionary() -> dict:
    """participants.json of the cohort (data/FORMAT.md)."""
    out = {
        "group": {"Description": "Fibromyalgia (ACR 1990 and 2011) or healthy control; all "
                                 "women.", "Role": "factor", "Label": "Group",
                  "Levels": {"HC": "healthy control", "FM": "fibromyalgia"}},
        "tspo_binder": {"Description": "TSPO binding affinity class inferred from rs6971 "
                                       "(MLAB = mixed + low affinity binders).",
                        "Role": "factor", "Label": "TSPO binder class",
                        "Levels": {"HAB": "high-affinity binder (Ala/Ala)",
                                   "MLAB": "mixed or low-affinity binder (Ala/Thr, Thr/Thr)"}},
        "tspo_genotype": {"Description": "TSPO rs6971 (Ala147Thr) genotype class.",
                          "Role": "factor", "Label": "TSPO genotype",
                          "Levels": {"HAB": "high-affinity binder", "MAB": "mixed-affinity "
                                     "binder", "LAB": "low-affinity binder"}},
        "sex": {"Description": "Sex (inclusion criterion: women only).", "Role": "factor",
                "Label": "Sex", "Levels": {"female": "female"}},
    }
    for name, (text, role, modality, units, rng, integer, label) in _CLINICAL.items():
        entry = {"Description": text, "Role": role, "Modality": modality, "Units": units,
                 "Range": rng, "Label": label}
        if integer:
            entry["Integer"] = True
        out[name] = entry
    out.update(_mrs_entries())
    return out


def regions() -> pd.DataFrame:
    """The two MRS voxels as spheres of the reported volume (centres not reported)."""
    def radius(ml: float) -> float:
        return round(float(np.cbrt(3 * ml * 1000 / (4 * np.pi))), 1)

    return pd.DataFrame([
        {"region_id": "racc", "label": "right rostral anterior cingulate cortex (MRS voxel)",
         "atlas": "sphere", "atlas_label": "n/a", "x": 6, "y": 40, "z": 6,
         "radius_mm": radius(5.4),
         "source": "Fig. 1A voxel placement; 5.4 mL (section 2.2.4); centre approximated "
                   "from the figure, not reported"},
        {"region_id": "thal", "label": "bilateral thalamus (MRS voxel)", "atlas": "sphere",
         "atlas_label": "n/a", "x": 0, "y": -16, "z": 6, "radius_mm": radius(12.0),
         "source": "Fig. 1B voxel placement; 12 mL (section 2.2.4); centre approximated "
                   "from the figure, not reported"},
    ])


SIMULATION_NOTES = (
    "Simulated, not the study's data. Four cells (FM/HC x HAB/MLAB; 52/31/22/21) simulated "
    "as Gaussian copulas with per-measure moment matching. Matched exactly (to the printed "
    "precision, on the observed rows): Table 1 means/SDs of the FM HAB and FM MLAB columns "
    "and Table 3 MRS means/SDs of all four cells. The HC column of Table 1 is pooled in the "
    "paper; it is split into HC HAB/HC MLAB with the HC mean and SD kept and the binder "
    "difference chosen to reproduce the printed two-way ANOVA P values. CPM (Figure 2) and "
    "P10/P50 calibrated pressures (Figure 3) are only drawn in the paper: cell means are "
    "derived from the reported F values with invented within-cell SDs. Trial-level P30 "
    "ratings follow the Table 2 mixed-model coefficients with invented random-intercept and "
    "residual SDs. Within-cell Spearman correlations follow Tables 4 and 5 approximately; "
    "correlations among clinical scores, the LAB/MAB split by group and the MRS voxel "
    "centres are invented. Sample sizes per measure and cell (CPM, rACC, thalamus, "
    "calibration/P30) are those of the paper. No fMRI data are simulated.")


def description() -> dict:
    """dataset_description.json of the cohort."""
    return {
        "Name": "TSPO genotype, pain modulation and MRS glutamate/GABA in fibromyalgia "
                "(Fanton et al. 2022), simulated",
        "BIDSVersion": "1.9.0", "DatasetType": "raw", "Version": "1.0.0",
        "License": "CC0-1.0", "Authors": ["Pain Cohort Explorer simulator"],
        "ReferencesAndLinks": ["https://doi.org/10.1097/j.pain.0000000000002309",
                               "https://osf.io/8zqak"],
        "HowToAcknowledge": "Cite Fanton et al. (2022) PAIN 163:274-286 for the study; "
                            "these data are simulated from its published statistics.",
        "Citation": "Fanton S, Sandström A, Tour J, Kadetoff D, Schalling M, Jensen KB, "
                    "Sitnikov R, Ellerbrock I, Kosek E (2022). The translocator protein gene "
                    "is associated with endogenous pain modulation and the balance between "
                    "glutamate and GABA in fibromyalgia and healthy subjects: a multimodal "
                    "neuroimaging study. PAIN 163:274-286.",
        "Summary": "A case-control study of 83 women with fibromyalgia and 43 healthy women "
                   "split by TSPO rs6971 binder class (HAB vs MLAB), with clinical scales, "
                   "conditioned pain modulation, cue-modulated P30 pain ratings and rACC/"
                   "thalamus MRS glutamate and GABA. TSPO high-affinity binders showed less "
                   "efficient pain inhibition and higher thalamic glutamate.",
        "Simulated": True,
        "SimulationNotes": SIMULATION_NOTES,
        "GeneratedBy": [{"Name": "pain-cohort-explorer simulator", "Version": "1.0.0",
                         "CodeURL": "data/simulation/fanton2022_fm_tspo.py"}],
    }
