"""Links that open a published finding in its analysis view."""

from __future__ import annotations

from dataclasses import fields, replace

from analysis.subgroups import Subgroup
from app.specs import CompareSpec, CorrelateSpec, MediateSpec

_SPEC_OF = {"compare": CompareSpec, "correlate": CorrelateSpec, "mediate": MediateSpec}


def finding_state(finding, state):
    """The ViewState showing `finding`: its view, its spec, its subgroup."""
    spec_type = _SPEC_OF[finding.analysis]
    current = state.specs[spec_type.prefix]
    known = {f.name for f in fields(spec_type)}
    changes = {}
    for key, value in (finding.spec or {}).items():
        if key in known:
            changes[key] = tuple(value) if isinstance(value, list) else value
    if finding.analysis == "correlate":
        changes.setdefault("mode", "pair")
    spec = replace(current, **changes)
    subgroup, _ = Subgroup.from_query(_subgroup_query(finding.subgroup))
    return replace(state, view=finding.analysis, subgroup=subgroup).with_spec(spec)


def _subgroup_query(raw) -> dict:
    if not raw:
        return {}
    if isinstance(raw, Subgroup):
        return raw.to_query()
    include = {k: tuple(v) for k, v in (raw.get("include") or {}).items()}
    ranges = {k: tuple(v) for k, v in (raw.get("ranges") or {}).items()}
    return Subgroup(include=include, ranges=ranges).to_query()


def finding_link(finding, state) -> str:
    return "?" + finding_state(finding, state).to_query()
