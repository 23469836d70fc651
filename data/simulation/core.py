"""Building blocks for simulating a cohort from published summary statistics.

A cell (e.g. FM patients with the HAB genotype) is simulated as a Gaussian copula with a
target correlation matrix; each variable is then moved onto its published mean and SD
*on the observed (non-missing) rows*, inside the instrument's range and on its grid
(integers for questionnaire sums, 0.01 for SUVR ...). Everything is driven by an explicit
``numpy.random.Generator`` so that a fixed seed regenerates the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Measure:
    """Calibration target of one variable in one cell.

    Parameters
    ----------
    name : column name in participants.tsv
    mean, sd : published cell mean and standard deviation (of the observed values)
    lower, upper : range of the instrument (None = unbounded)
    step : grid of recorded values (1 for integer scales, 0.01 for two decimals, None = any)
    n_missing : number of participants of the cell without this measure
    log_sigma : optional right skew: the copula score z is replaced by ``exp(log_sigma * z)``
        before moment matching, so the values are shaped like a lognormal with that
        log-scale SD (concentrations, durations, near-floor symptom scores). The
        transform is monotone, so ranks and Spearman correlations are unchanged.
    """

    name: str
    mean: float
    sd: float
    lower: float | None = None
    upper: float | None = None
    step: float | None = None
    n_missing: int = 0
    log_sigma: float | None = None


def nearest_correlation(matrix: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """Closest valid correlation matrix (eigenvalues clipped at `floor`, unit diagonal).

    Published correlations come from different subsets and rounding, so together they
    need not form a positive definite matrix.
    """
    sym = (np.asarray(matrix, float) + np.asarray(matrix, float).T) / 2
    values, vectors = np.linalg.eigh(sym)
    fixed = vectors @ np.diag(np.clip(values, floor, None)) @ vectors.T
    scale = np.sqrt(np.diag(fixed))
    out = fixed / np.outer(scale, scale)
    np.fill_diagonal(out, 1.0)
    return out


def correlation_matrix(names: list[str], pairs: dict[tuple[str, str], float]) -> np.ndarray:
    """Correlation matrix over `names` from a sparse ``{(a, b): r}`` mapping (others 0)."""
    index = {name: i for i, name in enumerate(names)}
    matrix = np.eye(len(names))
    for (a, b), r in pairs.items():
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = r
    return nearest_correlation(matrix)


def normal_scores(rng: np.random.Generator, n: int, corr: np.ndarray) -> np.ndarray:
    """`n` x k standard-normal draws whose *sample* correlation equals `corr` exactly.

    The draws are whitened (sample covariance -> identity) and re-coloured with the
    Cholesky factor of `corr`, so small cells do not drift from the published correlation
    by sampling error.
    """
    k = corr.shape[0]
    raw = rng.standard_normal((n, k))
    raw -= raw.mean(axis=0)
    if n > k + 1:
        cov = np.cov(raw, rowvar=False).reshape(k, k)
        raw = raw @ np.linalg.inv(np.linalg.cholesky(cov)).T
    return raw @ np.linalg.cholesky(nearest_correlation(corr)).T


def match_moments(values: np.ndarray, target: Measure, iterations: int = 300) -> np.ndarray:
    """Move `values` (NaN = missing) onto the target mean/SD within range and grid.

    The observed values are standardised once; a location/scale pair is then tuned so that
    the clipped, grid-snapped transform has the target mean and SD (a fixed-point
    iteration on the two parameters, keeping the best pair). A final pass nudges single
    values by one grid step towards the target mean. The transform is monotone, so ranks
    (and with them the copula's correlations) are kept.
    """
    out = np.array(values, dtype=float)
    seen = ~np.isnan(out)
    x = out[seen]
    if x.size < 2:
        return out
    z = (x - x.mean()) / (x.std(ddof=1) or 1.0)
    loc, scale = target.mean, target.sd
    best, best_err = None, np.inf
    for _ in range(iterations):
        y = _constrain(loc + scale * z, target)
        err = abs(y.mean() - target.mean) + abs(y.std(ddof=1) - target.sd)
        if err < best_err:
            best, best_err = y, err
        if _close(y, target):
            break
        sd = y.std(ddof=1)
        loc += target.mean - y.mean()
        scale *= target.sd / sd if sd > 0 else 2.0
    out[seen] = _nudge_mean(best, target)
    return out


def _constrain(x: np.ndarray, target: Measure) -> np.ndarray:
    x = np.clip(x, target.lower if target.lower is not None else -np.inf,
                target.upper if target.upper is not None else np.inf)
    if target.step:
        x = np.round(x / target.step) * target.step
    return x


def _close(x: np.ndarray, target: Measure) -> bool:
    tol = (target.step or 1e-9) / max(len(x), 1)
    return abs(x.mean() - target.mean) <= tol and abs(x.std(ddof=1) - target.sd) <= max(
        tol, 1e-3 * target.sd)


def _nudge_mean(x: np.ndarray, target: Measure) -> np.ndarray:
    """Shift single values by one grid step until the mean is as close as the grid allows."""
    if not target.step:
        return x
    x = x.copy()
    step, n = target.step, len(x)
    for _ in range(4 * n):
        gap = target.mean - x.mean()
        if abs(gap) <= step / (2 * n) + 1e-12:
            break
        direction = np.sign(gap)
        movable = np.ones(n, bool)
        if direction > 0 and target.upper is not None:
            movable &= x + step <= target.upper + 1e-12
        if direction < 0 and target.lower is not None:
            movable &= x - step >= target.lower - 1e-12
        if not movable.any():
            break
        # move the value nearest the mean: changes the SD least
        idx = np.flatnonzero(movable)[np.argmin(np.abs(x[movable] - x.mean()))]
        x[idx] += direction * step
    return np.round(x / step) * step


def simulate_cell(rng: np.random.Generator, n: int, measures: list[Measure],
                  correlations: dict[tuple[str, str], float] | None = None,
                  missing: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Simulate `n` participants of one cell with the given targets and correlations.

    Missing values are placed at random per measure (``Measure.n_missing``) *before* the
    moments are matched, so the published mean/SD hold for the observed values.
    ``missing`` optionally maps a measure name to a boolean mask of length `n` (True =
    missing) that replaces the random placement, for studies whose measures are missing
    together (e.g. all metabolites of one MRS voxel); no random draw is made for such a
    measure, so adding a mask for one measure does not change the others' draws.
    """
    names = [m.name for m in measures]
    masks = missing or {}
    scores = normal_scores(rng, n, correlation_matrix(names, correlations or {}))
    columns = {}
    for j, measure in enumerate(measures):
        col = scores[:, j].copy()
        if measure.log_sigma:
            col = np.exp(measure.log_sigma * col)
        if measure.name in masks:
            mask = np.asarray(masks[measure.name], dtype=bool)
            if mask.shape != (n,):
                raise ValueError(f"missing mask of {measure.name!r} has shape {mask.shape}, "
                                 f"expected ({n},)")
            col[mask] = np.nan
        elif measure.n_missing:
            col[rng.choice(n, size=measure.n_missing, replace=False)] = np.nan
        columns[measure.name] = match_moments(col, measure)
    return pd.DataFrame(columns)


def write_tsv(frame: pd.DataFrame, path: Path, decimals: dict[str, int] | None = None) -> None:
    """Write a BIDS TSV (tab-separated, ``n/a`` for missing) with fixed float formatting."""
    out = frame.copy()
    for column, places in (decimals or {}).items():
        out[column] = out[column].map(lambda v, p=places: "n/a" if pd.isna(v) else f"{v:.{p}f}")
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, sep="\t", index=False, na_rep="n/a", lineterminator="\n")


