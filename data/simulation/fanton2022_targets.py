"""Calibration targets of the Fanton et al. (PAIN 2022) TSPO x fibromyalgia cohort.

Every number below is copied from the paper (table/section named beside it) so that the
simulation never reads the study card at run time. Cells are ``<group>_<binder>``:
FM/HC x HAB/MLAB. Values marked *invented* or *derived* are not printed in the paper.
"""

from __future__ import annotations

CELL_N = {"FM_HAB": 52, "FM_MLAB": 31, "HC_HAB": 22, "HC_MLAB": 21}
"""Table 1 (FM HAB 52, FM MLAB 31); HC cells derived from HAB 74 / MLAB 52 (section
2.3.1) and confirmed by the reported chi2 = 1.10, P = 0.2932 (section 3.1.1)."""

LAB_N = {"FM_MLAB": 5, "HC_MLAB": 4}
"""*Invented* split of the 9 LAB carriers (section 2.3.1: LAB 9, MAB 43); the rest of each
MLAB cell is MAB. The paper does not report the split by group."""

# ---------------------------------------------------------------- Table 1 (clinical)
# name: (FM_HAB, FM_MLAB, HC) as (mean, sd, min, max); HC None for FM-only measures;
# then P of the two-way ANOVA TSPO main effect and TSPO x group interaction (Table 1),
# used to split the HC column into HC_HAB / HC_MLAB (see fanton2022_design.split_hc).
TABLE1 = {
    "age": ((47.3, 7.9, 29, 60), (47.2, 7.7, 29, 60), (48.1, 7.6, 29, 60), None, None),
    "fm_duration": ((131.7, 91.0, 11, 408), (103.2, 79.6, 11, 288), None, None, None),
    "tender_points": ((16.6, 1.9, 11, 18), (16.2, 1.8, 11, 18), None, None, None),
    "fiq_total": ((64.9, 14.9, 29, 95), (61.0, 18.7, 13, 91), None, None, None),
    "vas_current": ((54.5, 22.2, 6, 99), (51.6, 22.3, 9, 88), (2.2, 3.2, 0, 14),
                    0.5481, 0.7202),
    "vas_past_week": ((59.4, 22.8, 15, 100), (56.1, 19.2, 22, 93), (4.3, 5.8, 0, 26),
                      0.6438, 0.4503),
    "sf36_bodily_pain": ((30.2, 14.7, 0, 61), (32.3, 14.1, 0, 61), (89.0, 12.4, 51, 100),
                         0.9101, 0.3446),
    "hads_anxiety": ((7.6, 4.1, 0, 19), (8.3, 4.6, 0, 21), (3.1, 2.9, 0, 21),
                     0.3464, 0.9503),
    "hads_depression": ((7.1, 3.7, 0, 16), (7.8, 4.7, 1, 18), (1.1, 1.5, 0, 5),
                        0.2627, 0.9564),
    "pcs_total": ((17.0, 10.8, 0, 48), (19.8, 11.2, 2, 46), (4.7, 7.0, 0, 35),
                  0.2698, 0.5761),
    "ppt_mean": ((147.6, 59.6, 41, 313), (157.5, 67.5, 39, 333), (317.2, 108.1, 77, 633),
                 0.4069, 0.8274),
}
TABLE1_STEP = {"age": 1, "fm_duration": 1, "tender_points": 1, "fiq_total": 0.1,
               "vas_current": 1, "vas_past_week": 1, "sf36_bodily_pain": 1,
               "hads_anxiety": 1, "hads_depression": 1, "pcs_total": 1, "ppt_mean": 0.1}
TABLE1_SKEW = {"fm_duration": 0.6, "vas_current": 0.9, "vas_past_week": 0.9,
               "hads_depression": 0.6, "pcs_total": 0.7, "hads_anxiety": 0.4}
"""*Invented* right skew (lognormal log-SD) for floor-bound scores, applied in HC cells
(and FM for illness duration) so that small means with large SDs stay in range."""

# ---------------------------------------------------------------- Table 3 (MRS)
# (mean, sd) per cell, Table 3 of the paper; n per cell from Table 3/4 (see MISSING).
TABLE3 = {
    "racc_glu_abs": {"FM_HAB": (11.3, 2.9), "FM_MLAB": (10.1, 2.3),
                     "HC_HAB": (10.2, 2.0), "HC_MLAB": (11.0, 2.7)},
    "racc_glu_rel": {"FM_HAB": (10.5, 2.8), "FM_MLAB": (9.6, 2.3),
                     "HC_HAB": (9.8, 1.3), "HC_MLAB": (10.6, 2.1)},
    "racc_gaba_abs": {"FM_HAB": (2.4, 1.2), "FM_MLAB": (2.3, 1.0),
                      "HC_HAB": (2.3, 1.0), "HC_MLAB": (2.4, 1.0)},
    "racc_gaba_rel": {"FM_HAB": (2.3, 1.2), "FM_MLAB": (2.1, 0.9),
                      "HC_HAB": (2.2, 0.9), "HC_MLAB": (2.3, 0.8)},
    "thal_glu_abs": {"FM_HAB": (9.5, 1.3), "FM_MLAB": (9.0, 0.9),
                     "HC_HAB": (9.3, 0.9), "HC_MLAB": (8.7, 1.6)},
    "thal_glu_rel": {"FM_HAB": (9.8, 1.5), "FM_MLAB": (9.3, 1.1),
                     "HC_HAB": (9.5, 1.2), "HC_MLAB": (9.3, 1.1)},
    "thal_gaba_abs": {"FM_HAB": (2.1, 0.9), "FM_MLAB": (1.8, 0.8),
                      "HC_HAB": (1.7, 0.8), "HC_MLAB": (1.6, 0.9)},
    "thal_gaba_rel": {"FM_HAB": (2.1, 0.9), "FM_MLAB": (1.8, 0.8),
                      "HC_HAB": (1.7, 0.8), "HC_MLAB": (1.7, 0.9)},
}

