"""Cell means of the Fanton 2022 cohort that the paper gives only as test statistics.

Two-way (group x binder) ANOVAs with type III sums of squares test contrasts of the four
cell means: the binder main effect tests L = (d_FM + d_HC) / 2 and the interaction
L = d_FM - d_HC, where d_g = mean(g, HAB) - mean(g, MLAB); the group main effect tests the
difference of the unweighted group means. For a contrast with weights c,
F = L^2 / (MSE * sum(c_i^2 / n_i)), so an F value and a within-cell SD fix |L|.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from data.simulation.fanton2022_targets import (
    CELL_N, CPM_GRAND, CPM_SD, CPM_TESTS, PRESSURE_GRAND, PRESSURE_R, PRESSURE_SD,
    PRESSURE_TESTS)

CELLS = ("FM_HAB", "FM_MLAB", "HC_HAB", "HC_MLAB")


def _inverse_n(n: dict[str, int]) -> float:
    return sum(1.0 / n[c] for c in CELLS)


def _contrast(f_value: float, mse: float, inverse_n: float, weight_sq: float) -> float:
    """|L| of a contrast with F = L^2 / (MSE * weight_sq * sum(1/n))."""
    return float(np.sqrt(f_value * mse * weight_sq * inverse_n))


def cell_means(grand: float, group: float, binder: float, interaction: float
               ) -> dict[str, float]:
    """Cell means from the grand mean and signed contrasts.

    ``group`` = HC - FM (unweighted), ``binder`` = mean of d_FM and d_HC (HAB - MLAB),
    ``interaction`` = d_FM - d_HC.
    """
    d_fm, d_hc = binder + interaction / 2, binder - interaction / 2
    fm, hc = grand - group / 2, grand + group / 2
    return {"FM_HAB": fm + d_fm / 2, "FM_MLAB": fm - d_fm / 2,
            "HC_HAB": hc + d_hc / 2, "HC_MLAB": hc - d_hc / 2}


def cpm_means() -> dict[str, float]:
    """CPM cell means reproducing section 3.1.2 (FM < HC, HAB < MLAB, tiny interaction).

    The interaction sign makes the binder difference larger in FM (Discussion 4.1:
    TSPO effects more pronounced in FM); it also puts HC HAB close to FM MLAB (Fig. 2).
    """
    n = {"FM_HAB": 51, "FM_MLAB": 30, "HC_HAB": 21, "HC_MLAB": 21}   # Figure 2 caption
    mse, inv = CPM_SD ** 2, _inverse_n(n)
    f_int = stats.f.isf(CPM_TESTS["interaction_p"], 1, CPM_TESTS["group"][1][1])
    group = _contrast(CPM_TESTS["group"][0], mse, inv, 0.25)
    binder = -_contrast(CPM_TESTS["tspo"][0], mse, inv, 0.25)
    interaction = -_contrast(f_int, mse, inv, 1.0)
    return cell_means(CPM_GRAND, group, binder, interaction)


def pressure_means() -> dict[str, dict[str, float]]:
    """P10 and P50 cell means reproducing the mixed ANOVA of section 3.1.3.

    With two pressure levels the between-subject terms are ANOVAs of the subject mean
    m = (P10 + P50) / 2, and the level terms are ANOVAs of d = P50 - P10 (level main
    effect = intercept of d, group x level = group effect on d). No binder effect.
    """
    n = {"FM_HAB": 48, "FM_MLAB": 30, "HC_HAB": 21, "HC_MLAB": 17}   # Figure 3 caption
    s10, s50 = PRESSURE_SD["p10_pressure"], PRESSURE_SD["p50_pressure"]
    var_m = (s10 ** 2 + s50 ** 2 + 2 * PRESSURE_R * s10 * s50) / 4
    var_d = s10 ** 2 + s50 ** 2 - 2 * PRESSURE_R * s10 * s50
    inv = _inverse_n(n)
    group = _contrast(PRESSURE_TESTS["group"], var_m, inv, 0.25)
    level = _contrast(PRESSURE_TESTS["level"], var_d, inv, 1 / 16)
    group_x_level = _contrast(PRESSURE_TESTS["group_x_level"], var_d, inv, 0.25)
    mean_m = cell_means(PRESSURE_GRAND, group, 0.0, 0.0)
    mean_d = cell_means(level, group_x_level, 0.0, 0.0)   # HC needs the larger P50 - P10
    return {"p10_pressure": {c: mean_m[c] - mean_d[c] / 2 for c in CELLS},
            "p50_pressure": {c: mean_m[c] + mean_d[c] / 2 for c in CELLS}}


def split_hc(fm_hab: tuple, fm_mlab: tuple, hc: tuple, p_binder: float, p_inter: float
             ) -> tuple[float, float, float]:
    """HC_HAB mean, HC_MLAB mean and within-cell SD from Table 1's HC column.

    Table 1 prints HC only pooled; the binder and interaction P of the two-way ANOVA
    (df 1, 122) fix the HC binder difference d_HC. A grid search picks the d_HC whose
    two F values are closest (on the log scale) to those implied by the printed P, with
    the HC mean and pooled SD kept exactly.
    """
    n = CELL_N
    f_binder = stats.f.isf(p_binder, 1, 122)
    f_inter = stats.f.isf(p_inter, 1, 122)
    d_fm = fm_hab[0] - fm_mlab[0]
    best, best_err = None, np.inf
    for d_hc in np.linspace(-2 * hc[1], 2 * hc[1], 4001):
        between = n["HC_HAB"] * n["HC_MLAB"] / 43 * d_hc ** 2
        within = (42 * hc[1] ** 2 - between) / 41
        if within <= 0:
            continue
        mse = ((n["FM_HAB"] - 1) * fm_hab[1] ** 2 + (n["FM_MLAB"] - 1) * fm_mlab[1] ** 2
               + 41 * within) / 122
        inv = _inverse_n(n)
        f1 = ((d_fm + d_hc) / 2) ** 2 / (mse * inv / 4)
        f2 = (d_fm - d_hc) ** 2 / (mse * inv)
        err = np.log((f1 + 1e-12) / f_binder) ** 2 + np.log((f2 + 1e-12) / f_inter) ** 2
        if err < best_err:
            best, best_err = (d_hc, float(np.sqrt(within))), err
    d_hc, sd = best
    return (hc[0] + d_hc * n["HC_MLAB"] / 43, hc[0] - d_hc * n["HC_HAB"] / 43, sd)
