"""Simulated cohort of Fanton et al. (PAIN 2022): TSPO rs6971 binder class x fibromyalgia.

Four cells (FM/HC x HAB/MLAB) are simulated one by one with
:func:`data.simulation.core.simulate_cell`: published cell means and SDs are matched
exactly on the observed rows, within-cell correlations follow Tables 4 and 5, and the
missing MRS/CPM/calibration data reproduce the per-measure cell sizes of the paper.
Targets live in :mod:`data.simulation.fanton2022_targets`; means given only as test
statistics are derived in :mod:`data.simulation.fanton2022_design`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.simulation.core import Measure, SimulatedCohort, simulate_cell
from data.simulation.fanton2022_design import CELLS, cpm_means, pressure_means, split_hc
from data.simulation.fanton2022_meta import (DECIMALS, description, dictionary,
                                             regions)
from data.simulation.fanton2022_p30 import p30_dictionary, simulate_p30
from data.simulation.fanton2022_targets import (
    ABS_REL_R, CELL_N, CPM_METABOLITE, CPM_SD, GLU_GABA, LAB_N, MISSING, PRESSURE_R,
    PRESSURE_SD, TABLE1, TABLE1_SKEW, TABLE1_STEP, TABLE3)

COHORT_ID = "fanton2022_fm_tspo"
SEED = 1004  # chosen among 1000-1059 for the closest Table 4/5 correlations
FM_ONLY = ("fm_duration", "tender_points", "fiq_total")
MRS = tuple(TABLE3)

CLINICAL_R = {
    ("vas_current", "vas_past_week"): 0.75, ("vas_current", "sf36_bodily_pain"): -0.45,
    ("vas_past_week", "sf36_bodily_pain"): -0.5, ("hads_anxiety", "hads_depression"): 0.6,
    ("pcs_total", "hads_anxiety"): 0.45, ("pcs_total", "hads_depression"): 0.4,
    ("pcs_total", "vas_past_week"): 0.3, ("fiq_total", "vas_past_week"): 0.55,
    ("fiq_total", "hads_depression"): 0.45, ("fiq_total", "sf36_bodily_pain"): -0.5,
    ("ppt_mean", "vas_current"): -0.15, ("tender_points", "ppt_mean"): -0.3,
    ("ppt_mean", "p10_pressure"): 0.4, ("ppt_mean", "p50_pressure"): 0.4,
    ("p10_pressure", "p50_pressure"): PRESSURE_R,
}
"""*Invented* within-cell correlations among clinical scores (not reported in the paper)."""


def spearman_to_pearson(rho: float) -> float:
    """Pearson correlation of a bivariate normal whose Spearman correlation is `rho`."""
    return float(2 * np.sin(np.pi * rho / 6))


def cell_correlations(index: int) -> dict[tuple[str, str], float]:
    """Within-cell correlation targets of cell ``CELLS[index]`` (Tables 4 and 5)."""
    pairs = dict(CLINICAL_R)
    for region in ("racc", "thal"):
        for metabolite in ("glu", "gaba"):
            pairs[(f"{region}_{metabolite}_abs", f"{region}_{metabolite}_rel")] = ABS_REL_R
        r_abs = spearman_to_pearson(GLU_GABA[f"{region}_abs"][index])
        r_rel = spearman_to_pearson(GLU_GABA[f"{region}_rel"][index])
        pairs[(f"{region}_glu_abs", f"{region}_gaba_abs")] = r_abs
        pairs[(f"{region}_glu_rel", f"{region}_gaba_rel")] = r_rel
        pairs[(f"{region}_glu_abs", f"{region}_gaba_rel")] = ABS_REL_R * (r_abs + r_rel) / 2
        pairs[(f"{region}_glu_rel", f"{region}_gaba_abs")] = ABS_REL_R * (r_abs + r_rel) / 2
    for name, values in CPM_METABOLITE.items():
        pairs[("cpm_score", name)] = spearman_to_pearson(values[index])
    return pairs


def missing_masks(rng: np.random.Generator, cell: str) -> dict[str, np.ndarray]:
    """Joint missingness of one cell: CPM, each MRS voxel and the cuff calibration.

    Participant 0 of the cell is the one without CPM (if any); whether that participant
    has each voxel follows the Table 5 cell sizes (see ``MISSING``).
    """
    n = CELL_N[cell]
    n_cpm, n_racc, n_thal, cpm_less_racc, cpm_less_thal, n_calib = MISSING[cell]
    cpm = np.zeros(n, bool)
    cpm[:n_cpm] = True

    def voxel(k: int, has_voxel: bool | None) -> np.ndarray:
        mask = np.zeros(n, bool)
        if n_cpm and has_voxel is False:
            mask[0], k = True, k - 1
        mask[1 + rng.choice(n - 1, size=k, replace=False)] = True
        return mask

    racc, thal = voxel(n_racc, cpm_less_racc), voxel(n_thal, cpm_less_thal)
    calib = np.zeros(n, bool)
    calib[rng.choice(n, size=n_calib, replace=False)] = True
    masks = {"cpm_score": cpm, "p10_pressure": calib, "p50_pressure": calib}
    masks.update({m: racc if m.startswith("racc") else thal for m in MRS})
    return masks


def table1_measures(cell: str) -> list[Measure]:
    """Clinical measures of one cell (Table 1; HC split by :func:`split_hc`)."""
    out = []
    for name, (fm_hab, fm_mlab, hc, p_binder, p_inter) in TABLE1.items():
        if cell.startswith("HC") and hc is None:
            continue
        if cell.startswith("FM"):
            mean, sd, low, high = fm_hab if cell == "FM_HAB" else fm_mlab
        else:
            low, high = hc[2], hc[3]
            mean, sd = hc[0], hc[1]
            if p_binder is not None:
                hab, mlab, sd = split_hc(fm_hab, fm_mlab, hc, p_binder, p_inter)
                mean = hab if cell == "HC_HAB" else mlab
        skew = TABLE1_SKEW.get(name) if (cell.startswith("HC") or name in FM_ONLY) else None
        out.append(Measure(name, mean, sd, low, high, TABLE1_STEP[name], log_sigma=skew))
    return out


def cell_measures(cell: str) -> list[Measure]:
    """Every simulated measure of one cell, with its target."""
    measures = table1_measures(cell)
    measures.append(Measure("cpm_score", cpm_means()[cell], CPM_SD, -1.0, None, 0.001))
    for name, means in pressure_means().items():
        measures.append(Measure(name, means[cell], PRESSURE_SD[name], 25, 400, 1))
    for name in MRS:
        mean, sd = TABLE3[name][cell]
        skew = 0.3 if "gaba" in name else None
        measures.append(Measure(name, mean, sd, 0.1, None, 0.01, log_sigma=skew))
    return measures


def simulate_one(rng: np.random.Generator, index: int) -> pd.DataFrame:
    """Participants of cell ``CELLS[index]`` with their factor columns."""
    cell = CELLS[index]
    group, binder = cell.split("_")
    measures = cell_measures(cell)
    names = {m.name for m in measures}
    pairs = {k: v for k, v in cell_correlations(index).items() if set(k) <= names}
    frame = simulate_cell(rng, CELL_N[cell], measures, pairs, missing_masks(rng, cell))
    genotype = np.array(["HAB"] * CELL_N[cell], dtype=object)
    if binder == "MLAB":
        genotype[:] = "MAB"
        genotype[rng.choice(CELL_N[cell], size=LAB_N[cell], replace=False)] = "LAB"
    frame.insert(0, "group", group)
    frame.insert(1, "tspo_binder", binder)
    frame.insert(2, "tspo_genotype", genotype)
    frame.insert(3, "sex", "female")
    return frame


def simulate_participants(rng: np.random.Generator) -> pd.DataFrame:
    """All 126 participants in a random order with ids sub-001 ... sub-126."""
    frames = [simulate_one(rng, i) for i in range(len(CELLS))]
    table = pd.concat(frames, ignore_index=True)
    table = table.iloc[rng.permutation(len(table))].reset_index(drop=True)
    table.insert(0, "participant_id", [f"sub-{i + 1:03d}" for i in range(len(table))])
    for name in FM_ONLY:
        table[name] = table[name].astype(float)
    return table


def build() -> SimulatedCohort:
    """The bundled cohort; byte-identical on every run (fixed seed ``SEED``)."""
    rng = np.random.default_rng(SEED)
    participants = simulate_participants(rng)
    rated = participants[participants["p10_pressure"].notna()]
    p30 = simulate_p30(rng, rated)
    return SimulatedCohort(
        cohort_id=COHORT_ID, participants=participants, dictionary=dictionary(),
        description=description(), decimals=DECIMALS,
        long_tables={"p30_ratings": (p30, p30_dictionary(), {})}, regions=regions())