# ---------------------------------------------------------------- sample sizes per measure
# Missing participants per cell. CPM: Figure 2 caption (51/30/21/21). rACC: Table 3/4
# (44/24/21/19); thalamus: Table 3/4 (45/29/21/21); both with CPM: Table 5 (rACC
# 44/23/20/19, thalamus 44/28/20/21), which fixes whether the CPM-less participant of a
# cell had each voxel. Calibration and P30: Figure 3/4 captions (48/30/21/17).
MISSING = {
    #            n_cpm, racc_missing, thal_missing, cpm-less has rACC, has thal, calib
    "FM_HAB": (1, 8, 7, False, True, 4),
    "FM_MLAB": (1, 7, 2, True, True, 1),
    "HC_HAB": (1, 1, 1, True, True, 1),
    "HC_MLAB": (0, 2, 0, None, None, 4),
}

# ---------------------------------------------------------------- CPM (Figure 2)
CPM_TESTS = {"group": (7.26, (1, 119)), "tspo": (5.79, (1, 119)), "interaction_p": 0.6877}
"""Section 3.1.2: F(1,119) = 7.26 group (FM < HC), 5.79 TSPO (HAB < MLAB), interaction
P = 0.6877. Cell means are only drawn in Figure 2, so they are *derived* from these F
values with an *invented* within-cell SD and grand mean (CPM_SD, CPM_GRAND)."""
CPM_SD = 0.32
CPM_GRAND = 0.30

# ---------------------------------------------------------------- Calibration (Figure 3)
PRESSURE_TESTS = {"group": 52.89, "level": 658.52, "group_x_level": 10.69, "df": (1, 112)}
"""Section 3.1.3 mixed ANOVA: group F(1,112) = 52.89 (FM lower), pressure level 658.52,
group x level 10.69; all TSPO terms P >= 0.1926. Cell means only in Figure 3."""
PRESSURE_SD = {"p10_pressure": 40.0, "p50_pressure": 60.0}   # invented, mmHg
PRESSURE_R = 0.7                                             # invented P10-P50 correlation
PRESSURE_GRAND = 170.0                                       # invented mean of P10 and P50

# ---------------------------------------------------------------- Spearman correlations
# Table 4: glutamate-GABA within region and quantification, per cell (FM_HAB, FM_MLAB,
# HC_HAB, HC_MLAB). Table 5: metabolite-CPM, same cells.
GLU_GABA = {
    "racc_abs": (0.4086, 0.0636, 0.5618, -0.1053),
    "racc_rel": (0.5579, -0.2039, 0.5215, -0.5035),
    "thal_abs": (0.3069, 0.1394, 0.3355, 0.2706),
    "thal_rel": (0.3359, 0.3303, 0.1886, 0.4518),
}
CPM_METABOLITE = {
    "racc_glu_abs": (0.3951, 0.1206, 0.2165, -0.0667),
    "racc_glu_rel": (0.327, 0.2194, 0.1504, 0.0842),
    "racc_gaba_abs": (0.4208, 0.1573, 0.0534, 0.1281),
    "racc_gaba_rel": (0.3801, 0.1909, -0.0715, 0.1754),
    "thal_glu_abs": (0.0519, 0.1445, 0.3609, 0.252),
    "thal_glu_rel": (0.1841, 0.2841, 0.1805, 0.4156),
    "thal_gaba_abs": (-0.1592, 0.1768, 0.1581, 0.3177),
    "thal_gaba_rel": (-0.1134, 0.2693, 0.1702, 0.3132),
}
ABS_REL_R = 0.7
"""*Invented*: correlation of the absolute and relative (tCr-referenced) value of the same
metabolite; not reported, but both are quantified from the same spectrum."""

# ---------------------------------------------------------------- Table 2 (P30 LMM)
# Treatment coding that reproduces the signs of Table 2 and the text (section 3.1.4):
# TSPO = 1 for HAB (reference MLAB), Group = 1 for HC (reference FM), Cue = 1 for red
# (reference green), Time = repetition 1..10.
P30_BETA = {
    "intercept": 24.0,            # invented: FM MLAB, green cue, time 0
    "tspo": 9.426, "group": -1.361, "cue": 28.649, "time": 1.041,
    "tspo_x_cue": -4.438, "time_x_cue": -1.281, "group_x_time": -0.696,
    "tspo_x_time": 0.070, "tspo_x_group": -4.586, "cue_x_group": -2.956,
}
P30_SD_SUBJECT = 14.0   # invented random-intercept SD, sized to Table 2 standard errors
P30_SD_RESIDUAL = 20.0  # invented residual SD, sized to Table 2 standard errors
