"""Figures of correlations: scatter with a fit line per subgroup, and a matrix heatmap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.figures.common import base_layout, color
from components.format import fmt_p_clause


def _fit_line(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    slope, intercept = np.polyfit(x, y, 1)
    xs = np.array([x.min(), x.max()])
    return xs, intercept + slope * xs


def scatter_figure(points: pd.DataFrame, result, *, x_label: str, y_label: str) -> go.Figure:
    """One colour per subgroup, least-squares line per subgroup, r and p in the legend.

    `points` are the values the statistic was computed on (ranks or residuals when the
    correlation is Spearman or partial), from ``analysis.correlate.partial_residuals``.
    """
    by = list(result.by)
    rows = result.table.set_index("subgroup")
    groups = points.groupby(by, observed=True, sort=False) if by else [("all", points)]
    fig = go.Figure()
    for i, (key, part) in enumerate(groups):
        label = "/".join(map(str, key)) if isinstance(key, tuple) else str(key)
        if len(part) < 2:
            continue
        stats = rows.loc[label] if label in rows.index else None
        legend = label if stats is None else (
            f"{label}: r = {stats['r']:.2f}, {fmt_p_clause(stats['p'])}, n = {int(stats['n'])}")
        x, y = part[result.x].to_numpy(float), part[result.y].to_numpy(float)
        fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name=legend, legendgroup=label,
                                 marker={"color": color(i), "size": 7, "opacity": 0.75}))
        if np.ptp(x) > 0:
            xs, ys = _fit_line(x, y)
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", showlegend=False,
                                     legendgroup=label, line={"color": color(i), "width": 2},
                                     hoverinfo="skip"))
    what = _axis_note(result)
    fig.update_layout(xaxis_title=f"{x_label}{what}", yaxis_title=f"{y_label}{what}")
    return base_layout(fig, title=f"{y_label} vs {x_label}", height=420)


def _axis_note(result) -> str:
    if result.covariates:
        kind = "rank residual" if result.method == "spearman" else "residual"
        return f" ({kind} | {', '.join(result.covariates)})"
    return " (rank)" if result.method == "spearman" else ""


def matrix_figure(result, *, labels: dict[str, str]) -> go.Figure:
    """Heatmap of r with the adjusted p marked (* < .05, ** < .01, *** < .001)."""
    names = [labels.get(c, c) for c in result.columns]
    r = result.r.to_numpy(float)
    p = result.p_adjusted.to_numpy(float)
    stars = np.where(p < 0.001, "***", np.where(p < 0.01, "**", np.where(p < 0.05, "*", "")))
    text = np.where(np.isnan(r), "", np.char.add(np.char.mod("%.2f", np.nan_to_num(r)), stars))
    fig = go.Figure(go.Heatmap(z=r, x=names, y=names, zmin=-1, zmax=1, colorscale="RdBu_r",
                               text=text, texttemplate="%{text}", colorbar={"title": "r"},
                               hovertemplate="%{y} × %{x}: r = %{z:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return base_layout(fig, title="Correlation matrix (* adjusted p < .05)", height=520)
