"""Column dictionary, dataset description and regions of the simulated Albrecht 2021 cohort.

Text only (what the files say about the data); the numbers live in
:mod:`data.simulation.clbp_pet_negative_affect`.
"""

from __future__ import annotations

import pandas as pd

PATIENT_ONLY_ROIS = ("acc", "insula", "pfc", "left_thalamus", "right_thalamus",
                     "left_thalamus_cluster")  # a priori and control ROIs: patients only

REGIONS = [  # region_id, label, atlas, atlas_label, x, y, z, radius_mm, source
    ("acc", "Anterior cingulate cortex (a priori ROI)", "harvard_oxford_cortical",
     "Cingulate Gyrus, anterior division", None, None, None, None,
     "Methods: Neurosynth 'anterior cingulate cortex' map; nearest Harvard-Oxford label"),
    ("pfc", "Prefrontal cortex (a priori ROI)", "harvard_oxford_cortical",
     ("Frontal Pole; Superior Frontal Gyrus; Middle Frontal Gyrus; Inferior Frontal Gyrus, "
     "pars triangularis; Inferior Frontal Gyrus, pars opercularis; Frontal Medial Cortex; "
     "Frontal Orbital Cortex"), None, None, None, None,
     "Methods: Harvard-Oxford cortical labels (threshold 30) assembled into a PFC ROI"),
    ("insula", "Insula (a priori ROI)", "harvard_oxford_cortical", "Insular Cortex",
     None, None, None, None, "Methods: Harvard-Oxford cortical atlas, threshold 30"),
    ("left_thalamus", "Left thalamus (control ROI)", "harvard_oxford_subcortical",
     "Left Thalamus", None, None, None, None, "Methods: Harvard-Oxford, threshold 30"),
    ("right_thalamus", "Right thalamus (control ROI)", "harvard_oxford_subcortical",
     "Right Thalamus", None, None, None, None, "Methods: Harvard-Oxford, threshold 30"),
    ("left_thalamus_cluster", "Left thalamic cluster of Loggia et al. 2015 (control ROI)",
     "harvard_oxford_subcortical", "Left Thalamus", None, None, None, None,
     ("Methods: cLBP > HC cluster of ref 21 (coordinates not reported; whole left thalamus "
     "label used as stand-in)")),
    ("amcc", "Anterior middle cingulate cortex cluster", "sphere", None, -10, 36, 22, 3,
     "Results: peak of the voxelwise SUVR ~ BDI cluster; 3-mm seed sphere (Methods)"),
    ("pgacc", "Pregenual anterior cingulate cortex cluster", "sphere", None, 2, 40, -2, 3,
     "Results: peak of the voxelwise SUVR ~ BDI cluster; 3-mm seed sphere (Methods)"),
    ("right_dlpfc", "Right dorsolateral prefrontal cortex (pgACC connectivity target)",
     "harvard_oxford_cortical", "Right Middle Frontal Gyrus", None, None, None, None,
     "Results/Fig. 3: cluster coordinates not reported; Harvard-Oxford label as stand-in"),
]

ROI_LABELS = {"acc": "ACC", "pfc": "PFC", "insula": "Insula", "left_thalamus": "L thalamus",
              "right_thalamus": "R thalamus", "left_thalamus_cluster": "L thalamic cluster",
              "amcc": "aMCC", "pgacc": "pgACC"}


