"""Simulated per-participant SUVR maps for the PET cohorts, cached on first use.

The bundled PET cohorts (clbp_pet_negative_affect, alshelh2022_clbp_subtypes) carry one SUVR
value per participant and region in participants.tsv. :func:`participant_maps` turns them into
voxelwise maps on THE GRID (2 mm MNI152, analysis.atlases.grid()) so that a voxelwise GLM can
be recomputed on any subgroup:

1. a smooth baseline SUVR image (grey > white matter > CSF, nilearn's bundled MNI152 tissue
   maps, 8 mm FWHM), whose mean in each region is set to the cohort mean of that region;
2. plus ``NOISE_SD`` x unit-variance Gaussian noise smoothed to the papers' 8 mm FWHM, drawn
   from a seed derived from the cohort id and the participant id (never from time);
3. then one additive offset per region (data.simulation.maps_fit) so that the mean inside
   each region (analysis.brainmaps.region_masks, within the brain mask) equals the
   participant's table value. Group effects therefore sit exactly in the regions that carry
   them in participants.tsv (S1, IPS, PCC, white matter; aMCC, pgACC); voxels outside every
   region are baseline plus noise, identical in distribution for everyone.

A missing table value is filled from the baseline: that region keeps the cohort mean of its
column (plus noise). Regions with identical voxels in regions.tsv cannot hold two different
means; the first column keeps its value and ``MapSet.notes`` says so. Nothing is fetched;
results are written to ``$PCE_MAPS_DIR`` (default ``<repo>/.cache/maps``), never to git.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nibabel as nib
import numpy as np

from analysis.atlases import brain_mask, grid
from analysis.brainmaps import region_masks
from analysis.cohort import Cohort, load_cohort
from analysis.errors import InvalidSpec
from data.simulation import maps_cache
from data.simulation.maps_fit import match_region_means, region_fit
from data.simulation.maps_noise import FWHM_MM, baseline_values, noise_box, smooth_noise

__all__ = ["NOISE_SD", "MapSet", "generate_maps", "participant_maps", "pet_columns",
           "write_nifti"]

NOISE_SD = 0.05
"""Voxel-level SD (SUVR) of the smooth noise: a little below the between-participant SD of
the region values (0.05-0.10 in participants.tsv), so voxelwise t stays close to the
region-level t (about 80% of it for an SD of 0.067)."""


@dataclass(frozen=True, eq=False)
class MapSet:
    """Per-participant SUVR maps of one cohort, at the in-mask voxels of THE GRID.

    ``data`` is float32 ``(n_participants, n_voxels)`` (rows in ``participant_ids`` order,
    columns the True voxels of ``mask`` in C order; read-only when loaded from the cache),
    ``mask`` the bool brain mask on THE GRID, ``version`` the cohort version the maps were
    generated from, ``regions`` the region ids whose means equal participants.tsv, ``notes``
    what could not be honoured exactly (missing values, duplicate regions).
    """

    cohort_id: str
    version: str
    participant_ids: tuple[str, ...]
    data: np.ndarray
    mask: np.ndarray
    regions: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    seed: int = 0

    def volume(self, participant: str | int) -> np.ndarray:
        """The map of one participant (id or row index) as a float32 3-D array on THE GRID,
        NaN outside the mask (as analysis.brainmaps.region_map; region_values skips NaN)."""
        row = participant if isinstance(participant, int) else self._row(participant)
        out = np.full(self.mask.shape, np.nan, dtype=np.float32)
        out[self.mask] = self.data[row]
        return out

    def _row(self, participant_id: str) -> int:
        try:
            return self.participant_ids.index(participant_id)
        except ValueError:
            raise InvalidSpec(f"participant {participant_id!r} has no map in cohort "
                              f"{self.cohort_id!r}; use one of participant_ids.") from None

    def methods_text(self) -> str:
        """One or two sentences for a methods paragraph."""
        return (f"Per-participant SUVR maps ({len(self.participant_ids)} participants, "
                f"{int(self.mask.sum())} voxels of the 2 mm MNI152 brain mask) were simulated "
                f"from the participants' regional SUVR values: a grey/white matter baseline "
                f"plus Gaussian noise (SD {NOISE_SD} SUVR) smoothed to {FWHM_MM:g} mm FWHM, "
                f"with each region's mean set to the tabulated value (seed {self.seed}).")


def pet_columns(cohort: Cohort) -> dict[str, str]:
    """SUVR columns of `cohort` with a Region, in participants.json order: column -> region."""
    return {name: info.region for name, info in cohort.dictionary.items()
            if info.region and (info.units or "").upper() == "SUVR"}


def cohort_seed(cohort_id: str) -> int:
    """Fixed seed of a cohort: the first 8 bytes of SHA-256 of its id."""
    return int.from_bytes(hashlib.sha256(cohort_id.encode("utf-8")).digest()[:8], "little")


def _participant_rng(seed: int, participant_id: str) -> np.random.Generator:
    """Independent stream per participant, so adding one participant changes no other map."""
    return np.random.default_rng([seed, cohort_seed(participant_id)])


def _load(cohort: Cohort | str) -> Cohort:
    return cohort if isinstance(cohort, Cohort) else load_cohort(cohort)


def _targets(cohort: Cohort, columns: dict[str, str], region_ids: tuple[str, ...]):
    """Targets ``(n, R)`` (missing -> cohort mean) and the cohort means ``(R,)``."""
    by_region = {}
    for column, region in columns.items():
        by_region.setdefault(region, column)  # first column of a region wins
    values = cohort.participants[[by_region[r] for r in region_ids]].to_numpy(float)
    means = np.nanmean(values, axis=0)
    return np.where(np.isnan(values), means, values), means


def generate_maps(cohort: Cohort | str) -> MapSet:
    """Simulate the maps of `cohort` in memory (no cache; see :func:`participant_maps`).

    Raises
    ------
    InvalidSpec
        When the cohort has no SUVR column with a Region, or a region has no voxel in the
        brain mask.
    """
    cohort = _load(cohort)
    columns = _usable_columns(cohort)
    mask = np.asarray(brain_mask(), dtype=bool)
    regions = cohort.regions.set_index("region_id", drop=False)
    order = list(dict.fromkeys(columns.values()))
    masks = region_masks(regions.loc[order].reset_index(drop=True),
                         source=f"{cohort.id}/regions.tsv")
    fit = region_fit({r: np.asarray(masks[r], dtype=bool)[mask] for r in order})
    targets, means = _targets(cohort, columns, fit.region_ids)
    baseline = match_region_means(baseline_values(grid(), mask), means, fit)
    seed = cohort_seed(cohort.id)
    ids = tuple(cohort.participants["participant_id"].astype(str))
    data = np.empty((len(ids), int(mask.sum())), dtype=np.float32)
    box = noise_box(mask)
    for row, pid in enumerate(ids):
        noisy = baseline + NOISE_SD * smooth_noise(_participant_rng(seed, pid), mask, box=box)
        data[row] = match_region_means(noisy, targets[row], fit)
    notes = _notes(cohort, columns, fit, means)
    return MapSet(cohort.id, cohort.version, ids, data, mask, fit.region_ids, notes, seed)


def _usable_columns(cohort: Cohort) -> dict[str, str]:
    columns = {c: r for c, r in pet_columns(cohort).items()
               if cohort.participants[c].notna().any()}
    if not columns or cohort.regions is None:
        raise InvalidSpec(f"cohort {cohort.id!r} has no SUVR column with a Region in "
                          "participants.json, so no voxelwise maps can be simulated; maps "
                          "exist for the PET cohorts (e.g. alshelh2022_clbp_subtypes).")
    return columns


def _notes(cohort: Cohort, columns: dict[str, str], fit, means: np.ndarray) -> tuple[str, ...]:
    notes = []
    column_of = {}
    for column, region in columns.items():
        if region in column_of:
            notes.append(f"column {column!r} shares region {region!r} with "
                         f"{column_of[region]!r}; the map follows {column_of[region]!r}.")
        column_of.setdefault(region, column)
    for alias, primary in fit.aliases.items():
        notes.append(f"region {alias!r} ({column_of[alias]}) has the same voxels as region "
                     f"{primary!r} in regions.tsv; its mean in the maps follows "
                     f"{column_of[primary]!r}, not {column_of[alias]!r}.")
    for region, mean in zip(fit.region_ids, means, strict=True):
        missing = int(cohort.participants[column_of[region]].isna().sum())
        if missing:
            notes.append(f"{missing} participant(s) lack {column_of[region]!r}; their region "
                         f"{region!r} is filled from the baseline (cohort mean "
                         f"{mean:.4f} SUVR, plus noise).")
    return tuple(notes)


def participant_maps(cohort: Cohort | str) -> MapSet:
    """The maps of `cohort` (a Cohort or a cohort id), generated on first use.

    The first call for a cohort version simulates the maps (:func:`generate_maps`, a few
    seconds) and writes them to ``$PCE_MAPS_DIR/<cohort_id>/<version>/``; later calls
    memory-map the cached ``data.npy`` (read-only) in milliseconds.
    """
    cohort = _load(cohort)
    folder = maps_cache.cache_folder(cohort.id, cohort.version)
    cached = maps_cache.load(folder)
    if cached is None:
        fresh = generate_maps(cohort)
        maps_cache.save(folder, fresh.data, fresh.mask, {
            "cohort_id": fresh.cohort_id, "version": fresh.version, "seed": fresh.seed,
            "participant_ids": list(fresh.participant_ids), "regions": list(fresh.regions),
            "notes": list(fresh.notes)})
        cached = maps_cache.load(folder)
    data, mask, meta = cached
    return MapSet(cohort.id, cohort.version, tuple(meta["participant_ids"]), data, mask,
                  tuple(meta["regions"]), tuple(meta["notes"]), int(meta["seed"]))


def write_nifti(mapset: MapSet, folder: str | os.PathLike,
                participants: Sequence[str] | None = None) -> list[Path]:
    """Write ``<participant_id>_desc-simulated_suvr.nii.gz`` (NaN outside the mask) for each of
    `participants` (default: all; about 0.2 s each) and ``mask.nii.gz`` into `folder`
    (created), on THE GRID; returns the participant files in that order."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    affine = grid().affine
    nib.save(nib.Nifti1Image(mapset.mask.astype(np.uint8), affine), out / "mask.nii.gz")
    paths = []
    for pid in mapset.participant_ids if participants is None else participants:
        path = out / f"{pid}_desc-simulated_suvr.nii.gz"
        nib.save(nib.Nifti1Image(mapset.volume(pid), affine), path)
        paths.append(path)
    return paths
