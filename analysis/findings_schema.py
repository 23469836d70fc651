"""Published findings of a cohort (``findings.yaml``, schema in data/FORMAT.md).

Loading validates every finding and reports all problems at once in one
:class:`analysis.errors.CohortError`, each naming the finding (position, line in the file
and id) and the key concerned. No statistics here; :mod:`analysis.findings` recomputes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis.errors import CohortError, InvalidSpec
from analysis.subgroups import Subgroup

ANALYSES = ("compare", "correlate", "compare_correlations", "mediate", "repeated")
STATISTICS = ("F", "t", "U", "H", "chi2", "z", "r", "rho", "beta", "indirect", "d")
P_OPERATORS = ("=", "<", ">")
SIGNS = ("positive", "negative")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Direction:
    """Expected direction: ``higher``/``lower`` levels of ``factor`` (compare) or ``sign``."""

    sign: str | None = None
    factor: str | None = None
    higher: str | None = None
    lower: str | None = None


@dataclass(frozen=True)
class Published:
    """The numbers printed in the paper for one finding."""

    term: str
    statistic: str
    value: float | None
    p: float | None
    p_operator: str = "="
    df: tuple[float, ...] | None = None
    ci: tuple[float, float] | None = None
    direction: Direction | None = None

    def significant(self, alpha: float) -> bool | None:
        """Whether the paper reports significance at `alpha`; None when it cannot tell.

        ``p = x`` is significant when x < alpha; ``p < x`` when x <= alpha (``p < .001``);
        ``p > x`` never. Without p, a CI that excludes 0 counts as significant.
        """
        if self.p is not None:
            return {"=": self.p < alpha, "<": self.p <= alpha, ">": False}[self.p_operator]
        if self.ci is not None:
            return not (self.ci[0] <= 0.0 <= self.ci[1])
        return None


class _FrozenSpec(dict):
    """A read-only dict for a finding's spec that, unlike MappingProxyType, pickles
    (results are cached by flask-caching, which pickles them)."""

    def _readonly(self, *args, **kwargs):
        raise TypeError("a finding's spec is read-only")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _readonly

    def __reduce__(self):
        return (_FrozenSpec, (dict(self),))


@dataclass(frozen=True)
class Finding:
    """One published inferential result and how to recompute it from the cohort."""

    id: str
    cohort: str
    title: str
    source: str
    analysis: str
    subgroup: Subgroup
    spec: Mapping
    published: Published
    tolerance: float
    tolerance_reason: str
    reproducible: bool
    not_reproducible_reason: str | None
    alpha: float
    line: int = 0


@dataclass(frozen=True)
class FindingSet:
    """Every finding of one cohort's findings.yaml."""

    cohort: str
    alpha: float
    findings: tuple[Finding, ...]
    path: Path

    def get(self, finding_id: str) -> Finding:
        for finding in self.findings:
            if finding.id == finding_id:
                return finding
        known = ", ".join(f.id for f in self.findings)
        raise InvalidSpec(f"finding {finding_id!r} is not in {self.path.name} of cohort "
                          f"{self.cohort!r}; known findings: {known}.")


def _number(value, where: str, key: str, problems: list[str], *, optional=False):
    if value is None and optional:
        return None
    if isinstance(value, str):  # PyYAML (YAML 1.1) reads 1e-3 without a dot as a string
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{where}: {key} must be a number, found {value!r}.")
        return None
    return float(value)


def _numbers(value, where: str, key: str, problems: list[str], size: int | None):
    if value is None:
        return None
    ok = isinstance(value, list) and (size is None or len(value) == size)
    values = [_number(v, where, key, problems) for v in value] if ok else []
    if not ok:
        problems.append(f"{where}: {key} must be a list of {size or 'some'} numbers, "
                        f"found {value!r}.")
    return tuple(values) if ok and None not in values else None


def _direction(raw, analysis: str, where: str, problems: list[str]) -> Direction | None:
    if raw is None:
        return None
    if analysis == "compare" and isinstance(raw, dict):
        if set(raw) != {"factor", "higher", "lower"}:
            problems.append(f"{where}: published.direction needs factor, higher and lower, "
                            f"found {sorted(raw)}.")
            return None
        return Direction(factor=str(raw["factor"]), higher=str(raw["higher"]),
                         lower=str(raw["lower"]))
    if raw in SIGNS:
        return Direction(sign=raw)
    expected = "{factor, higher, lower} or " if analysis == "compare" else ""
    problems.append(f"{where}: published.direction must be {expected}positive/negative, "
                    f"found {raw!r}.")
    return None


def _published(raw, analysis: str, where: str, problems: list[str]) -> Published | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: 'published' must be a mapping with term, statistic, value, "
                        "p, p_operator.")
        return None
    before = len(problems)
    if raw.get("statistic") not in STATISTICS:
        problems.append(f"{where}: published.statistic {raw.get('statistic')!r} is unknown; "
                        f"use one of {', '.join(STATISTICS)}.")
    if raw.get("p_operator", "=") not in P_OPERATORS:
        problems.append(f"{where}: published.p_operator {raw.get('p_operator')!r} must be "
                        "'=' or '<'.")
    if raw.get("term") in (None, ""):
        problems.append(f"{where}: published.term is missing (row of the result table).")
    value = _number(raw.get("value"), where, "published.value", problems, optional=True)
    p = _number(raw.get("p"), where, "published.p", problems, optional=True)
    if p is not None and not 0 <= p <= 1:
        problems.append(f"{where}: published.p={p!r} must lie between 0 and 1.")
    df = _numbers(raw.get("df"), where, "published.df", problems, None)
    ci = _numbers(raw.get("ci"), where, "published.ci", problems, 2)
    direction = _direction(raw.get("direction"), analysis, where, problems)
    if len(problems) > before:
        return None
    return Published(term=str(raw["term"]), statistic=raw["statistic"], value=value, p=p,
                     p_operator=raw.get("p_operator", "="), df=df, ci=ci, direction=direction)