def dictionary() -> dict:
    pet = {f"{roi}_suvr": {
        "Description": f"[11C]PBR28 SUVR (60-90 min, whole-brain normalised) in the "
                       f"{ {r[0]: r[1] for r in REGIONS}[roi].lower()}"
                       + ("; patients only (controls not analysed in the paper)."
                          if roi in PATIENT_ONLY_ROIS else "."),
        "Role": "measure", "Modality": "PET", "Region": roi, "Units": "SUVR",
        "Range": [0, None], "Label": f"{ROI_LABELS[roi]} SUVR"} for roi in ROI_LABELS}
    return {
        "group": {"Description": "Participant group.", "Role": "factor",
                  "Levels": {"HC": "healthy pain-free controls (existing dataset)",
                             "cLBP": "chronic low back pain patients"}, "Label": "Group"},
        "depression_subgroup": {
            "Description": "BDI-defined subgroup (cut-offs for medically ill patients); "
                           "controls are the reference of the one-sided Dunnett tests.",
            "Role": "factor",
            "Levels": {"CTRL": "healthy controls",
                       "little_to_no": "cLBP with little-to-no depression (BDI 0-9)",
                       "mild_to_moderate": "cLBP with mild-to-moderate depression (BDI 10-18)"},
            "Label": "Depression subgroup"},
        "sex": {"Description": "Sex.", "Role": "factor",
                "Levels": {"female": "female", "male": "male"}, "Label": "Sex"},
        "tspo_genotype": {"Description": "TSPO rs6971 (Ala147Thr) genotype; LABs not imaged.",
                          "Role": "covariate",
                          "Levels": {"HAB": "high-affinity binder (Ala/Ala)",
                                     "MAB": "mixed-affinity binder (Ala/Thr)"},
                          "Label": "TSPO genotype"},
        "age": {"Description": "Age at scan.", "Role": "covariate", "Modality": "demographic",
                "Units": "years", "Range": [18, 80], "Integer": True, "Label": "Age"},
        "injected_dose": {"Description": "[11C]PBR28 injected dose.", "Role": "covariate",
                          "Modality": "PET", "Units": "MBq", "Range": [0, 600],
                          "Label": "Injected dose"},
        "bdi": {"Description": "Beck Depression Inventory (BDI-IA) total.", "Role": "measure",
                "Modality": "clinical", "Units": "points", "Range": [0, 63], "Integer": True,
                "Label": "BDI"},
        "clinical_pain_nrs": {"Description": "Current clinical pain rated during the scan "
                                             "(0 = no pain, 100 = most intense tolerable).",
                              "Role": "measure", "Modality": "clinical", "Units": "NRS points",
                              "Range": [0, 100], "Integer": True, "Label": "Pain (scan NRS)"},
        "mpq_sf": {"Description": "Short-form McGill Pain Questionnaire total (patients).",
                   "Role": "measure", "Modality": "clinical", "Units": "points",
                   "Range": [0, 45], "Integer": True, "Label": "SF-MPQ"},
        "pgacc_dlpfc_connectivity": {
            "Description": "Resting-state connectivity of the pgACC seed with the right dlPFC "
                           "cluster (mean first-level z; patients only).",
            "Role": "measure", "Modality": "fMRI", "Region": "right_dlpfc", "Units": "z",
            "Label": "pgACC-dlPFC connectivity"},
        **pet,
    }


def description() -> dict:
    return {
        "Name": "TSPO PET and negative affect in chronic low back pain (simulated)",
        "BIDSVersion": "1.9.0", "DatasetType": "raw", "Version": "1.0.0",
        "License": "CC0-1.0", "Authors": ["Pain Cohort Explorer simulator"],
        "ReferencesAndLinks": ["https://doi.org/10.1038/s41380-019-0433-1"],
        "HowToAcknowledge": "Cite Albrecht et al. (2021) Mol Psychiatry 26:864-874; state "
                            "that the data are simulated from its published statistics.",
        "Citation": "Albrecht DS, Kim M, Akeju O, et al. (2021). The neuroinflammatory "
                    "component of negative affect in patients with chronic pain. Molecular "
                    "Psychiatry 26(3):864-874.",
        "Summary": "A [11C]PBR28 PET/MRI study of 25 chronic low back pain patients and 27 "
                   "healthy controls relating glial activation (TSPO SUVR) to depressive "
                   "symptoms (BDI). Patients with mild-to-moderate depression show higher "
                   "SUVR in pregenual and anterior middle cingulate cortex than controls.",
        "Simulated": True,
        "SimulationNotes": (
            "Simulated, not real participants. Exact: cell sizes (27 HC; 18 + 7 patients by "
            "BDI subgroup), sex counts, age mean/SD per group (Abstract, integer years). "
            "Patient injected dose and genotype counts (21 HAB / 4 MAB) come from Protocol 1 of "
            "Alshelh et al. 2022 (the same 25 patients); control dose, control genotypes and "
            "all BDI, pain and SF-MPQ values are invented within the published ranges and "
            "cut-offs. Imaging measures are built by exact regression: the ANCOVA of aMCC and "
            "pgACC SUVR (subgroup + age + dose + genotype) reproduces the published adjusted "
            "differences (-0.03/0.11 and -0.02/0.12) with F chosen for the printed p; partial "
            "correlations of ROI SUVR with BDI given genotype equal the published r (ACC "
            "0.494, insula 0.47, PFC 0.44; thalamic ROIs below 0.163); pgACC-dlPFC "
            "connectivity reproduces mediation paths c = 0.969 (SE 0.48) and c' = -0.172 "
            "(SE 0.61). SUVR means, covariate slopes and residual patterns are invented; "
            "controls have no values for the a priori ROIs, connectivity or SF-MPQ, which "
            "the paper analysed in patients only."),
        "GeneratedBy": [{"Name": "pain-cohort-explorer simulator", "Version": "1.0.0",
                         "CodeURL": "data/simulation/clbp_pet_negative_affect.py"}],
    }


def regions() -> pd.DataFrame:
    columns = ["region_id", "label", "atlas", "atlas_label", "x", "y", "z", "radius_mm",
               "source"]
    frame = pd.DataFrame(REGIONS, columns=columns)
    for column in ("x", "y", "z", "radius_mm"):
        frame[column] = frame[column].astype("Int64")
    return frame
