"""Trial-level P30 pain ratings of the Fanton 2022 cohort (long table ``p30_ratings``).

Each participant with calibrated pressures rated the mid-intensity pressure P30 after a
green and after a red cue, 10 times each (section 2.2.3). Ratings follow the fixed
effects of Table 2 (treatment coding: TSPO = HAB, Group = HC, Cue = red, Time 1..10)
plus a random intercept per participant and residual noise, are clipped to the 0-100 mm
VAS and rounded to whole mm. Clipping and rounding bias the coefficients slightly, so
the fixed part is corrected a few times by ordinary least squares (with every
participant rated 20 times, the OLS and random-intercept GLS fixed effects coincide up
to the clipping), which puts the estimates on the Table 2 values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.simulation.fanton2022_targets import P30_BETA, P30_SD_RESIDUAL, P30_SD_SUBJECT

TERMS = ("intercept", "tspo", "group", "cue", "time", "tspo_x_cue", "time_x_cue",
         "group_x_time", "tspo_x_time", "tspo_x_group", "cue_x_group")
N_TIMES = 10


def design(hab: np.ndarray, hc: np.ndarray, red: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Fixed-effect design matrix, columns in the order of :data:`TERMS`."""
    one = np.ones_like(time, dtype=float)
    return np.column_stack([one, hab, hc, red, time, hab * red, time * red, hc * time,
                            hab * time, hab * hc, red * hc]).astype(float)


def long_frame(participants: pd.DataFrame) -> pd.DataFrame:
    """Empty trial grid: participant x cue colour x time, green trials first."""
    rows = [(pid, cue, t) for pid in participants["participant_id"]
            for cue in ("green", "red") for t in range(1, N_TIMES + 1)]
    return pd.DataFrame(rows, columns=["participant_id", "cue_color", "time"])


def simulate_p30(rng: np.random.Generator, participants: pd.DataFrame,
                 iterations: int = 8) -> pd.DataFrame:
    """Ratings for the `participants` rows (columns participant_id, group, tspo_binder)."""
    table = long_frame(participants)
    info = participants.set_index("participant_id").loc[table["participant_id"]]
    x = design((info["tspo_binder"] == "HAB").to_numpy(float),
               (info["group"] == "HC").to_numpy(float),
               (table["cue_color"] == "red").to_numpy(float),
               table["time"].to_numpy(float))
    beta = np.array([P30_BETA[t] for t in TERMS])
    subject = rng.standard_normal(len(participants)) * P30_SD_SUBJECT
    noise = rng.standard_normal(len(table)) * P30_SD_RESIDUAL
    random_part = np.repeat(subject, 2 * N_TIMES) + noise
    shift = np.zeros_like(beta)
    for _ in range(iterations):
        ratings = np.clip(np.round(x @ (beta + shift) + random_part), 0, 100)
        estimate = np.linalg.lstsq(x, ratings, rcond=None)[0]
        shift += beta - estimate
    table["p30_rating"] = ratings.astype(int)
    return table


def p30_dictionary() -> dict:
    """participants.json-style dictionary of the long table."""
    return {
        "cue_color": {
            "Description": "Colour of the cue shown before the P30 pressure; during "
                           "conditioning green preceded P10 and red preceded P50.",
            "Role": "factor", "Label": "Cue colour",
            "Levels": {"green": "green cue (conditioned to low pain, P10)",
                       "red": "red cue (conditioned to high pain, P50)"},
        },
        "time": {
            "Description": "Repetition of P30 within cue colour (1-10) in the fMRI "
                         "testing phase.",
            "Role": "covariate", "Units": "repetition", "Range": [1, 10], "Integer": True,
            "Label": "Time (repetition)",
        },
        "p30_rating": {
            "Description": "Pain rating of the individually calibrated mid-intensity cuff "
                           "pressure P30 = (P10 + P50)/2 on a 0-100 mm VAS in the scanner.",
            "Role": "measure", "Modality": "psychophysics", "Units": "mm",
            "Range": [0, 100], "Integer": True, "Label": "P30 pain rating",
        },
    }