def write_json(obj: dict, path: Path) -> None:
    """Write JSON with stable key order and indentation (byte-reproducible)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@dataclass
class SimulatedCohort:
    """Everything written into one cohort folder (see data/FORMAT.md).

    ``decimals`` fixes the printed precision of each float column so that regeneration is
    byte-identical; ``long_tables`` maps a name to (table, dictionary, decimals).
    ``findings.yaml`` is hand-written and never touched by :func:`write_cohort`.
    """

    cohort_id: str
    participants: pd.DataFrame
    dictionary: dict
    description: dict
    decimals: dict[str, int]
    long_tables: dict[str, tuple[pd.DataFrame, dict, dict[str, int]]] | None = None
    regions: pd.DataFrame | None = None


def write_cohort(cohort: SimulatedCohort, root: Path) -> Path:
    """Write `cohort` into ``root/<cohort_id>/`` and return that folder."""
    folder = Path(root) / cohort.cohort_id
    write_tsv(cohort.participants, folder / "participants.tsv", cohort.decimals)
    write_json(cohort.dictionary, folder / "participants.json")
    write_json(cohort.description, folder / "dataset_description.json")
    for name, (table, dictionary, decimals) in (cohort.long_tables or {}).items():
        write_tsv(table, folder / "long" / f"{name}.tsv", decimals)
        write_json(dictionary, folder / "long" / f"{name}.json")
    if cohort.regions is not None:
        write_tsv(cohort.regions, folder / "regions.tsv")
    return folder
