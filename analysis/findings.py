"""Recomputing a published finding on a cohort and checking it against the paper.

:func:`run_finding` runs the analysis named by the finding (via a dispatch table of small
engine adapters, imported lazily), extracts the statistic of ``published.term`` and checks
direction, significance decision at the paper's alpha and closeness to the published value.
Pure functions; engines can be injected (``engines=``) for tests. No rounding here.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from analysis.cohort import Cohort
from analysis.errors import AnalysisError, InvalidSpec
from analysis.findings_extract import EXTRACTORS, Recomputed
from analysis.findings_schema import Finding, FindingSet, load_findings
from analysis.subgroups import Subgroup

__all__ = [
    "ENGINES",
    "Finding",
    "FindingCheck",
    "FindingSet",
    "cohort_findings",
    "load_findings",
    "run_finding",
    "run_findings",
]


def _lazy(module: str, name: str) -> Callable:
    def call(df: pd.DataFrame, **spec):
        return getattr(importlib.import_module(module), name)(df, **spec)
    call.__name__ = name
    call.module = module
    return call


def _correlation_difference(df: pd.DataFrame, *, first: str, second: str,
                            alternative: str = "two-sided", **spec):
    """Fisher z test between two subgroup rows of ``correlate(df, **spec)``."""
    correlate = importlib.import_module("analysis.correlate").correlate
    compare_subgroups = importlib.import_module("analysis.correlate_compare").compare_subgroups
    return compare_subgroups(correlate(df, **spec), first, second, alternative=alternative)


ENGINES: dict[str, Callable] = {
    "compare": _lazy("analysis.compare", "compare_groups"),
    "correlate": _lazy("analysis.correlate", "correlate"),
    "compare_correlations": _correlation_difference,
    "mediate": _lazy("analysis.mediate", "mediate"),
    "repeated": _lazy("analysis.repeated", "fit_mixed_model"),
}
"""Analysis kind -> callable(data, **spec) returning the engine's result object."""


@dataclass(frozen=True)
class FindingCheck:
    """A finding recomputed on a cohort (or a subgroup of it) and its three checks.

    A check is None when it does not apply (no direction stated, no published value).
    ``error`` holds the engine's message when it refused the data (e.g. a subgroup too
    small in the app); then ``passed`` is False and the numbers are None.
    """

    finding: Finding
    value: float | None
    p: float | None
    significant: bool | None
    direction_ok: bool | None
    decision_ok: bool | None
    within_tolerance: bool | None
    passed: bool
    error: str | None = None

    def problems(self) -> list[str]:
        """One sentence per failed check, for test output and the app's tooltip."""
        if self.error is not None:
            return [f"the analysis could not run: {self.error}"]
        pub, out = self.finding.published, []
        if self.direction_ok is False:
            out.append("the recomputed effect points the other way than published")
        if self.decision_ok is False:
            out.append(f"recomputed p={self.p!r} gives another decision at alpha="
                       f"{self.finding.alpha} than published p {pub.p_operator} {pub.p}")
        if self.within_tolerance is False:
            out.append(f"{pub.statistic}={self.value!r} is more than {self.finding.tolerance}"
                       f" from the published {pub.value}")
        return out

    def to_dict(self) -> dict:
        """JSON-safe summary (NaN -> None)."""
        def clean(v):
            return None if isinstance(v, float) and not math.isfinite(v) else v
        pub = self.finding.published
        return {"cohort": self.finding.cohort, "finding": self.finding.id,
                "title": self.finding.title, "analysis": self.finding.analysis,
                "term": pub.term, "statistic": pub.statistic,
                "published_value": clean(pub.value), "published_p": clean(pub.p),
                "published_p_operator": pub.p_operator, "value": clean(self.value),
                "p": clean(self.p), "significant": self.significant,
                "direction_ok": self.direction_ok, "decision_ok": self.decision_ok,
                "within_tolerance": self.within_tolerance, "tolerance": self.finding.tolerance,
                "passed": self.passed, "error": self.error}


def _participants(finding: Finding, cohort: Cohort, subgroup: Subgroup | None,
                  spec: dict | None = None) -> pd.DataFrame:
    """Participants in the finding's subgroup and, if given, the user's `subgroup`."""
    data = finding.subgroup.apply(cohort.participants)
    return subgroup.apply(data) if subgroup is not None else data


def _long_data(finding: Finding, cohort: Cohort, subgroup: Subgroup | None,
               spec: dict) -> pd.DataFrame:
    """Long table named by ``spec['table']`` joined with the selected participants."""
    name = spec.pop("table", None)
    if name not in cohort.long_tables:
        raise InvalidSpec(f"spec.table={name!r} of finding {finding.id!r} is not a long table "
                          f"of cohort {cohort.id!r}; use one of "
                          f"{', '.join(cohort.long_tables) or 'none'}.")
    people = _participants(finding, cohort, subgroup)
    long = cohort.long_tables[name]
    extra = [c for c in people.columns if c not in long.columns or c == "participant_id"]
    return long.merge(people[extra], on="participant_id", how="inner")


