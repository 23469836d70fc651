"""Figures of a group comparison: points + box + mean with 95% CI, and interaction plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.figures.common import base_layout, color, empty_figure


def _mean_columns(cells: pd.DataFrame) -> tuple[str, str, str, str]:
    if "adjusted_mean" in cells.columns and cells["adjusted_mean"].notna().any():
        return "adjusted_mean", "adjusted_ci_low", "adjusted_ci_high", "adjusted mean"
    return "mean", "ci_low", "ci_high", "mean"


def cell_figure(data: pd.DataFrame, result, *, outcome_label: str,
                labels: dict[str, str] | None = None) -> go.Figure:
    """Every participant as a point over a box per cell, the cell mean with its 95% CI.

    With two factors, the first is on the x axis and the second is the colour.
    """
    factors = list(result.factors)
    outcome = result.outcome
    frame = data.dropna(subset=[outcome, *factors])
    fig = go.Figure()
    x_factor, hue = factors[0], (factors[1] if len(factors) > 1 else None)
    hue_levels = list(frame[hue].cat.categories) if hue else [None]
    mean_col, low_col, high_col, mean_name = _mean_columns(result.cells)
    for i, level in enumerate(hue_levels):
        part = frame if level is None else frame[frame[hue] == level]
        name = str(level) if level is not None else outcome_label
        fig.add_trace(go.Box(x=part[x_factor].astype(str), y=part[outcome], name=name,
                             boxpoints="all", jitter=0.35, pointpos=0, marker={"size": 5,
                             "opacity": 0.55, "color": color(i)}, line={"width": 1},
                             fillcolor="rgba(0,0,0,0)", offsetgroup=str(i),
                             legendgroup=name, showlegend=hue is not None,
                             hoverinfo="y"))
        cells = result.cells if level is None else result.cells[result.cells[hue] == level]
        fig.add_trace(go.Scatter(
            x=cells[x_factor].astype(str), y=cells[mean_col], mode="markers",
            marker={"symbol": "diamond", "size": 11, "color": "#222", "line": {"width": 1,
                    "color": "white"}},
            error_y={"type": "data", "symmetric": False,
                     "array": cells[high_col] - cells[mean_col],
                     "arrayminus": cells[mean_col] - cells[low_col], "thickness": 2,
                     "width": 6, "color": "#222"},
            offsetgroup=str(i), legendgroup=name, showlegend=False,
            name=f"{name} {mean_name} (95% CI)",
            hovertemplate=f"{mean_name} %{{y:.3g}}<extra>{name}</extra>"))
    order = [str(level) for level in frame[x_factor].cat.categories] \
        if hasattr(frame[x_factor], "cat") else None
    names = labels or {}
    fig.update_layout(boxmode="group", scattermode="group",
                      xaxis_title=names.get(x_factor, x_factor), yaxis_title=outcome_label,
                      legend_title_text=names.get(hue, hue) if hue else None)
    if order:
        fig.update_xaxes(categoryorder="array", categoryarray=order)
    return base_layout(fig, title=f"{outcome_label} by "
                                  f"{' × '.join(names.get(f, f) for f in factors)}")


def interaction_figure(result, *, outcome_label: str,
                       labels: dict[str, str] | None = None) -> go.Figure:
    """Cell means (adjusted with covariates) with 95% CI, one line per level of factor 2."""
    factors = list(result.factors)
    if len(factors) < 2:
        return empty_figure("Choose a second factor to see the interaction plot.", height=60)
    cells = result.cells
    mean_col, low_col, high_col, mean_name = _mean_columns(cells)
    fig = go.Figure()
    for i, (level, part) in enumerate(cells.groupby(factors[1], observed=True, sort=False)):
        fig.add_trace(go.Scatter(
            x=part[factors[0]].astype(str), y=part[mean_col], mode="lines+markers",
            name=f"{(labels or {}).get(factors[1], factors[1])} = {level}", line={"color": color(i), "width": 2},
            error_y={"type": "data", "symmetric": False,
                     "array": part[high_col] - part[mean_col],
                     "arrayminus": part[mean_col] - part[low_col]}))
    fig.update_layout(xaxis_title=(labels or {}).get(factors[0], factors[0]),
                      yaxis_title=f"{outcome_label} ({mean_name})")
    return base_layout(fig, title="Interaction plot", height=320)


def finite(values) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr[np.isfinite(arr)]
