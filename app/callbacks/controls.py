"""Which control sets which spec field: the one table the sync callback reads."""

from __future__ import annotations

from dash import Input

from app.ids import Brain, Compare, Correlate, Mediate, Overview, Repeated

CONTROL_IDS: dict[str, dict[str, str]] = {
    "overview": {"by": Overview.BY},
    "compare": {"outcome": Compare.OUTCOME, "factors": Compare.FACTORS,
                "covariates": Compare.COVARIATES, "test": Compare.TEST,
                "ss_type": Compare.SS_TYPE, "posthoc": Compare.POSTHOC,
                "control": Compare.CONTROL, "alternative": Compare.ALTERNATIVE},
    "correlate": {"mode": Correlate.MODE, "x": Correlate.X, "y": Correlate.Y,
                  "columns": Correlate.COLUMNS, "method": Correlate.METHOD,
                  "covariates": Correlate.COVARIATES, "by": Correlate.BY,
                  "correction": Correlate.CORRECTION},
    "mediate": {"x": Mediate.X, "m": Mediate.M, "y": Mediate.Y,
                "covariates": Mediate.COVARIATES, "n_boot": Mediate.N_BOOT, "ci": Mediate.CI,
                "seed": Mediate.SEED, "all_orders": Mediate.ALL_ORDERS},
    "repeated": {"table": Repeated.TABLE, "outcome": Repeated.OUTCOME,
                 "fixed": Repeated.FIXED, "over": Repeated.OVER},
    "brain": {"mode": Brain.MODE, "source": Brain.SOURCE, "effect": Brain.EFFECT,
              "covariates": Brain.COVARIATES, "threshold": Brain.THRESHOLD,
              "coords": Brain.COORDS},
}


def control_inputs() -> dict[str, dict[str, Input]]:
    """Nested dict of Inputs, grouped like CONTROL_IDS (flexible callback signature)."""
    return {prefix: {name: Input(cid, "value") for name, cid in fields.items()}
            for prefix, fields in CONTROL_IDS.items()}
