"""Column dictionary, dataset description and regions of the simulated Alshelh 2022 cohort.

Text only (what the files say about the data); the numbers live in
:mod:`data.simulation.alshelh2022_clbp_subtypes`.
"""

from __future__ import annotations

import pandas as pd

REGIONS = [  # region_id, label, atlas, atlas_label, source (no coordinates are reported)
    ("s1_cluster", "Primary somatosensory cortex, RAD > AX PET cluster",
     "harvard_oxford_cortical", "Postcentral Gyrus",
     "Results/Fig. 2: voxelwise cluster, peak not reported; Harvard-Oxford label as stand-in"),
    ("s1_apriori", "Primary somatosensory cortex, a priori ROI (Loggia et al. 2015)",
     "harvard_oxford_cortical", "Postcentral Gyrus",
     "Methods: cLBP > HC cluster of ref 21; Harvard-Oxford label as stand-in"),
    ("thalamus_apriori", "Thalamus, a priori ROI (Loggia et al. 2015)",
     "harvard_oxford_subcortical", "Left Thalamus; Right Thalamus",
     "Methods: cLBP > HC cluster of ref 21; Harvard-Oxford labels as stand-in"),
    ("ips_cluster", "Intraparietal sulcus, RAD > AX PET cluster", "juelich",
     ("GM Anterior intra-parietal sulcus hIP1; GM Anterior intra-parietal sulcus hIP2; "
     "GM Anterior intra-parietal sulcus hIP3"), "Results/Fig. 2: cluster, peak not reported"),
    ("left_wm_cluster", "Left white matter, RAD > AX PET cluster",
     "desikan_killiany", "Left-Cerebral-White-Matter",
     "Results/Fig. 2: cluster, peak not reported"),
    ("right_wm_cluster", "Right white matter, RAD > AX PET cluster",
     "desikan_killiany", "Right-Cerebral-White-Matter",
     "Results/Fig. 2: cluster, peak not reported"),
    ("pcc_cluster", "Posterior cingulate cortex, RAD > AX PET cluster",
     "harvard_oxford_cortical", "Cingulate Gyrus, posterior division",
     "Results/Fig. 2: cluster, peak not reported"),
    ("right_thalamus_vlp_vpl", "Right thalamus (VLp/VPL), S1 connectivity target",
     "harvard_oxford_subcortical", "Right Thalamus",
     "Results/Fig. 3: RAD > AX S1-seed connectivity cluster, peak not reported"),
]
PET_LABELS = {"s1_cluster": "S1 cluster", "s1_apriori": "S1 a priori",
              "thalamus_apriori": "Thalamus a priori", "ips_cluster": "IPS cluster",
              "left_wm_cluster": "L WM cluster", "right_wm_cluster": "R WM cluster",
              "pcc_cluster": "PCC cluster"}
SCALES = {
    "paindetect": ("PainDETECT score (likelihood of a neuropathic component).", [0, 38],
                   True, "PainDETECT", "clinical"),
    "bpi": ("Brief Pain Inventory pain score (subscale not specified in the paper).",
            [0, 10], False, "BPI", "clinical"),
    "fibromyalgia_survey": (("2011 modified ACR Fibromyalgia Survey score "
                            "('fibromyalgianess'; >= 13 meets criteria)."), [0, 31], True,
                            "Fibromyalgia Survey", "clinical"),
    "estim_back_pain": ("Pain of electrical stimulation of the back (Protocol 2 subset).",
                        [0, 100], True, "E-stim back pain", "psychophysics"),
    "estim_right_leg_pain": (("Pain of electrical stimulation of the right leg (Protocol 2 "
                             "subset)."), [0, 100], True, "E-stim right leg", "psychophysics"),
    "estim_left_leg_pain": (("Pain of electrical stimulation of the left leg (Protocol 2 "
                            "subset)."), [0, 100], True, "E-stim left leg", "psychophysics"),
}