def _subgroup(raw, where: str, problems: list[str]) -> Subgroup:
    if raw is None:
        return Subgroup()
    try:
        if not isinstance(raw, dict) or set(raw) - {"include", "ranges", "missing"}:
            raise InvalidSpec(f"expected keys include, ranges, missing; found {raw!r}")
        return Subgroup(raw.get("include") or {}, {k: tuple(v) for k, v in
                        (raw.get("ranges") or {}).items()}, raw.get("missing", "drop"))
    except (InvalidSpec, TypeError, AttributeError) as exc:
        problems.append(f"{where}: subgroup is invalid ({exc}).")
        return Subgroup()


def _tolerance(raw, where: str, problems: list[str]) -> tuple[float, str]:
    if not isinstance(raw, dict):
        problems.append(f"{where}: 'tolerance' must be a mapping with value and reason.")
        return math.nan, ""
    value = _number(raw.get("value"), where, "tolerance.value", problems)
    if value is not None and value < 0:
        problems.append(f"{where}: tolerance.value={value!r} must be >= 0.")
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        problems.append(f"{where}: tolerance.reason is missing; say why the recomputed "
                        "statistic may differ by that much.")
    return (value if value is not None else math.nan), str(reason or "")


def _finding(raw, cohort: str, alpha: float, where: str, problems: list[str]):
    before = len(problems)
    if not isinstance(raw, dict):
        problems.append(f"{where}: each finding must be a mapping, found {raw!r}.")
        return None
    if not isinstance(raw.get("id"), str) or not _ID.match(raw["id"]):
        problems.append(f"{where}: id {raw.get('id')!r} must be snake_case (a-z, 0-9, _).")
    for key in ("title", "source"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.append(f"{where}: {key} is missing.")
    analysis = raw.get("analysis")
    if analysis not in ANALYSES:
        problems.append(f"{where}: analysis {analysis!r} is unknown; use one of "
                        f"{', '.join(ANALYSES)}.")
    spec = raw.get("spec")
    if not isinstance(spec, dict):
        problems.append(f"{where}: spec must be a mapping of keyword arguments.")
    published = _published(raw.get("published"), analysis, where, problems)
    tolerance, reason = _tolerance(raw.get("tolerance"), where, problems)
    subgroup = _subgroup(raw.get("subgroup"), where, problems)
    reproducible = raw.get("reproducible")
    why_not = raw.get("not_reproducible_reason")
    if not isinstance(reproducible, bool):
        problems.append(f"{where}: reproducible must be true or false, found {reproducible!r}.")
    elif not reproducible and (not isinstance(why_not, str) or not why_not.strip()):
        problems.append(f"{where}: not_reproducible_reason is required when reproducible "
                        "is false.")
    if len(problems) > before:
        return None
    return Finding(id=raw["id"], cohort=cohort, title=raw["title"], source=raw["source"],
                   analysis=analysis, subgroup=subgroup, spec=_FrozenSpec(spec),
                   published=published, tolerance=tolerance, tolerance_reason=reason,
                   reproducible=reproducible, not_reproducible_reason=why_not, alpha=alpha)


def _item_lines(text: str) -> list[int]:
    """1-based line of each item of the top-level ``findings`` sequence."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    for key, value in getattr(root, "value", []) if isinstance(root, yaml.MappingNode) else []:
        if key.value == "findings" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def load_findings(path: str | Path) -> FindingSet:
    """Read and validate the findings file `path`.

    Raises
    ------
    CohortError
        Listing every problem (YAML syntax with its line, unknown analysis or statistic,
        missing tolerance reason, duplicate ids, ...).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        lines = _item_lines(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise CohortError(str(path), [f"{path.name}: cannot be read as UTF-8 text ({exc})."])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise CohortError(str(path), [f"{path.name}{where}: invalid YAML "
                                      f"({getattr(exc, 'problem', None) or exc})."])
    problems: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise CohortError(str(path), [f"{path.name}: expected keys cohort, alpha and a "
                                      "list 'findings'."])
    alpha = _number(data.get("alpha", 0.05), path.name, "alpha", problems)
    if alpha is not None and not 0 < alpha < 1:
        problems.append(f"{path.name}: alpha={alpha!r} must lie between 0 and 1.")
    cohort = str(data.get("cohort") or path.parent.name)
    findings, seen = [], {}
    for i, raw in enumerate(data["findings"]):
        line = lines[i] if i < len(lines) else 0
        ident = raw.get("id") if isinstance(raw, dict) else None
        where = f"{path.name} line {line}, finding {i + 1} ({ident or 'no id'})"
        if ident in seen:
            problems.append(f"{where}: id {ident!r} already used by finding {seen[ident]}.")
        seen.setdefault(ident, i + 1)
        finding = _finding(raw, cohort, alpha or 0.05, where, problems)
        if finding is not None:
            findings.append(_with_line(finding, line))
    if problems:
        raise CohortError(str(path), problems)
    return FindingSet(cohort=cohort, alpha=alpha, findings=tuple(findings), path=path)


def _with_line(finding: Finding, line: int) -> Finding:
    from dataclasses import replace
    return replace(finding, line=line)
