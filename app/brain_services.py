"""Glue of the Brain view: which analysis a map shows, run through analysis/ (memoized).

"regions" repeats the Compare (or Correlate) analysis on every regional measure of the
cohort (analysis.region_scan); "voxelwise" fits a GLM on the per-participant maps of the
selected subgroup (analysis.voxelwise) and lists its clusters (analysis.brainmaps).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.brainmaps import cluster_table, region_masks
from analysis.errors import InvalidSpec
from analysis.region_scan import RegionScanResult, regional_measures, scan_regions
from analysis.voxel_design import design_matrix, rows_for
from analysis.voxelwise import VoxelwiseResult, voxelwise_glm


@dataclass(frozen=True, eq=False)
class VoxelwiseOutcome:
    """A voxelwise t map for the subgroup and the clusters above the threshold."""

    glm: VoxelwiseResult
    mask: object
    clusters: pd.DataFrame
    threshold: float

    def methods_text(self) -> str:
        return (self.glm.methods_text() + f" Clusters: |t| > {self.threshold:g}, face "
                "connectivity, at least 10 voxels, uncorrected; simulated per-participant "
                "maps (8 mm FWHM smooth noise around each participant's regional values).")


def has_maps(cohort) -> bool:
    """Whether per-participant maps can be simulated for `cohort` (its PET SUVR measures)."""
    from data.simulation.maps import pet_columns
    return bool(pet_columns(cohort)) and bool(cohort.description.get("Simulated"))


def run_regions(cohort, data, spec, state) -> RegionScanResult:
    measures = regional_measures(cohort.dictionary)
    if not measures:
        raise InvalidSpec(f"Cohort {cohort.id!r} has no measure mapped to a brain region "
                          "(participants.json 'Region').")
    if spec.source == "correlate":
        k = state.spec("correlate")
        options = {"x": k.x, "method": k.method, "covariates": list(k.covariates)}
    else:
        c = state.spec("compare")
        options = {"factors": list(c.factors), "covariates": list(c.covariates),
                   "test": c.test, "ss_type": c.ss_type, "alternative": c.alternative}
    return scan_regions(data, measures, analysis=spec.source, spec=options)


def voxel_inputs(cohort, data, spec):
    """(maps, design, rows): the subgroup's maps in the design's participant order."""
    from data.simulation.maps import participant_maps
    maps = participant_maps(cohort)
    design = design_matrix(data, effect=spec.effect, covariates=list(spec.covariates))
    return maps, design, rows_for(design, maps.participant_ids)


def run_voxelwise(cohort, data, spec, state) -> VoxelwiseOutcome:
    if not has_maps(cohort):
        raise InvalidSpec(f"Cohort {cohort.id!r} has no per-participant maps; voxelwise "
                          "maps are available for the PET cohorts.")
    if not spec.effect:
        raise InvalidSpec("Choose the effect to map (a two-level factor or a numeric column).")
    maps, design, rows = voxel_inputs(cohort, data, spec)
    glm = voxelwise_glm(maps.data[rows], design, design.attrs["effect_column"],
                        mask=maps.mask)
    clusters = cluster_table(glm.t_image(maps.mask), spec.threshold)
    return VoxelwiseOutcome(glm=glm, mask=maps.mask, clusters=clusters,
                            threshold=spec.threshold)


def masks(cohort) -> dict:
    return region_masks(cohort.regions, source=str(cohort.path / "regions.tsv"))


def run_brain(cohort, data, spec, state):
    return (run_voxelwise if spec.mode == "voxelwise" else run_regions)(cohort, data, spec,
                                                                        state)
