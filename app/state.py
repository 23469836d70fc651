"""ViewState <-> URL query string: the only code that knows the link's parameter names.

A link holds the whole view in readable keys::

    ?cohort=fanton2022_fm_tspo&v=3f2a...&view=compare&f.group=FM&r.age=20..60
     &compare.outcome=cpm&compare.factors=group,tspo_binder&mediate.seed=0 ...

Decoding a link never fails because of the link: an unknown or malformed part falls back to
its default and adds a readable notice, so a stale or hand-edited link still opens. (It can
fail only if no cohort at all can be loaded.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from analysis.errors import CohortError
from analysis.subgroups import Subgroup
from app.specs import SPEC_TYPES, VIEWS, Rule, control_levels, offered

SpecMap = dict[str, Any]


@dataclass(frozen=True)
class ViewState:
    """Everything a shared link reproduces."""

    cohort: str
    version: str | None = None
    view: str = "overview"
    subgroup: Subgroup = field(default_factory=Subgroup)
    specs: SpecMap = field(default_factory=dict)     # prefix -> spec dataclass

    def spec(self, prefix: str):
        """The spec of one view (e.g. ``state.spec("compare")``)."""
        return self.specs[prefix]

    def with_spec(self, spec) -> ViewState:
        return replace(self, specs={**self.specs, spec.prefix: spec})

    def to_query(self) -> str:
        """Canonical query string (without the leading ``?``)."""
        pairs: list[tuple[str, str]] = [("cohort", self.cohort)]
        if self.version:
            pairs.append(("v", self.version))
        pairs.append(("view", self.view))
        pairs.extend(self.subgroup.to_query().items())
        for spec_type in SPEC_TYPES:
            spec = self.specs.get(spec_type.prefix)
            if spec is not None:
                pairs.extend(_encode_spec(spec))
        return urlencode(pairs, safe=",.:")

    @classmethod
    def from_query(cls, query: str, *, cohort_ids: list[str], load: Callable,
                   defaults: Callable) -> tuple[ViewState, list[str]]:
        """Decode `query`; return the state and notices for every part that fell back.

        Parameters
        ----------
        query : URL search string, with or without ``?``.
        cohort_ids : cohorts that exist; the first is the fallback.
        load : ``load(cohort_id) -> Cohort``.
        defaults : ``defaults(cohort) -> {prefix: spec}`` sensible specs for a cohort.
        """
        params = dict(parse_qsl((query or "").lstrip("?"), keep_blank_values=True))
        notices: list[str] = []
        cohort_id = params.get("cohort") or cohort_ids[0]
        if cohort_id not in cohort_ids:
            notices.append(f"Cohort {cohort_id!r} is not available; showing {cohort_ids[0]!r}.")
            cohort_id = cohort_ids[0]
            params = {}
        try:
            cohort = load(cohort_id)
        except CohortError as error:      # hidden upload, or a folder gone since listing
            notices.append(f"Cohort {cohort_id!r} cannot be opened ({error.problems[0]}); "
                           f"showing {cohort_ids[0]!r}.")
            cohort_id, params = cohort_ids[0], {}
            cohort = load(cohort_id)
        _check_version(params.get("v"), cohort, notices)
        view = params.get("view", "overview")
        if view not in VIEWS:
            notices.append(f"Unknown view {view!r}; showing the overview.")
            view = "overview"
        if not offered(view, cohort):
            notices.append(f"Cohort {cohort_id!r} does not offer the {view} view (no "
                           f"{'repeated-measures table' if view == 'repeated' else 'regional measures'}"
                           "); showing the overview.")
            view = "overview"
        subgroup_params = {k: v for k, v in params.items() if k.startswith(("f.", "r.")) or k == "missing"}
        subgroup, sub_notices = Subgroup.from_query(subgroup_params, cohort.dictionary)
        notices.extend(sub_notices)
        specs = {}
        for prefix, default in defaults(cohort).items():
            specs[prefix] = _decode_spec(default, params, cohort, notices)
        state = cls(cohort=cohort_id, version=cohort.version, view=view, subgroup=subgroup,
                    specs=specs)
        return state, notices


def _check_version(version: str | None, cohort, notices: list[str]) -> None:
    if version and version != cohort.version:
        notices.append(
            f"This link was made on version {version} of cohort {cohort.id!r}; the data have "
            f"changed since (now version {cohort.version}). Numbers may differ from the ones "
            "that were shared.")


def encode_value(value: Any) -> str:
    """A spec value as it appears in the link (lists/tuples comma-joined, bools 0/1)."""
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)


def _encode_spec(spec) -> list[tuple[str, str]]:
    return [(f"{spec.prefix}.{f.name}", encode_value(getattr(spec, f.name))) for f in fields(spec)]


def _decode_spec(default, params: dict[str, str], cohort, notices: list[str]):
    """Replace fields of `default` by valid values found in `params`."""
    changes = {}
    for f in fields(default):
        key = f"{default.prefix}.{f.name}"
        if key not in params:
            continue
        rule = default.rules[f.name]
        value, ok = _parse(params[key], getattr(default, f.name), rule, cohort, default)
        if ok:
            changes[f.name] = value
        else:
            notices.append(f"Ignored {key}={params[key]!r}: {_describe(rule)}; "
                           "using the default instead.")
    spec = replace(default, **changes)
    return _check_control(spec, params, cohort, notices)


def _check_control(spec, params: dict[str, str], cohort, notices: list[str]):
    """A Dunnett control must be a level (or cell) of the spec's factors."""
    control = getattr(spec, "control", None)
    if control is None or control in control_levels(cohort, spec.factors):
        return spec
    notices.append(f"Ignored {spec.prefix}.control={control!r}: not a level of "
                   f"{', '.join(spec.factors) or 'the chosen factors'}; the first level is the "
                   "control instead.")
    return replace(spec, control=None)


