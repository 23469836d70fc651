"""Brain view callbacks on the bundled cohorts, called directly."""

from __future__ import annotations

import gzip
from dataclasses import replace

import nibabel as nib
import numpy as np
import pytest
from flask import Flask

from analysis.atlases import grid
from app import services
from app.callbacks import brain, views
from app.settings import REPO_ROOT
from app.specs import BrainSpec, CompareSpec


@pytest.fixture()
def bundled():
    services.configure(REPO_ROOT / "data" / "cohorts")
    server = Flask("brain-test")
    services.cache.init_app(server, config={"CACHE_TYPE": "SimpleCache"})
    with server.app_context():
        yield


def _query(cohort: str, spec: BrainSpec, **compare) -> str:
    state, _ = services.decode(f"cohort={cohort}")
    state = replace(state, view="brain").with_spec(spec)
    if compare:
        state = state.with_spec(replace(state.spec("compare"), **compare))
    return state.to_query()


def _text(component) -> str:
    if component is None or isinstance(component, (int, float, str)):
        return "" if component is None else str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def test_all_regions_map_paints_every_regional_measure(bundled):
    query = _query("alshelh2022_clbp_subtypes", BrainSpec(mode="regions", coords="-46,-24,42"),
                   factors=("pain_subtype",), covariates=(), test="student")
    figure, location, table, methods = brain.update_brain(query)
    assert [t.type for t in figure.data].count("heatmap") == 6      # template + overlay x 3
    assert "Left Postcentral Gyrus" in _text(location)
    assert "open S1 cluster SUVR in Compare" in _text(location)
    assert "s1_cluster_suvr" in _text(table) and "p (FDR)" in _text(table)
    assert "Benjamini-Hochberg" in _text(methods)


def test_cortical_cohort_is_shown_on_the_surface(bundled):
    query = _query("martins2022_morphometric_similarity", BrainSpec(mode="regions"),
                   factors=("group",), covariates=(), test="auto")
    figure, _, table, _ = brain.update_brain(query)
    assert [t.type for t in figure.data].count("mesh3d") == 2     # left and right lateral
    assert "ms_lh_bankssts" in _text(table)


def test_voxelwise_map_finds_the_s1_cluster_and_exports_nifti(bundled):
    query = _query("alshelh2022_clbp_subtypes",
                   BrainSpec(mode="voxelwise", effect="pain_subtype", covariates=("protocol",),
                             threshold=3.0))
    _, _, table, methods = brain.update_brain(query)
    assert "Postcentral" in _text(table)            # the largest cluster is S1 (paper: Fig. 2)
    assert "n = 54" in _text(methods)
    download = brain.export_nifti(1, query)
    image = nib.Nifti1Image.from_bytes(gzip.decompress(__import__("base64").b64decode(
        download["content"])))
    assert image.shape == grid().shape
    assert np.nanmax(image.get_fdata()) > 3


def test_voxelwise_map_is_refused_for_a_cohort_without_maps(bundled):
    query = _query("fanton2022_fm_tspo", BrainSpec(mode="voxelwise", effect="group"))
    _, _, table, _ = brain.update_brain(query)
    assert "no per-participant maps" in _text(table)


def test_click_on_a_slice_moves_the_crosshair(bundled):
    click = {"points": [{"curveNumber": 0, "x": -40, "y": -20}]}   # axial panel: x, y
    assert brain.click_brain(click, "0,0,42") == "-40,-20,42"


def test_compare_view_shows_the_region_of_an_imaging_outcome(bundled):
    state, _ = services.decode("cohort=alshelh2022_clbp_subtypes&view=compare")
    query = state.with_spec(CompareSpec(outcome="s1_cluster_suvr",
                                        factors=("pain_subtype",))).to_query()
    region = views.update_compare(query)[-1]
    assert "Region: Primary somatosensory cortex" in region.layout.title.text


def test_fwe_job_reports_progress_and_a_corrected_threshold(bundled, monkeypatch):
    from app.callbacks import permutations

    monkeypatch.setattr(permutations, "N_PERMUTATIONS", 40)
    query = _query("alshelh2022_clbp_subtypes",
                   BrainSpec(mode="voxelwise", effect="pain_subtype", covariates=("protocol",)))
    progress = []
    summary = permutations.run_fwe(progress.append, 1, query)
    assert progress[0] == (0, 40) and progress[-1] == (40, 40)
    text = _text(summary)
    assert "40 Freedman-Lane permutations" in text and "|t| >" in text
    # the FWE threshold is above the uncorrected |t| = 3 used for the map
    assert float(text.split("|t| > ")[1].split(";")[0]) > 3


def test_fwe_job_asks_for_a_voxelwise_map_first(bundled):
    from app.callbacks import permutations

    query = _query("alshelh2022_clbp_subtypes", BrainSpec(mode="regions"))
    assert "voxelwise map" in _text(permutations.run_fwe(lambda _: None, 1, query))
