"""Every bundled cohort regenerates byte-identically from its simulation module.

``python -m data.simulation`` rebuilds ``data/cohorts/<id>/`` from a fixed seed per cohort;
this test rebuilds each cohort listed in ``data.simulation.__main__.COHORT_IDS`` into a
temporary folder and compares every file the simulator writes with the committed copy
(``findings.yaml`` is hand-written and excluded).
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest

from data.simulation.__main__ import COHORT_IDS, DEFAULT_ROOT
from data.simulation.core import write_cohort

HAND_WRITTEN = {"findings.yaml"}


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and p.name not in HAND_WRITTEN}


@pytest.mark.parametrize("cohort_id", COHORT_IDS)
def test_cohort_regenerates_byte_identically(cohort_id, tmp_path):
    if importlib.util.find_spec(f"data.simulation.{cohort_id}") is None:
        pytest.fail(f"cohort {cohort_id!r} is listed in data/simulation/__main__.py COHORT_IDS "
                    f"but data/simulation/{cohort_id}.py does not exist; write its build() "
                    "or remove it from COHORT_IDS.")
    committed = DEFAULT_ROOT / cohort_id
    if not committed.is_dir():
        pytest.fail(f"data/cohorts/{cohort_id}/ is not committed; run "
                    f"`python -m data.simulation {cohort_id}` and commit the folder.")
    module = importlib.import_module(f"data.simulation.{cohort_id}")
    fresh = write_cohort(module.build(), tmp_path)
    assert _files(fresh) == _files(committed), (
        f"{cohort_id}: files written by the simulator differ from data/cohorts/{cohort_id}/")
    changed = [name for name in sorted(_files(fresh))
               if (fresh / name).read_bytes() != (committed / name).read_bytes()]
    assert not changed, (f"{cohort_id}: regenerated files differ from the committed ones: "
                         f"{changed}; rerun `python -m data.simulation {cohort_id}`.")
