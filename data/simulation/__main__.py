"""Regenerate every bundled cohort: ``python -m data.simulation [cohort_id ...]``.

Each module ``data/simulation/<cohort_id>.py`` exposes ``build() -> SimulatedCohort``
with its own fixed seed, so the output is byte-identical on every run.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from data.simulation.core import write_cohort

COHORT_IDS = (
    "fanton2022_fm_tspo",
    "clbp_pet_negative_affect",
    "alshelh2022_clbp_subtypes",
    "martins2022_morphometric_similarity",
    "pag_mrs_clbp",
)
DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "cohorts"


def regenerate(cohort_ids=COHORT_IDS, root: Path = DEFAULT_ROOT) -> list[Path]:
    """Build and write the given cohorts under `root`; return their folders."""
    folders = []
    for cohort_id in cohort_ids:
        module = importlib.import_module(f"data.simulation.{cohort_id}")
        folders.append(write_cohort(module.build(), root))
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("cohorts", nargs="*", default=list(COHORT_IDS), choices=COHORT_IDS)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    args = parser.parse_args()
    for folder in regenerate(args.cohorts, args.root):
        print(f"wrote {folder}")


if __name__ == "__main__":
    main()
