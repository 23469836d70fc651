"""Run one analysis on every regional measure of a cohort ("all regions").

The same comparison or correlation a researcher set up for one outcome, repeated for each
imaging measure that maps to a brain region, with a false-discovery-rate correction across
the regions - the numbers a brain map of the whole cohort is painted with. Pure functions,
no Dash, no rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis._json import json_safe
from analysis.compare import compare_groups
from analysis.correlate import correlate
from analysis.errors import AnalysisError, InsufficientData
from analysis.multiplicity import CORRECTION_LABELS, adjust_pvalues


@dataclass(frozen=True, eq=False)
class RegionScanResult:
    """One row per regional measure: region, measure, the statistic, p, corrected p.

    ``statistic`` is signed where the test has a direction (t of two groups, r), so a map
    shows which way each region differs; ``skipped`` names measures the engine refused
    (with its reason) instead of painting them with a NaN.
    """

    analysis: str
    term: str
    statistic_name: str
    correction: str
    table: pd.DataFrame
    skipped: tuple[tuple[str, str], ...]

    def values(self, column: str = "statistic") -> dict[str, float]:
        """``{region_id: value}`` for painting a map (region_map).

        A region measured by several variables (e.g. glutamate and GABA in one MRS voxel)
        is painted with the measure of smallest p; ``table`` lists every measure.
        """
        strongest = self.table.sort_values("p", kind="stable").drop_duplicates("region")
        return dict(zip(strongest["region"], strongest[column].astype(float)))

    @property
    def shared_regions(self) -> tuple[str, ...]:
        """Regions with more than one measure (their map shows the strongest one)."""
        counts = self.table["region"].value_counts()
        return tuple(counts[counts > 1].index)

    def to_dict(self) -> dict:
        return json_safe({"analysis": self.analysis, "term": self.term,
                          "statistic_name": self.statistic_name,
                          "correction": self.correction, "table": self.table,
                          "skipped": [list(s) for s in self.skipped]})

    def methods_text(self) -> str:
        shared = (f" Regions with several measures ({', '.join(self.shared_regions)}) are "
                  "painted with the measure of smallest p." if self.shared_regions else "")
        return (f"The analysis was repeated for each of {len(self.table)} regional measures "
                f"({self.statistic_name} of {self.term}); p values were adjusted across regions "
                f"with {CORRECTION_LABELS[self.correction]}.{shared}"
                + (f" {len(self.skipped)} measure(s) could not be analysed." if self.skipped
                   else ""))


def _compare_row(df: pd.DataFrame, measure: str, spec: Mapping) -> dict:
    result = compare_groups(df, measure, **spec)
    row = result.table.iloc[0]
    statistic = float(row["statistic"])
    return {"term": str(row["term"]), "statistic_name": str(row["statistic_name"]),
            "statistic": statistic, "p": float(row["p"]), "n": int(result.n_used),
            "effect_size": float(row["effect_size"])}


def _correlate_row(df: pd.DataFrame, measure: str, spec: Mapping) -> dict:
    spec = {k: v for k, v in spec.items() if k not in ("y", "by", "correction")}
    result = correlate(df, spec.pop("x"), measure, correction="none", **spec)
    row = result.table.iloc[0]                      # the pooled row
    return {"term": f"r with {result.x}", "statistic_name": "r", "statistic": float(row["r"]),
            "p": float(row["p"]), "n": int(row["n"]), "effect_size": float(row["r"])}


ROW_FUNCTIONS: dict[str, Callable[[pd.DataFrame, str, Mapping], dict]] = {
    "compare": _compare_row, "correlate": _correlate_row}


def scan_regions(df: pd.DataFrame, measures: Mapping[str, str], *, analysis: str,
                 spec: Mapping, correction: str = "bh") -> RegionScanResult:
    """Run `analysis` with `spec` on each measure of `measures` ({measure: region_id}).

    Parameters
    ----------
    df : participants of the subgroup.
    measures : regional measures and their region ids (from the data dictionary).
    analysis : {"compare", "correlate"}
    spec : keyword arguments of compare_groups (without the outcome) or of correlate
        (``x`` and options; each measure becomes ``y``; only the pooled row is used).
    correction : multiplicity correction across regions (default Benjamini-Hochberg).
    """
    if analysis not in ROW_FUNCTIONS:
        raise AnalysisError(f"analysis={analysis!r} cannot scan regions; use 'compare' or "
                            "'correlate'.")
    rows, skipped = [], []
    for measure, region in measures.items():
        try:
            rows.append({"region": region, "measure": measure,
                         **ROW_FUNCTIONS[analysis](df, measure, spec)})
        except AnalysisError as error:
            skipped.append((measure, str(error)))
    if not rows:
        raise InsufficientData("No regional measure could be analysed on this subgroup: "
                               + "; ".join(f"{m}: {why}" for m, why in skipped[:3]))
    table = pd.DataFrame(rows)
    table["p_adjusted"] = adjust_pvalues(table["p"].to_numpy(), correction)
    first = table.iloc[0]
    return RegionScanResult(analysis=analysis, term=str(first["term"]),
                            statistic_name=str(first["statistic_name"]),
                            correction=correction, table=table, skipped=tuple(skipped))


def regional_measures(dictionary: Mapping, measures: Sequence[str] | None = None
                      ) -> dict[str, str]:
    """``{measure: region_id}`` of the numeric measures that name a Region."""
    names = measures if measures is not None else list(dictionary)
    return {name: dictionary[name].region for name in names
            if dictionary[name].region and not dictionary[name].levels
            and dictionary[name].role == "measure"}

