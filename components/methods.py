"""Methods paragraph: who was analysed (subgroup, n) and what the engine says it did."""

from __future__ import annotations

from dash import html


def describe_subgroup(subgroup, cohort) -> str:
    """Readable description of the filters, e.g. "group = FM; age 20 to 60"."""
    parts = []
    for column, levels in subgroup.include.items():
        parts.append(f"{cohort.label(column)} = {', '.join(map(str, levels)) or 'none'}")
    for column, (low, high) in subgroup.ranges.items():
        if low is not None and high is not None:
            parts.append(f"{cohort.label(column)} {low:g} to {high:g}")
        elif low is not None:
            parts.append(f"{cohort.label(column)} ≥ {low:g}")
        elif high is not None:
            parts.append(f"{cohort.label(column)} ≤ {high:g}")
    if not parts:
        return "all participants"
    missing = ("participants missing a filtered value were excluded" if subgroup.missing == "drop"
               else "participants missing a filtered value were kept")
    return "; ".join(parts) + f" ({missing})"


def methods_paragraph(result_text: str, *, subgroup, cohort, n_selected: int) -> list:
    """Children of the methods <p>: data source, subgroup, then the result's own text."""
    simulated = cohort.description.get("Simulated", False)
    citation = cohort.description.get("Citation", "the paper").rstrip(". ")
    source = (f" Data are simulated from the published summary statistics of {citation}; "
              "they are not the study's participant data." if simulated else "")
    return [html.Span(f"Cohort {cohort.description.get('Name', cohort.id)} (version "
                      f"{cohort.version}); subgroup: {describe_subgroup(subgroup, cohort)}, "
                      f"{n_selected} of {len(cohort.participants)} participants.{source} "),
            html.Span(result_text)]
