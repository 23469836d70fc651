"""A small but realistic cohort folder for app tests (2 x 2 design, unequal cells, NaNs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app import services
from data.simulation.core import SimulatedCohort, write_cohort


def _participants(rng: np.random.Generator) -> pd.DataFrame:
    cells = [("FM", "HAB", 20), ("FM", "MLAB", 14), ("HC", "HAB", 12), ("HC", "MLAB", 10)]
    rows = []
    for group, binder, n in cells:
        shift = (0.4 if group == "FM" else 0.0) + (0.3 if binder == "HAB" else 0.0)
        for _ in range(n):
            pain = rng.normal(3 + 2 * shift, 1)
            rows.append({"group": group, "binder": binder, "age": int(rng.integers(25, 60)),
                         "pain": round(pain, 2), "glu": round(rng.normal(10 + shift, 1), 3),
                         "gaba": round(rng.normal(2 + 0.3 * pain, 0.4), 3)})
    frame = pd.DataFrame(rows)
    frame.loc[[3, 17, 40], "gaba"] = np.nan
    frame.insert(0, "participant_id", [f"sub-{i:03d}" for i in range(1, len(frame) + 1)])
    return frame


DICTIONARY = {
    "participant_id": {"Description": "Participant identifier."},
    "group": {"Description": "Diagnosis.", "Role": "factor",
              "Levels": {"HC": "healthy control", "FM": "fibromyalgia"}},
    "binder": {"Description": "TSPO binder class.", "Role": "factor",
               "Levels": {"HAB": "high-affinity", "MLAB": "mixed/low-affinity"}},
    "age": {"Description": "Age.", "Role": "covariate", "Units": "years",
            "Modality": "demographic", "Range": [18, 80], "Integer": True},
    "pain": {"Description": "Pain intensity.", "Role": "measure", "Units": "0-10",
             "Modality": "clinical", "Label": "Pain"},
    "glu": {"Description": "Glutamate.", "Role": "measure", "Units": "mM", "Modality": "MRS"},
    "gaba": {"Description": "GABA.", "Role": "measure", "Units": "mM", "Modality": "MRS"},
}


def _long(participants: pd.DataFrame, rng) -> tuple[pd.DataFrame, dict]:
    rows = []
    for pid in participants["participant_id"]:
        base = rng.normal(40, 8)
        for cue in ("green", "red"):
            for time in range(1, 6):
                rows.append({"participant_id": pid, "cue_color": cue, "time": time,
                             "rating": round(base + (8 if cue == "red" else 0) - 0.8 * time
                                             + rng.normal(0, 4), 1)})
    dictionary = {"participant_id": {"Description": "Participant identifier."},
                  "cue_color": {"Description": "Cue colour.", "Role": "factor",
                                "Levels": {"green": "low cue", "red": "high cue"}},
                  "time": {"Description": "Repetition.", "Role": "covariate", "Integer": True},
                  "rating": {"Description": "Pain rating.", "Role": "measure",
                             "Units": "VAS 0-100", "Range": [0, 100]}}
    return pd.DataFrame(rows), dictionary


@pytest.fixture(scope="session")
def cohort_root(tmp_path_factory):
    rng = np.random.default_rng(7)
    participants = _participants(rng)
    long_table, long_dict = _long(participants, rng)
    cohort = SimulatedCohort(
        cohort_id="demo", participants=participants, dictionary=DICTIONARY,
        description={"Name": "Demo cohort", "BIDSVersion": "1.9.0", "Summary": "A test cohort.",
                     "Citation": "Nobody (2026) Demo.", "Simulated": True},
        decimals={}, long_tables={"ratings": (long_table, long_dict, {})})
    root = tmp_path_factory.mktemp("cohorts")
    write_cohort(cohort, root)
    plain = SimulatedCohort(cohort_id="plain", participants=participants, dictionary=DICTIONARY,
                            description={"Name": "Plain cohort", "BIDSVersion": "1.9.0",
                                         "Summary": "No long table.", "Simulated": False},
                            decimals={})
    write_cohort(plain, root)
    return root


@pytest.fixture()
def configured(cohort_root):
    """The app's services pointed at the demo cohort, with a fresh in-memory cache."""
    from flask import Flask
    services.configure(cohort_root)
    server = Flask("test")
    services.cache.init_app(server, config={"CACHE_TYPE": "SimpleCache"})
    with server.app_context():
        yield cohort_root
