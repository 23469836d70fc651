"""Region-level calibration of the Martins et al. 2022 cohort: what each region should show.

The paper prints no per-region statistic, only (Sec 3.3) which regions differ at P < 0.05
uncorrected and in which direction, plus map-level statistics: the Spearman rho between the
case-control change and the control MS (Sec 3.5), the PCA of the three pain maps (Sec 2.8) and
the signs of the MDD-versus-pain correlations (Sec 3.3). This module draws, deterministically,

* the mean regional MS of the controls of each data set (INVENTED pattern following Sec 3.1:
  positive in frontal and temporal cortex, negative in occipital and cingulate cortex), and
* the case-control t statistic of every region in every data set (the ANCOVA t of group with
  age, sex and ICV), such that reported regions are nominally significant in the published
  direction (2.1 <= |t| <= 2.7, never FDR-significant), unreported regions are small effects
  around a shared pattern (|t| < 1.85) and the map-level statistics match the paper.

Pure numpy; randomness only through the Generator passed in.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from data.simulation.martins2022_targets import (
    HUB_RHO,
    PCA_VARIANCE_PERCENT,
    REGION_GROUPING,
    REGION_IDS,
    REPORTED_REGIONS,
)

PAIN = ("OA", "CLBP", "FM")
# INVENTED control MS level per grouping (Sec 3.1 gives signs only).
CONTROL_LEVEL = {"frontal": 0.09, "temporal": 0.06, "parietal": 0.03, "insula": 0.01,
                 "sensorimotor": -0.02, "limbic": -0.09, "occipital": -0.11}
# INVENTED shared direction of change per grouping (Abstract: increases in insula and limbic
# cortices, decreases in occipital, sensorimotor and frontal cortices).
SHARED_CHANGE = {"insula": 0.8, "limbic": 0.6, "occipital": -0.5, "sensorimotor": -0.5,
                 "frontal": -0.3, "temporal": 0.0, "parietal": -0.2}
SHARED_WEIGHT = {"OA": 0.7, "CLBP": 1.4, "FM": 1.4}
# Offsets give each map the sign of the published global-MS T (Sec 3.2: OA +, CLBP -, FM -).
GLOBAL_OFFSET = {"OA": 0.5, "CLBP": -0.12, "FM": -0.3}
NOISE_SD = 0.4
GLOBAL_RATIO = (0.18, 0.7)    # feasible share of the regional residual SD left in global MS
UNREPORTED_MAX_T = 1.85       # keeps unreported regions at p > 0.06
REPORTED_T = (2.1, 2.7)       # p between ~0.01 and ~0.04: nominal, never FDR-significant
MDD_MAX_T = 2.4
MDD_OA_MAX = 0.12             # |rho| well below significance (critical |rho| ~0.24 at n = 68)
PCA_TOLERANCE = (0.5, 1.5)    # percentage points on PC1 and PC2
MAX_CANDIDATES = 4000


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rho of two maps (continuous draws: no ties, so ranks are argsort ranks)."""
    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])


def z_from_t(t: np.ndarray, df: int) -> np.ndarray:
    """Signed Z with the same two-sided p as `t` on `df` degrees of freedom (Sec 2.8)."""
    p_half = stats.t.sf(np.abs(t), df)
    return np.sign(t) * stats.norm.isf(p_half)


def pca_percent(maps: np.ndarray) -> np.ndarray:
    """Percent of variance per component of a regions x conditions matrix (correlation PCA)."""
    eig = np.linalg.eigvalsh(np.corrcoef(maps, rowvar=False))[::-1]
    return 100 * eig / eig.sum()


def pc1_scores(maps: np.ndarray) -> np.ndarray:
    """Regional PC1 scores of the standardised maps, signed so that loadings are positive."""
    std = (maps - maps.mean(0)) / maps.std(0, ddof=1)
    _, vectors = np.linalg.eigh(np.corrcoef(maps, rowvar=False))
    v1 = vectors[:, -1] * np.sign(vectors[:, -1].sum())
    return std @ v1


def control_patterns(rng: np.random.Generator, datasets) -> dict[str, np.ndarray]:
    """Mean regional MS in the controls of each data set (shared topography + small noise)."""
    base = np.array([CONTROL_LEVEL[REGION_GROUPING[r]] for r in REGION_IDS])
    region = np.tile(rng.normal(0, 0.035, 34), 2) + rng.normal(0, 0.01, 68)
    return {d: base + region + rng.normal(0, 0.012, 68) for d in datasets}


def residual_sds(rng: np.random.Generator, datasets) -> dict[str, np.ndarray]:
    """INVENTED between-subject residual SD of regional MS (0.035-0.065, similar per data set)."""
    region = rng.uniform(0.035, 0.065, 68)
    return {d: region * rng.uniform(0.9, 1.1, 68) for d in datasets}


def _squash(x: np.ndarray, limit: float) -> np.ndarray:
    """Monotone map of the real line into (-limit, limit), near-identity around zero."""
    return limit * np.tanh(x / limit)


def _pain_map(base: np.ndarray, hub_axis: np.ndarray, weight: float,
              reported: dict[int, float]) -> np.ndarray:
    t = _squash(base + weight * hub_axis, UNREPORTED_MAX_T)
    for index, value in reported.items():
        t[index] = value
    return t