DATA: dict[str, Callable] = {"repeated": _long_data}
"""Analysis kind -> how its input table is built (default: the selected participants)."""


def _check_keywords(engine: Callable, spec: dict, finding: Finding) -> None:
    module = getattr(engine, "module", None)
    target = getattr(importlib.import_module(module), engine.__name__) if module else engine
    try:
        params = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return
    names = list(params)[1:]                         # the first parameter is the data
    required = [n for n in names if params[n].default is params[n].empty
                and params[n].kind not in (params[n].VAR_KEYWORD, params[n].VAR_POSITIONAL)]
    missing = [n for n in required if n not in spec]
    unknown = [] if any(p.kind is p.VAR_KEYWORD for p in params.values()) \
        else sorted(set(spec) - set(names))
    if missing or unknown:
        raise InvalidSpec(f"spec of finding {finding.id!r} does not fit {finding.analysis}: "
                          f"missing {', '.join(missing) or 'nothing'}, unknown "
                          f"{', '.join(unknown) or 'nothing'}; accepted: {', '.join(names)}.")


def _check(finding: Finding, got: Recomputed) -> FindingCheck:
    pub = finding.published
    published_sig = pub.significant(finding.alpha)
    if got.significant is not None:
        significant = got.significant
    elif got.p is not None and math.isfinite(got.p):
        significant = got.p < finding.alpha
    else:
        significant = None
    decision_ok = None if published_sig is None or significant is None \
        else published_sig == significant
    within = None if pub.value is None or got.value is None \
        else abs(got.value - pub.value) <= finding.tolerance
    checks = (got.direction_ok, decision_ok, within)
    passed = got.value is not None and math.isfinite(got.value) \
        and all(c is not False for c in checks)
    return FindingCheck(finding, got.value, got.p, significant, got.direction_ok,
                        decision_ok, within, bool(passed))


def run_finding(finding: Finding, cohort: Cohort, subgroup: Subgroup | None = None, *,
                engines: Mapping[str, Callable] | None = None,
                results: dict | None = None) -> FindingCheck:
    """Recompute `finding` on `cohort` and check it against the published numbers.

    Parameters
    ----------
    finding : Finding
        From :func:`load_findings`.
    cohort : Cohort
    subgroup : Subgroup, optional
        Applied on top of the finding's own subgroup (e.g. the app user's selection).
    engines : mapping, optional
        Replaces entries of :data:`ENGINES` (analysis kind -> callable(data, **spec)).
    results : dict, optional
        Memo shared by the findings of one run: findings with the same analysis, spec and
        subgroups (e.g. several coefficients of one mixed model) reuse one engine result.

    Returns
    -------
    FindingCheck
        With ``error`` set, instead of raising, when the engine refuses the data with an
        :class:`~analysis.errors.AnalysisError`.
    """
    engine = {**ENGINES, **(engines or {})}[finding.analysis]
    spec = dict(finding.spec)
    try:
        data = DATA.get(finding.analysis, _participants)(finding, cohort, subgroup, spec)
        _check_keywords(engine, spec, finding)
        key = (finding.analysis, repr(sorted(spec.items())), finding.subgroup, subgroup)
        memo = results if results is not None and engines is None else {}
        if key not in memo:
            memo[key] = engine(data, **spec)
        got = EXTRACTORS[finding.analysis](memo[key], finding.published)
    except AnalysisError as exc:
        return FindingCheck(finding, None, None, None, None, None, None, False, str(exc))
    return _check(finding, got)


def cohort_findings(cohort: Cohort) -> FindingSet | None:
    """Findings of `cohort` (None when it has no findings.yaml), parsed once per version."""
    if cohort.findings_path is None:
        return None
    return _findings_of_version(str(cohort.findings_path), cohort.version)


@functools.lru_cache(maxsize=32)
def _findings_of_version(path: str, version: str) -> FindingSet:
    """The cohort version hashes findings.yaml too, so a changed file is parsed again."""
    return load_findings(path)


def run_findings(cohort: Cohort, subgroup: Subgroup | None = None, *,
                 engines: Mapping[str, Callable] | None = None) -> list[FindingCheck]:
    """Every finding of `cohort`, recomputed (an empty list without findings.yaml)."""
    found = cohort_findings(cohort)
    memo: dict = {}
    return [run_finding(f, cohort, subgroup, engines=engines, results=memo)
            for f in (found.findings if found else ())]
