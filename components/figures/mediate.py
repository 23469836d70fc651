"""Figures of a mediation model: path diagram and bootstrap distribution."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.figures.common import base_layout, empty_figure
from components.format import fmt_num, fmt_p

_BOXES = {"x": (0.13, 0.2), "m": (0.5, 0.82), "y": (0.87, 0.2)}


def _path_text(paths, name: str, symbol: str) -> str:
    row = paths.loc[name]
    star = "*" if row["p"] < 0.05 else ""
    return f"{symbol} = {fmt_num(row['estimate'])}{star} (p {_p(row['p'])})"


def _p(p) -> str:
    text = fmt_p(p)
    return text if text.startswith("<") else f"= {text}"


def _arrow(fig, start, end, text, *, text_shift=(0, 0)):
    fig.add_annotation(x=end[0], y=end[1], ax=start[0], ay=start[1], xref="x",
                       yref="y", axref="x", ayref="y", showarrow=True,
                       arrowhead=3, arrowwidth=2, arrowcolor="#444", standoff=38,
                       startstandoff=38, text="")
    mid = ((start[0] + end[0]) / 2 + text_shift[0], (start[1] + end[1]) / 2 + text_shift[1])
    fig.add_annotation(x=mid[0], y=mid[1], xref="x", yref="y", text=text,
                       showarrow=False, font={"size": 12}, bgcolor="rgba(255,255,255,0.85)")


def path_diagram(result, *, labels: dict[str, str]) -> go.Figure:
    """X -> M -> Y with a, b, c' on the arrows, c and the indirect effect below."""
    fig = go.Figure()
    for key, (x, y) in _BOXES.items():
        name = labels.get(getattr(result, key), getattr(result, key))
        fig.add_annotation(x=x, y=y, xref="x", yref="y", showarrow=False,
                           text=f"<b>{key.upper()}</b><br>{name}", bordercolor="#1f5f8b",
                           borderwidth=2, borderpad=8, bgcolor="#eef4f8", font={"size": 12})
    paths = result.paths
    _arrow(fig, _BOXES["x"], _BOXES["m"], _path_text(paths, "a", "a"), text_shift=(-0.07, 0.03))
    _arrow(fig, _BOXES["m"], _BOXES["y"], _path_text(paths, "b", "b"), text_shift=(0.07, 0.03))
    _arrow(fig, _BOXES["x"], _BOXES["y"], _path_text(paths, "c_prime", "c′"),
           text_shift=(0, -0.08))
    verdict = "CI excludes 0" if result.significant else "CI includes 0"
    fig.add_annotation(
        x=0.5, y=-0.12, xref="paper", yref="paper", showarrow=False, font={"size": 13},
        text=(f"indirect a×b = <b>{fmt_num(result.indirect)}</b>, "
              f"{int(result.level * 100) if hasattr(result, 'level') else 95}% "
              f"{'BC' if result.ci == 'bc' else 'percentile'} CI "
              f"[{fmt_num(result.ci_low)}, {fmt_num(result.ci_high)}] ({verdict}) · "
              f"total c = {fmt_num(paths.loc['c', 'estimate'])} (p {_p(paths.loc['c', 'p'])})"))
    fig.update_layout(xaxis={"visible": False, "range": [0, 1], "fixedrange": True},
                      yaxis={"visible": False, "range": [0, 1], "fixedrange": True})
    return base_layout(fig, height=330).update_layout(margin={"l": 20, "r": 20, "t": 20,
                                                              "b": 60})


def bootstrap_figure(result) -> go.Figure:
    """Histogram of the bootstrap indirect effects with the CI and the point estimate."""
    values = np.asarray(getattr(result, "boot_distribution", None) if result is not None
                        else [], dtype=float)
    if values.size == 0:
        return empty_figure("No bootstrap distribution to show.")
    fig = go.Figure(go.Histogram(x=values, nbinsx=60, marker={"color": "#9bb7d4"},
                                 name="bootstrap a×b"))
    for value, dash, name in ((result.ci_low, "dash", "CI"), (result.ci_high, "dash", "CI"),
                              (result.indirect, "solid", "estimate")):
        fig.add_vline(x=value, line={"dash": dash, "color": "#d1495b" if name == "CI"
                                     else "#222", "width": 2})
    fig.add_vline(x=0, line={"color": "#888", "width": 1, "dash": "dot"})
    fig.update_layout(xaxis_title="indirect effect a×b", yaxis_title="resamples",
                      showlegend=False)
    return base_layout(fig, title=f"Bootstrap distribution ({result.n_boot:,} resamples, "
                                  f"seed {result.seed})", height=300)
