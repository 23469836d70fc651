"""Glue between a ViewState and analysis/: load, filter, run (memoized).

No statistics here: each entry of ANALYSES maps a spec onto one analysis/ call. Results
are memoized by flask-caching under (cohort id, cohort version, subgroup query, spec), so
a click that repeats an earlier view, or a collaborator opening the same link, costs
a cache lookup.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import time
from dataclasses import asdict
from itertools import combinations
from pathlib import Path

from flask import has_request_context
from flask_caching import Cache

from analysis.cohort import cohort_roots, list_cohorts, load_cohort
from analysis.compare import compare_groups
from analysis.correlate import correlate, correlation_matrix
from analysis.describe import table_one
from analysis.errors import CohortError
from analysis.findings import run_findings
from analysis.mediate import mediate, mediation_permutations
from analysis.repeated import fit_mixed_model
from analysis.subgroups import Subgroup
from app.brain_services import run_brain
from app.defaults import default_specs
from app.state import ViewState

cache = Cache()
log = logging.getLogger("pce")
_settings = {"data_dir": None, "upload_dir": None}


def configure(data_dir, upload_dir=None) -> None:
    """Point the services at a cohort folder and, optionally, the folder of uploaded
    (private) cohorts (called once by create_app)."""
    _settings["data_dir"] = data_dir
    _settings["upload_dir"] = upload_dir


def _roots() -> list[Path]:
    upload_dir = _settings["upload_dir"]
    return cohort_roots(_settings["data_dir"]) + ([Path(upload_dir)] if upload_dir else [])


def _is_upload(cohort_id: str) -> bool:
    """`cohort_id` names a folder of the upload folder (and no bundled cohort)."""
    upload_dir = _settings["upload_dir"]
    if not upload_dir or not isinstance(cohort_id, str) or Path(cohort_id).name != cohort_id:
        return False
    bundled = any((root / cohort_id).is_dir() for root in cohort_roots(_settings["data_dir"]))
    return not bundled and (Path(upload_dir) / cohort_id).is_dir()


def _may_see_uploads() -> bool:
    """Outside a request (start-up, background jobs) or with access control off (a laptop:
    everything is yours): yes. In a request with access control on: only when logged in."""
    from app import auth
    if not has_request_context() or not auth.enabled():
        return True
    return auth.current_user() is not None


def visible(summary) -> bool:
    """Whether the cohort of `summary` may be listed and loaded in this request: uploaded
    cohorts are private to the deployment's logged-in users, who all share them (a second
    line of defence: with access control on, the login guard already covers every route)."""
    return not _is_upload(summary.id) or _may_see_uploads()


SUMMARY_TTL_S = 2.0
"""How long the list of cohort folders is reused: listing stats every file of every cohort
(about 5 ms), and every callback decodes a link; a new upload shows up within this time."""
_listing: dict = {}


def cohort_summaries():
    """Valid cohorts of the configured folders that this request may see, for the picker."""
    return [s for s in _all_summaries() if s.error is None and visible(s)]


def _all_summaries():
    key = tuple(str(r) for r in _roots())
    stamp, summaries = _listing.get(key, (0.0, None))
    if summaries is None or time.monotonic() - stamp > SUMMARY_TTL_S:
        summaries = list_cohorts(list(key))
        _listing[key] = (time.monotonic(), summaries)
    return summaries


def load(cohort_id: str):
    if _is_upload(cohort_id) and not _may_see_uploads():
        message = f"cohort {cohort_id!r} is not available; log in to open uploaded cohorts."
        raise CohortError(str(cohort_id), [message])
    return load_cohort(cohort_id, _roots())


def decode(query: str) -> tuple[ViewState, list[str]]:
    """The ViewState of a URL query, with notices for every part that fell back."""
    ids = [s.id for s in cohort_summaries()]
    return ViewState.from_query(query, cohort_ids=ids, load=load, defaults=default_specs)


def selection(state: ViewState):
    """(cohort, participants of the subgroup)."""
    cohort = load(state.cohort)
    return cohort, state.subgroup.apply(cohort.participants)


def _run_overview(cohort, data, spec, state):
    variables = [c for c in cohort.dictionary if c != spec.by]
    labels = {c: cohort.label(c) for c in variables}
    return table_one(data, spec.by, variables, dictionary_labels=labels)


def _run_compare(cohort, data, spec, state):
    return compare_groups(data, spec.outcome, list(spec.factors),
                          covariates=list(spec.covariates), test=spec.test,
                          ss_type=spec.ss_type,
                          posthoc=None if spec.posthoc == "none" else spec.posthoc,
                          control=(spec.control or None) if spec.posthoc == "dunnett" else None,
                          alternative=spec.alternative)


def _run_correlate(cohort, data, spec, state):
    if spec.mode == "matrix":
        return correlation_matrix(data, list(spec.columns), method=spec.method,
                                  covariates=list(spec.covariates), correction=spec.correction)
    return correlate(data, spec.x, spec.y, method=spec.method, covariates=list(spec.covariates),
                     by=list(spec.by), correction=spec.correction)


def _run_mediate(cohort, data, spec, state):
    options = {"covariates": list(spec.covariates), "n_boot": spec.n_boot, "ci": spec.ci,
                   "seed": spec.seed}
    if spec.all_orders:
        return mediation_permutations(data, [spec.x, spec.m, spec.y], **options)
    return mediate(data, spec.x, spec.m, spec.y, **options)


def _run_repeated(cohort, data, spec, state):
    table = cohort.long_tables[spec.table]
    table = table[table["participant_id"].isin(data["participant_id"])]
    interactions = list(combinations(spec.fixed, 2))
    return fit_mixed_model(table, spec.outcome, fixed=list(spec.fixed),
                           interactions=interactions, between=data)


def _run_paper(cohort, data, spec, state):
    if cohort.findings_path is None:
        return []
    subgroup = None if state.subgroup == Subgroup() else state.subgroup
    return list(run_findings(cohort, subgroup))


ANALYSES = {"overview": _run_overview, "compare": _run_compare, "correlate": _run_correlate,
            "mediate": _run_mediate, "repeated": _run_repeated, "paper": _run_paper,
            "brain": run_brain}


def warm(server) -> None:
    """Compute the Paper view of every cohort (full cohort) into the cache.

    Run once in a background thread at start-up: recomputing every published finding is
    the slowest view (about 1 s), and the full-cohort version is the one most people open.
    Failures are logged, never raised: warming is an optimisation.
    """
    with server.app_context():
        for summary in cohort_summaries():
            try:
                state, _ = decode(f"cohort={summary.id}&view=paper")
                cached_view_key = cache_key("paper", state)
                if cache.get(cached_view_key) is None:
                    run("paper", state)
            except Exception:
                log.exception("warming the cache for %s failed", summary.id)


WHOLE_STATE_VIEWS = ("brain", "paper")
"""Views whose result or links depend on other views' specs (the Brain map repeats the
Compare/Correlate analysis; Paper links carry the whole state): keyed by the whole link."""


def cache_key(kind: str, state: ViewState) -> str:
    """Key of a result: cohort, its version, the subgroup and this view's spec only."""
    spec = state.specs.get(kind)
    if kind in WHOLE_STATE_VIEWS:
        spec_text = state.to_query()
    else:
        spec_text = json.dumps(asdict(spec), sort_keys=True, default=str) if spec else ""
    parts = [kind, state.cohort, state.version or "",
             json.dumps(state.subgroup.to_query(), sort_keys=True), spec_text]
    return "pce:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def cached_view(kind: str, state: ViewState, render):
    """Outputs of a view (figures, tables, text) memoized like results: a repeated view is
    a cache lookup instead of rebuilding figures (which costs more than most statistics).
    `render()` builds them; an AnalysisError it raises is not cached."""
    key = cache_key(kind, state) + ":view"
    outputs = cache.get(key)
    if outputs is None:
        outputs = render()
        try:
            cache.set(key, outputs)
        except (TypeError, AttributeError, pickle.PicklingError):
            log.warning("view %s could not be cached (not picklable)", kind)
    return outputs


def run(kind: str, state: ViewState):
    """Result of analysis `kind` for `state` (memoized). Raises AnalysisError."""
    key = cache_key(kind, state)
    result = cache.get(key)
    if result is None:
        cohort, data = selection(state)
        result = ANALYSES[kind](cohort, data, state.specs.get(kind), state)
        try:
            cache.set(key, result)
        except (TypeError, AttributeError, pickle.PicklingError):
            log.warning("result of %s could not be cached (not picklable)", kind)
    return result
