"""Published targets of Martins et al. 2022 (PAIN 163:e759-e773), copied from the paper.

Martins D, Dipasquale O, Veronese M, et al. "Transcriptional and cellular signatures of
cortical morphometric remodelling in chronic pain." PAIN 2022;163:e759-e773,
doi:10.1097/j.pain.0000000000002480. Every number below says where it stands in the paper;
values marked INVENTED are not reported anywhere and were chosen to be plausible.
Nothing here reads the paper or the study card at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

PAPER_DOI = "10.1097/j.pain.0000000000002480"
PAPER_URL = "http://dx.doi.org/10.1097/j.pain.0000000000002480"
DATASETS = ("OA", "CLBP", "FM", "MDD")
GROUPS = ("control", "patient")


@dataclass(frozen=True)
class Cell:
    """One group of one data set (Sec 2.1 and 2.5 of the paper)."""

    n: int
    n_female: int
    age_mean: float
    age_sd: float


@dataclass(frozen=True)
class Dataset:
    """One case-control data set with its own controls."""

    name: str
    condition: str
    source: str
    control: Cell
    patient: Cell
    age_range: tuple[int, int]          # INVENTED plausible inclusion range (not reported)
    global_t: float | None              # Sec 3.2: global MS case-control T (None: not reported)
    global_p: float | None


# Sec 2.1 (OA, CLBP, FM) and Sec 2.5 (MDD). Integer female counts of OA and CLBP patients and
# OA controls are derived from the printed percentages (54% of 56 -> 30; 59% of 29 -> 17;
# 50% of 20 -> 10). OA ages are printed without decimals ("58 +/- 6.96").
DATASET_TARGETS = {
    "OA": Dataset("OA", "knee osteoarthritis", "OpenNeuro ds000208 (Tetreault et al. 2016)",
                  control=Cell(20, 10, 58.0, 6.65), patient=Cell(56, 30, 58.0, 6.96),
                  age_range=(40, 80), global_t=0.98, global_p=0.33),
    "CLBP": Dataset("CLBP", "chronic low back pain", "OpenPain project (Makary et al. 2020)",
                    control=Cell(33, 14, 31.18, 9.65), patient=Cell(29, 17, 30.79, 11.59),
                    age_range=(18, 65), global_t=-0.56, global_p=0.58),
    "FM": Dataset("FM", "fibromyalgia", "OpenNeuro ds001928 (Pando-Naude et al. 2019)",
                  control=Cell(20, 20, 42.1, 12.5), patient=Cell(20, 20, 46.4, 12.4),
                  age_range=(20, 70), global_t=-0.84, global_p=0.41),
    "MDD": Dataset("MDD", "major depressive disorder (unmedicated; comparator)",
                   "OpenNeuro ds000171 (Lepping et al. 2016)",
                   control=Cell(20, 11, 33.52, 14.07), patient=Cell(19, 11, 29.45, 11.26),
                   age_range=(18, 70), global_t=None, global_p=None),
}

# Desikan-Killiany cortical regions in FreeSurfer aparc order (Sec 2.3: 68 regions, 34 per
# hemisphere) with the card author's grouping of the paper's wording (insula / limbic /
# occipital / sensorimotor / frontal / temporal / parietal); the paper gives no lobe mapping.
DK_REGIONS = (
    ("bankssts", "Banks of the superior temporal sulcus", "temporal"),
    ("caudalanteriorcingulate", "Caudal anterior cingulate cortex", "limbic"),
    ("caudalmiddlefrontal", "Caudal middle frontal gyrus", "frontal"),
    ("cuneus", "Cuneus", "occipital"),
    ("entorhinal", "Entorhinal cortex", "limbic"),
    ("fusiform", "Fusiform gyrus", "temporal"),
    ("inferiorparietal", "Inferior parietal cortex", "parietal"),
    ("inferiortemporal", "Inferior temporal gyrus", "temporal"),
    ("isthmuscingulate", "Isthmus of the cingulate", "limbic"),
    ("lateraloccipital", "Lateral occipital cortex", "occipital"),
    ("lateralorbitofrontal", "Lateral orbitofrontal cortex", "frontal"),
    ("lingual", "Lingual gyrus", "occipital"),
    ("medialorbitofrontal", "Medial orbitofrontal cortex", "frontal"),
    ("middletemporal", "Middle temporal gyrus", "temporal"),
    ("parahippocampal", "Parahippocampal gyrus", "limbic"),
    ("paracentral", "Paracentral lobule", "sensorimotor"),
    ("parsopercularis", "Pars opercularis", "frontal"),
    ("parsorbitalis", "Pars orbitalis", "frontal"),
    ("parstriangularis", "Pars triangularis", "frontal"),
    ("pericalcarine", "Pericalcarine cortex", "occipital"),
    ("postcentral", "Postcentral gyrus", "sensorimotor"),
    ("posteriorcingulate", "Posterior cingulate cortex", "limbic"),
    ("precentral", "Precentral gyrus", "sensorimotor"),
    ("precuneus", "Precuneus", "parietal"),
    ("rostralanteriorcingulate", "Rostral anterior cingulate cortex", "limbic"),
    ("rostralmiddlefrontal", "Rostral middle frontal gyrus", "frontal"),
    ("superiorfrontal", "Superior frontal gyrus", "frontal"),
    ("superiorparietal", "Superior parietal cortex", "parietal"),
    ("superiortemporal", "Superior temporal gyrus", "temporal"),
    ("supramarginal", "Supramarginal gyrus", "parietal"),
    ("frontalpole", "Frontal pole", "frontal"),
    ("temporalpole", "Temporal pole", "temporal"),
    ("transversetemporal", "Transverse temporal gyrus", "temporal"),
    ("insula", "Insula", "insula"),
)
HEMISPHERES = (("lh", "Left"), ("rh", "Right"))
REGION_IDS = tuple(f"{h}_{name}" for h, _ in HEMISPHERES for name, _, _ in DK_REGIONS)
REGION_GROUPING = {f"{h}_{name}": grouping for h, _ in HEMISPHERES
                   for name, _, grouping in DK_REGIONS}


def ms_column(region_id: str) -> str:
    """participants.tsv column of the regional MS of `region_id` (e.g. ms_lh_insula)."""
    return f"ms_{region_id}"


# Sec 3.3 / Fig. 3 lower panel: regions with a case-control difference at P < 0.05 uncorrected
# (none survived FDR over 68 regions). +1 = increase in patients, -1 = decrease. FM
# "medial ... temporal" is read as middle temporal (DK has no medial temporal gyrus); FM
# entorhinal and parahippocampal carry no hemisphere in the text and are assigned to the left.
# CLBP "left entorhinal cortex and caudal anterior cingulate": "left" applies to both.
REPORTED_REGIONS = {
    "OA": {"lh_superiorfrontal": -1, "rh_pericalcarine": -1, "lh_posteriorcingulate": -1,
           "lh_insula": +1, "lh_inferiortemporal": +1, "rh_bankssts": +1,
           "rh_inferiortemporal": +1},
    "CLBP": {"lh_superiorparietal": -1, "rh_superiorparietal": -1, "lh_lateraloccipital": -1,
             "lh_entorhinal": +1, "lh_caudalanteriorcingulate": +1, "rh_insula": +1},
    "FM": {"lh_superiorparietal": -1, "lh_middletemporal": -1, "lh_inferiortemporal": -1,
           "lh_fusiform": -1, "lh_isthmuscingulate": +1, "rh_isthmuscingulate": +1,
           "lh_posteriorcingulate": +1, "lh_entorhinal": +1, "lh_parahippocampal": +1},
    "MDD": {},   # Supplementary Figure S6A only: not recoverable
}
REPORTED_ALPHA = 0.05          # Sec 3.3: "P < 0.05, uncorrected"
FDR_Q = 0.05                   # Sec 2.4: FDR < 0.05 over n = 68 tests; no region survived

# Sec 3.5 / Fig. 5: Spearman rho between regional case-control MS change and mean regional MS
# in the healthy controls of the same data set (P_spin in parentheses in the paper).
HUB_RHO = {"OA": -0.397, "CLBP": -0.379, "FM": -0.522}
HUB_P_SPIN = {"OA": 0.001, "CLBP": 0.003, "FM": 0.00017}

# Sec 2.8 / 3.3: PCA of the 3 regional case-control Z maps; % of variance per component.
PCA_VARIANCE_PERCENT = (64.45, 25.38, 10.16)
# Sec 3.3 / Suppl. Fig. S3 and S6: signs only (values not printed). Cross-condition pain
# correlations all positive and significant; MDD map uncorrelated with OA, negatively
# correlated with CLBP, FM and PC1.
CROSS_CONDITION_SIGN = {("OA", "CLBP"): +1, ("OA", "FM"): +1, ("CLBP", "FM"): +1}
MDD_SIGN = {"OA": 0, "CLBP": -1, "FM": -1, "PC1": -1}

# INVENTED (not reported): intracranial volume in mL by sex (FreeSurfer eTIV-like values).
ICV_BY_SEX = {"female": (1400.0, 110.0), "male": (1560.0, 120.0)}
ICV_RANGE = (1000.0, 2000.0)
