"""Column dictionary and dataset description of the Martins et al. 2022 cohort."""

from __future__ import annotations

from data.simulation.martins2022_targets import (
    DATASET_TARGETS,
    DK_REGIONS,
    HEMISPHERES,
    PAPER_DOI,
    ms_column,
)

_MS_UNITS = "mean Pearson r"


def _region_entry(hemi: str, side: str, name: str, label: str) -> dict:
    return {
        "Description": f"Regional morphometric similarity of the {side.lower()} "
                       f"{label[0].lower()}{label[1:]}: mean Pearson correlation of its 5 "
                       "z-scored FreeSurfer features (GM volume, surface area, thickness, "
                       "Gaussian and mean curvature) with those of the other 67 regions.",
        "Role": "measure", "Modality": "MRI", "Units": _MS_UNITS,
        "Region": f"{hemi}_{name}", "Range": [-1, 1],
        "Label": f"MS {hemi.upper()[0]} {label[0].lower()}{label[1:]}",
    }


def dictionary() -> dict:
    """participants.json content (column order of participants.tsv)."""
    datasets = {d: f"{t.condition} case-control data set ({t.source})"
                for d, t in DATASET_TARGETS.items()}
    out = {
        "dataset": {"Description": "Open data set the participant comes from; each data set "
                    "has its own healthy controls and was analysed separately.",
                    "Role": "factor", "Levels": datasets, "Label": "Data set"},
        "group": {"Description": "Case-control status within the data set.", "Role": "factor",
                  "Levels": {"control": "healthy control of the same data set",
                             "patient": "patient with the data set's condition "
                                        "(OA, CLBP, FM or unmedicated MDD)"},
                  "Label": "Group"},
        "sex": {"Description": "Sex of the participant.", "Role": "factor",
                "Levels": {"female": "female", "male": "male"}, "Label": "Sex"},
        "age": {"Description": "Age at scanning.", "Role": "covariate", "Units": "years",
                "Modality": "demographic", "Range": [18, 80], "Integer": True, "Label": "Age"},
        "icv": {"Description": "Total intracranial volume (FreeSurfer), a covariate of every "
                "MS model; simulated values are INVENTED (not reported in the paper).",
                "Role": "covariate", "Units": "mL", "Modality": "MRI", "Range": [1000, 2000],
                "Integer": True, "Label": "ICV"},
        "ms_global": {"Description": "Global morphometric similarity: mean of the 68 regional "
                      "MS values (average of the participant's 68 x 68 MS matrix).",
                      "Role": "measure", "Modality": "MRI", "Units": _MS_UNITS,
                      "Range": [-1, 1], "Label": "Global MS"},
    }
    for hemi, side in HEMISPHERES:
        for name, label, _ in DK_REGIONS:
            out[ms_column(f"{hemi}_{name}")] = _region_entry(hemi, side, name, label)
    return out


SIMULATION_NOTES = (
    "Simulated from the text of Martins et al. 2022 (no tables are in the main text). Exact: "
    "cell sizes, female counts (OA and CLBP patients and OA controls rounded from printed "
    "percentages) and age mean/SD per group (integer ages; Sec 2.1, 2.5). INVENTED: "
    "intracranial volume (sex-specific normal, mL), age ranges, the control regional-MS "
    "topography (only its signs are described, Sec 3.1: positive in frontal and temporal, "
    "negative in occipital and cingulate cortex), residual SDs and small covariate effects. "
    "Regional MS is constructed per data set so that the linear model group + age + sex + ICV "
    "(sex dropped in all-female FM) gives a prescribed t for every region: regions the paper "
    "lists as P < 0.05 uncorrected (Sec 3.3) get 2.1 <= |t| <= 2.7 in the published "
    "direction (none survives FDR over 68 regions); unreported regions get small effects "
    "(|t| < 1.85) drawn around a shared pain pattern (increases in insula and limbic cortex, "
    "decreases in occipital, sensorimotor and frontal cortex, Abstract). The t maps were drawn "
    "so that Spearman rho between each pain map and control MS is -0.397/-0.379/-0.522 (Sec "
    "3.5), PC1 of the three pain Z maps explains ~64.45% (Sec 2.8), all pain maps correlate "
    "positively and the MDD map is uncorrelated with OA and negatively correlated with CLBP, FM "
    "and PC1 (Sec 3.3). Global MS is the mean of the 68 regional values and gives the "
    "published T of OA (0.98), CLBP (-0.56) and FM (-0.84) in that model (Sec 3.2); MDD global "
    "MS is not reported. The 5 morphometric features, MS matrices, von Economo classes and "
    "gene-expression data are not simulated.")


def description(url: str) -> dict:
    """dataset_description.json content."""
    return {
        "Name": "Morphometric similarity in knee osteoarthritis, chronic low back pain, "
                "fibromyalgia and depression (Martins et al. 2022, simulated)",
        "BIDSVersion": "1.9.0",
        "DatasetType": "raw",
        "Version": "1.0.0",
        "License": "CC0-1.0",
        "Authors": ["Pain Cohort Explorer simulator"],
        "ReferencesAndLinks": [url, f"https://doi.org/{PAPER_DOI}"],
        "HowToAcknowledge": "Cite Martins et al. 2022 (PAIN 163:e759-e773) and state that the "
                            "data are simulated from its published statistics.",
        "Citation": "Martins D, Dipasquale O, Veronese M, Turkheimer F, Loggia ML, McMahon S, "
                    "Howard MA, Williams SCR (2022). Transcriptional and cellular signatures of "
                    "cortical morphometric remodelling in chronic pain. PAIN 163:e759-e773.",
        "Summary": "A structural MRI study of cortical morphometric similarity (68 "
                   "Desikan-Killiany regions) in three chronic pain data sets (knee OA 56/20, "
                   "CLBP 29/33, fibromyalgia 20/20 patients/controls) and an unmedicated MDD "
                   "comparator (19/20). Global MS did not differ from controls; regional MS "
                   "rose in insula and limbic cortex and fell in parietal, occipital and "
                   "frontal regions (nominal P < 0.05), with a shared pattern across "
                   "conditions.",
        "Simulated": True,
        "SimulationNotes": SIMULATION_NOTES,
        "GeneratedBy": [{"Name": "pain-cohort-explorer simulator", "Version": "1.0.0",
                         "CodeURL": "data/simulation/martins2022_morphometric_similarity.py"}],
    }
