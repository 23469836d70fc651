"""Sensible starting specs for a cohort, so a fresh link opens on a meaningful analysis."""

from __future__ import annotations

from dataclasses import fields, replace

from analysis.errors import AnalysisError
from analysis.findings import cohort_findings
from app.specs import BrainSpec, CompareSpec, CorrelateSpec, MediateSpec, OverviewSpec, RepeatedSpec


def _numeric(cohort, roles=("measure",)) -> list[str]:
    return [c for c, info in cohort.dictionary.items() if info.role in roles and not info.levels]


def _factors(cohort) -> list[str]:
    """Factors with at least two levels, in dictionary order."""
    return [c for c, info in cohort.dictionary.items()
            if info.role == "factor" and info.levels and len(info.levels) > 1]


def default_specs(cohort) -> dict:
    """``{prefix: spec}`` for every view.

    Where the cohort has a findings file, each analysis view opens on the paper's first
    finding of its kind (the analysis the paper is about); otherwise on the first factor
    and the first measures of the dictionary.
    """
    specs = _dictionary_defaults(cohort)
    seen: set[str] = set()
    for finding in _findings(cohort):
        prefix = finding.analysis
        if prefix in ("compare", "correlate", "mediate") and prefix not in seen:
            specs[prefix] = _from_finding(specs[prefix], finding)
            seen.add(prefix)
    return specs


def _findings(cohort) -> list:
    """Reproducible findings of the cohort (none when it has no valid findings file)."""
    try:
        found = cohort_findings(cohort)
    except AnalysisError:
        return []
    return [f for f in (found.findings if found else ()) if f.reproducible]


def _from_finding(spec, finding):
    """`spec` with the fields the finding sets (unknown keys are ignored)."""
    names = {f.name for f in fields(spec)}
    changes = {k: tuple(v) if isinstance(v, list) else v
               for k, v in (finding.spec or {}).items() if k in names}
    return replace(spec, **changes)


def _dictionary_defaults(cohort) -> dict:
    """First factor and first measures of the dictionary."""
    measures = _numeric(cohort) or _numeric(cohort, ("covariate",))
    factors = _factors(cohort)
    first = factors[:1]
    pad = (measures * 3)[:3] if measures else [None, None, None]
    long_name = next(iter(cohort.long_tables), None)
    return {
        "overview": OverviewSpec(by=first[0] if first else None),
        "compare": CompareSpec(outcome=pad[0], factors=tuple(first)),
        "correlate": CorrelateSpec(x=pad[0], y=pad[1], by=tuple(first),
                                   columns=tuple(measures[:6])),
        "mediate": MediateSpec(x=pad[0], m=pad[1], y=pad[2]),
        "repeated": _repeated_default(cohort, long_name),
        "brain": BrainSpec(effect=first[0] if first else None),
    }


def _repeated_default(cohort, long_name: str | None) -> RepeatedSpec:
    if long_name is None:
        return RepeatedSpec()
    table = cohort.long_tables[long_name]
    numeric = [c for c in table.columns if c != "participant_id"
               and table[c].dtype.kind in "if"]
    categorical = [c for c in table.columns if c != "participant_id" and c not in numeric]
    over = next((c for c in numeric if c in ("time", "trial", "session", "repetition")), None)
    outcome = next((c for c in numeric if c != over), None)
    return RepeatedSpec(table=long_name, outcome=outcome,
                        fixed=tuple(categorical + ([over] if over else [])), over=over)
