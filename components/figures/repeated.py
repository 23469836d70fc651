"""Figure of repeated measures: condition means over time with 95% CI."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.figures.common import base_layout, color, empty_figure


def condition_means_figure(means: pd.DataFrame, *, over: str | None, outcome: str,
                           by: list[str]) -> go.Figure:
    """One line per condition (combination of `by`), mean ± 95% CI at each time point."""
    if means is None or means.empty or over is None:
        return empty_figure("Choose a time axis to plot condition means.")
    groups = means.groupby(by, observed=True, sort=False) if by else [("all", means)]
    fig = go.Figure()
    for i, (key, part) in enumerate(groups):
        label = "/".join(map(str, key)) if isinstance(key, tuple) else str(key)
        part = part.sort_values(over)
        fig.add_trace(go.Scatter(
            x=part[over], y=part["mean"], mode="lines+markers", name=label,
            line={"color": color(i), "width": 2},
            error_y={"type": "data", "symmetric": False,
                     "array": part["ci_high"] - part["mean"],
                     "arrayminus": part["mean"] - part["ci_low"], "thickness": 1}))
    fig.update_layout(xaxis_title=over, yaxis_title=f"{outcome} (mean, 95% CI)")
    return base_layout(fig, title=f"{outcome} over {over}", height=380)