def dictionary() -> dict:
    out = {
        "pain_subtype": {"Description": "Clinical cLBP subtype.", "Role": "factor",
                         "Levels": {"axial": "pain not radiating to the leg (cLBP_AX)",
                                    "radicular": "pain radiating to the leg (cLBP_RAD)"},
                         "Label": "Subtype"},
        "protocol": {"Description": "Study protocol (fully confounded with the scanner).",
                     "Role": "covariate",
                     "Levels": {"P1": "Protocol 1: BrainPET insert in a 3T Tim Trio",
                                "P2": "Protocol 2: Siemens Biograph mMR (trial baseline)"},
                     "Label": "Protocol"},
        "sex": {"Description": "Sex.", "Role": "factor",
                "Levels": {"female": "female", "male": "male"}, "Label": "Sex"},
        "tspo_genotype": {"Description": "TSPO rs6971 (Ala147Thr) genotype; LABs excluded.",
                          "Role": "covariate",
                          "Levels": {"HAB": "high-affinity binder (Ala/Ala)",
                                     "MAB": "mixed-affinity binder (Ala/Thr)"},
                          "Label": "TSPO genotype"},
        "age": {"Description": "Age.", "Role": "covariate", "Modality": "demographic",
                "Units": "years", "Range": [18, 80], "Integer": True, "Label": "Age"},
        "bmi": {"Description": "Body mass index.", "Role": "covariate",
                "Modality": "demographic", "Units": "kg/m^2", "Range": [10, 60],
                "Label": "BMI"},
        "injected_dose": {"Description": "[11C]PBR28 injected dose.", "Role": "covariate",
                          "Modality": "PET", "Units": "MBq", "Range": [0, 600],
                          "Label": "Injected dose"},
        "specific_activity": {"Description": "Specific activity of the tracer.",
                              "Role": "covariate", "Modality": "PET", "Units": "GBq/umol",
                              "Range": [0, None], "Label": "Specific activity"},
        "injected_mass": {"Description": "Injected tracer mass.", "Role": "covariate",
                          "Modality": "PET", "Units": "ug", "Range": [0, None],
                          "Label": "Injected mass"},
    }
    for name, (text, rng, integer, label, modality) in SCALES.items():
        out[name] = {"Description": text, "Role": "measure", "Modality": modality,
                     "Units": "points" if "estim" not in name else "NRS points",
                     "Range": rng, "Integer": integer, "Label": label}
    regions = {r[0]: r[1] for r in REGIONS}
    out["s1_thalamus_connectivity"] = {
        "Description": "Resting-state connectivity of the S1 PET cluster seed with the right "
                       "thalamus (VLp/VPL) cluster.", "Role": "measure", "Modality": "fMRI",
        "Region": "right_thalamus_vlp_vpl", "Units": "z", "Label": "S1-thalamus connectivity"}
    for roi, label in PET_LABELS.items():
        out[f"{roi}_suvr"] = {
            "Description": f"[11C]PBR28 SUVR (60-90 min, whole-brain normalised) in the "
                           f"{regions[roi][0].lower()}{regions[roi][1:]}.",
            "Role": "measure", "Modality": "PET", "Region": roi, "Units": "SUVR",
            "Range": [0, None], "Label": f"{label} SUVR"}
    return out


def description() -> dict:
    return {
        "Name": "Axial vs radicular chronic low back pain, [11C]PBR28 PET/MRI (simulated)",
        "BIDSVersion": "1.9.0", "DatasetType": "raw", "Version": "1.0.0",
        "License": "CC0-1.0", "Authors": ["Pain Cohort Explorer simulator"],
        "ReferencesAndLinks": ["https://doi.org/10.1093/brain/awab336"],
        "HowToAcknowledge": "Cite Alshelh et al. (2022) Brain 145(3):1098-1110; state that "
                            "the data are simulated from its published statistics.",
        "Citation": "Alshelh Z, Brusaferri L, Saha A, et al. (2022). Neuroimmune signatures "
                    "in chronic low back pain subtypes. Brain 145(3):1098-1110.",
        "Summary": "A [11C]PBR28 PET/MRI study comparing 26 axial and 28 radicular chronic "
                   "low back pain patients scanned under two protocols. Radicular patients "
                   "show higher TSPO signal in primary somatosensory cortex and stronger "
                   "S1-thalamus connectivity, both linked to fibromyalgianess.",
        "Simulated": True,
        "SimulationNotes": (
            "Simulated, not real participants. Exact: the four protocol x subtype cell sizes, "
            "sex and genotype counts (Table 1 with its Protocol-column swap resolved), and per "
            "cell mean/SD on the observed rows of age (Protocol-1 ages from the Methods text), "
            "BMI, injected dose, specific activity, injected mass, PainDETECT, BPI, "
            "Fibromyalgia Survey and e-stim ratings, with the published missingness (PainDETECT "
            "44, BPI 45, Fibromyalgia Survey 35, e-stim 21 of 54); integer scales match to the "
            "precision the grid allows. Within-cell correlations of the clinical scales are "
            "invented. Imaging measures are built by exact regression on subtype + protocol "
            "(+ genotype for PET): S1 and thalamus a priori ROIs give F(1,50) = 5.7 and 1.2 "
            "exactly; voxelwise-cluster F values, SUVR levels, scanner and genotype offsets are "
            "invented. Residuals are tuned so that S1 SUVR correlates r = 0.43 with the "
            "Fibromyalgia Survey (n = 35) and 0.25 with PainDETECT (n = 44), connectivity "
            "0.43 with S1 SUVR (n = 54) and 0.57 with the Fibromyalgia Survey, and mediation "
            "path c = 1.54 (SE 0.74). Regions are atlas labels standing in for clusters whose "
            "coordinates the paper does not report."),
        "GeneratedBy": [{"Name": "pain-cohort-explorer simulator", "Version": "1.0.0",
                         "CodeURL": "data/simulation/alshelh2022_clbp_subtypes.py"}],
    }


def regions() -> pd.DataFrame:
    frame = pd.DataFrame(REGIONS, columns=["region_id", "label", "atlas", "atlas_label",
                                           "source"])
    for column in ("x", "y", "z", "radius_mm"):
        frame.insert(4, column, pd.array([pd.NA] * len(frame), dtype="Int64"))
    return frame[["region_id", "label", "atlas", "atlas_label", "x", "y", "z", "radius_mm",
                  "source"]]