def _parse(raw: str, default: Any, rule: Rule, cohort, spec) -> tuple[Any, bool]:
    if isinstance(default, tuple) or rule.kind in ("columns", "long_columns"):
        items = tuple(dict.fromkeys(s for s in raw.split(",") if s))
        if len(items) > rule.max_items:
            return default, False
        return items, all(_column_ok(cohort, item, rule, spec) for item in items)
    if rule.kind == "choice":
        for option in rule.choices:
            if raw == encode_value(option) or _same_number(raw, option) or (
                    isinstance(option, bool) and raw.lower() == str(option).lower()):
                return option, True
        return default, False
    if rule.kind == "int":
        try:
            value = int(raw)
        except ValueError:
            return default, False
        return value, rule.low <= value <= rule.high
    if raw == "":
        return None, True
    if rule.kind == "level":
        return raw, True          # checked against the spec's factors in _check_control
    if rule.kind == "coords":
        return raw, _coords_ok(raw)
    return raw, _column_ok(cohort, raw, rule, spec)


def _same_number(raw: str, option) -> bool:
    """"3" and "3.0" both select the choice 3.0 (controls send either)."""
    if isinstance(option, bool) or not isinstance(option, float):
        return False
    try:
        return float(raw) == option
    except ValueError:
        return False


def _coords_ok(raw: str) -> bool:
    """Three whole-number MNI millimetre coordinates within the template ("-2,40,-2")."""
    parts = raw.split(",")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        return False
    return len(values) == 3 and all(-100 <= v <= 100 for v in values)


def _column_ok(cohort, name: str, rule: Rule, spec) -> bool:
    if rule.kind.startswith("long_"):
        if rule.kind == "long_table":
            return name in cohort.long_tables
        table = cohort.long_tables.get(getattr(spec, "table", None) or "", None)
        return (table is not None and name in table.columns) or name in cohort.dictionary
    info = cohort.dictionary.get(name)
    if info is None or (rule.roles and info.role not in rule.roles):
        return False
    is_numeric = not info.levels
    return rule.numeric is None or rule.numeric == is_numeric


def _describe(rule: Rule) -> str:
    if rule.kind == "choice":
        return "expected one of " + ", ".join(encode_value(c) for c in rule.choices)
    if rule.kind == "coords":
        return "expected three MNI coordinates in mm, e.g. -2,40,-2"
    if rule.kind == "int":
        return f"expected a whole number from {rule.low} to {rule.high}"
    kind = "numeric " if rule.numeric else ("categorical " if rule.numeric is False else "")
    roles = "/".join(rule.roles) or "column"
    return f"expected a {kind}{roles} column of this cohort"
