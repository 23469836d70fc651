"""Simulated cohort of Martins et al. 2022: morphometric similarity in OA, CLBP, FM and MDD.

Four case-control data sets with their own controls (Sec 2.1, 2.5): cell sizes, sex counts
and age mean/SD as published; intracranial volume INVENTED; regional morphometric similarity
(MS) of the 68 Desikan-Killiany regions built so that the ANCOVA (group + age + sex + ICV, as
Sec 2.4) reproduces the published pattern: the reported regions differ at P < 0.05
uncorrected in the published direction, nothing survives FDR over 68 regions, the global-MS T
of each pain data set (Sec 3.2) is matched, and the map-level statistics (hub-susceptibility
rho, PCA of the three pain maps, MDD-versus-pain signs) are reproduced. See
martins2022_effects.py and martins2022_design.py for how.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.simulation.core import Measure, SimulatedCohort, simulate_cell
from data.simulation.martins2022_design import design_matrix, regional_values
from data.simulation.martins2022_effects import control_patterns, draw_effect_maps, residual_sds
from data.simulation.martins2022_targets import (
    DATASET_TARGETS,
    DATASETS,
    DK_REGIONS,
    GROUPS,
    HEMISPHERES,
    ICV_BY_SEX,
    ICV_RANGE,
    PAPER_URL,
    REGION_IDS,
    ms_column,
)
from data.simulation.martins2022_text import description, dictionary

COHORT_ID = "martins2022_morphometric_similarity"
SEED = 20222480
MS_DECIMALS = 4
GLOBAL_DECIMALS = 5


def refine_sd(values: np.ndarray, target_sd: float, low: float, high: float) -> np.ndarray:
    """Integer values moved in (+1, -1) pairs (sum, hence mean, unchanged) while that brings
    the sample SD closer to `target_sd`; core.match_moments stops a few grid steps away.

    Raising x_i and lowering x_j changes the sum of squares by 2 (x_i - x_j + 1), so the
    best pair is found in closed form over all pairs.
    """
    x = values.astype(float).copy()
    n = x.size
    for _ in range(10 * n):
        mean = x.mean()
        ss = (x ** 2).sum()
        delta = 2 * (x[:, None] - x[None, :] + 1)            # [i, j]: raise i, lower j
        sd = np.sqrt(np.maximum(ss + delta - n * mean ** 2, 0) / (n - 1))
        ok = (x[:, None] + 1 <= high) & (x[None, :] - 1 >= low) & ~np.eye(n, dtype=bool)
        err = np.where(ok, np.abs(sd - target_sd), np.inf)
        i, j = np.unravel_index(np.argmin(err), err.shape)
        if err[i, j] >= abs(x.std(ddof=1) - target_sd) - 1e-12:
            break
        x[i] += 1
        x[j] -= 1
    return x


def _cell_covariates(rng: np.random.Generator, dataset: str, group: str) -> pd.DataFrame:
    target = DATASET_TARGETS[dataset]
    cell = getattr(target, group)
    low, high = target.age_range
    age = simulate_cell(rng, cell.n, [Measure("age", cell.age_mean, cell.age_sd, low, high, 1)])
    age = refine_sd(age["age"].to_numpy(), cell.age_sd, low, high)
    sex = np.array(["female"] * cell.n_female + ["male"] * (cell.n - cell.n_female))
    sex = sex[rng.permutation(cell.n)]
    icv = np.array([rng.normal(*ICV_BY_SEX[s]) for s in sex])
    icv = np.clip(np.round(icv), *ICV_RANGE)
    return pd.DataFrame({"dataset": dataset, "group": group, "sex": sex,
                         "age": age.round().astype(int), "icv": icv.astype(int)})


def covariates(rng: np.random.Generator) -> pd.DataFrame:
    """dataset, group, sex, age and ICV of every participant (data set, then group order)."""
    cells = [_cell_covariates(rng, d, g) for d in DATASETS for g in GROUPS]
    return pd.concat(cells, ignore_index=True)


def residual_dfs(table: pd.DataFrame) -> dict[str, int]:
    """Residual degrees of freedom of the group + covariates model per data set."""
    out = {}
    for dataset in DATASETS:
        x = design_matrix(table[table["dataset"] == dataset])
        out[dataset] = x.shape[0] - x.shape[1]
    return out


def simulate(rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Participants table and the regional t maps it was calibrated to."""
    table = covariates(rng)
    controls = control_patterns(rng, DATASETS)
    sigmas = residual_sds(rng, DATASETS)
    global_t = {d: DATASET_TARGETS[d].global_t for d in DATASETS}
    maps = draw_effect_maps(rng, controls, residual_dfs(table), sigmas, global_t)
    blocks = []
    for dataset in DATASETS:
        rows = table["dataset"] == dataset
        values = regional_values(rng, table[rows], maps[dataset], controls[dataset],
                                 sigmas[dataset], global_t[dataset])
        blocks.append(np.round(values, MS_DECIMALS))
    regional = pd.DataFrame(np.vstack(blocks), columns=[ms_column(r) for r in REGION_IDS])
    table["ms_global"] = regional.mean(axis=1).round(GLOBAL_DECIMALS)
    table = pd.concat([table, regional], axis=1)
    table.insert(0, "participant_id", [f"sub-{i:03d}" for i in range(1, len(table) + 1)])
    return table, maps


def regions_table() -> pd.DataFrame:
    """regions.tsv: the 68 Desikan-Killiany cortical regions (FreeSurfer aparc labels)."""
    rows = [{"region_id": f"{h}_{name}", "label": f"{side} {label[0].lower()}{label[1:]}",
             "atlas": "desikan_killiany", "atlas_label": f"ctx-{h}-{name}",
             "x": "n/a", "y": "n/a", "z": "n/a", "radius_mm": "n/a",
             "source": "Sec 2.3: Desikan-Killiany atlas, 68 cortical regions (FreeSurfer 6.0)"}
            for h, side in HEMISPHERES for name, label, _ in DK_REGIONS]
    return pd.DataFrame(rows)


def build() -> SimulatedCohort:
    """The bundled cohort (deterministic: fixed seed SEED)."""
    table, _ = simulate(np.random.default_rng(SEED))
    decimals = {ms_column(r): MS_DECIMALS for r in REGION_IDS}
    decimals["ms_global"] = GLOBAL_DECIMALS
    return SimulatedCohort(cohort_id=COHORT_ID, participants=table, dictionary=dictionary(),
                           description=description(PAPER_URL), decimals=decimals,
                           regions=regions_table())