def _tune_hub(base, hub_axis, reported, control, target) -> np.ndarray:
    """Bisect the weight of the hub axis so that rho(t, control MS) lands on `target`."""
    low, high = -4.0, 4.0
    for _ in range(40):
        mid = (low + high) / 2
        if spearman(_pain_map(base, hub_axis, mid, reported), control) > target:
            low = mid
        else:
            high = mid
    return _pain_map(base, hub_axis, (low + high) / 2, reported)


def _reported(rng: np.random.Generator, dataset: str) -> dict[int, float]:
    return {REGION_IDS.index(r): sign * rng.uniform(*REPORTED_T)
            for r, sign in REPORTED_REGIONS[dataset].items()}


def _candidate(rng, controls) -> dict[str, np.ndarray]:
    shared = np.array([SHARED_CHANGE[REGION_GROUPING[r]] for r in REGION_IDS])
    shared = shared + rng.normal(0, 0.45, 68)
    maps = {}
    for d in PAIN:
        control = controls[d]
        hub_axis = -(control - control.mean()) / control.std()
        base = SHARED_WEIGHT[d] * shared + GLOBAL_OFFSET[d] + rng.normal(0, NOISE_SD, 68)
        maps[d] = _tune_hub(base, hub_axis, _reported(rng, d), control, HUB_RHO[d])
    maps["MDD"] = _mdd_map(rng, maps)
    return maps


def _mdd_map(rng: np.random.Generator, maps: dict[str, np.ndarray]) -> np.ndarray:
    """MDD map: opposite to the CLBP/FM pattern, with the OA-shared part removed, plus noise;
    redrawn (up to 50 times) until its Spearman rho with the OA map is below MDD_OA_MAX."""
    against = (maps["CLBP"] + maps["FM"]) / 2
    against = against - np.polyfit(maps["OA"], against, 1)[0] * maps["OA"]
    for _ in range(50):
        mdd = -against / against.std() + rng.normal(0, 0.8, 68)
        mdd = _squash(0.8 * mdd / mdd.std(), MDD_MAX_T)
        if abs(spearman(mdd, maps["OA"])) < MDD_OA_MAX:
            break
    return mdd


def global_ratio(t: np.ndarray, sigma: np.ndarray, global_t: float) -> float:
    """Residual SD of global MS relative to the mean regional residual SD that makes the
    ANCOVA t of global MS (the mean of the 68 regions) equal `global_t`.

    The group coefficient of the mean of the regions is the mean of the regional
    coefficients t_j * sigma_j * sqrt(c) (c = [(X'X)^-1]_group), hence
    s_global = mean(t_j * sigma_j) / global_t.
    """
    return float(np.mean(t * sigma) / (np.mean(sigma) * global_t))


def map_loss(maps: dict[str, np.ndarray], controls: dict[str, np.ndarray],
             dfs: dict[str, int], sigmas: dict[str, np.ndarray],
             global_t: dict[str, float]) -> float:
    """Distance of a candidate set of maps from the paper's map-level statistics (0 = ok).

    Hinge terms: PC1/PC2 shares of the pain Z maps, hub rho per pain map, positive
    cross-condition rho (> 0.3), MDD rho near 0 with OA and < -0.3 with CLBP, FM and PC1,
    and a reachable residual SD of global MS (:func:`global_ratio`).
    """
    z = np.column_stack([z_from_t(maps[d], dfs[d]) for d in PAIN])
    share = pca_percent(z)
    pc1 = pc1_scores(z)
    loss = max(0.0, abs(share[0] - PCA_VARIANCE_PERCENT[0]) - PCA_TOLERANCE[0])
    loss += max(0.0, abs(share[1] - PCA_VARIANCE_PERCENT[1]) - PCA_TOLERANCE[1])
    loss += sum(max(0.0, abs(spearman(maps[d], controls[d]) - HUB_RHO[d]) - 0.003)
                for d in PAIN)
    for a, b in (("OA", "CLBP"), ("OA", "FM"), ("CLBP", "FM")):
        loss += max(0.0, 0.3 - spearman(maps[a], maps[b]))
    loss += max(0.0, abs(spearman(maps["MDD"], maps["OA"])) - MDD_OA_MAX)
    for other in (maps["CLBP"], maps["FM"], pc1):
        loss += max(0.0, spearman(maps["MDD"], other) + 0.3)
    for d in PAIN:
        ratio = global_ratio(maps[d], sigmas[d], global_t[d])
        loss += max(0.0, GLOBAL_RATIO[0] - ratio) + max(0.0, ratio - GLOBAL_RATIO[1])
    return loss


def draw_effect_maps(rng: np.random.Generator, controls: dict[str, np.ndarray],
                     dfs: dict[str, int], sigmas: dict[str, np.ndarray],
                     global_t: dict[str, float]) -> dict[str, np.ndarray]:
    """Regional case-control t maps for every data set that satisfy :func:`map_loss`.

    Candidates are drawn from `rng` until one meets every map-level target (the first such
    is kept, so the result is deterministic for a given generator state).
    """
    best, best_loss = None, np.inf
    for _ in range(MAX_CANDIDATES):
        maps = _candidate(rng, controls)
        loss = map_loss(maps, controls, dfs, sigmas, global_t)
        if loss < best_loss:
            best, best_loss = maps, loss
        if loss == 0.0:
            break
    if best_loss > 0.0:
        raise RuntimeError(f"no effect map met the published targets (best loss {best_loss:.3f})")
    return best
