"""Benchmark of the dashboard: server time of the main callbacks and first-page weight.

Run from the repository root:  python benchmarks/bench_app.py [--calls 50] [--no-page]
Prints a table and merges its numbers into benchmarks/results.json under the key "app"
(read-modify-write: other benchmarks keep their keys).

Callbacks are called directly, as Dash calls them, inside the Flask app context of
``create_app()`` (same cache backend as production: flask-caching SimpleCache). The time
of one call is the callback itself plus the JSON encoding of its outputs
(``dash._utils.to_json``, what Dash does before answering); the callback alone is reported
too. A cache *miss* clears the result cache before each call (untimed), so every call
recomputes the analysis; a *hit* repeats the same link after one warm-up call. The parsed
cohorts stay loaded (``analysis.cohort`` caches them per folder and mtime) as in a running
server. ``render_page`` and ``update_counts`` memoize nothing, so they have one row only,
held to the miss target.

The page weight starts ``python -m app`` on a free port, opens "/" in headless Chromium
(Playwright) to learn every URL the first load fetches (index, scripts, css, async chunks,
layout, dependencies, the initial callbacks), then fetches each GET URL again with
``Accept-Encoding`` identity, gzip and br to sum the bytes on the wire per encoding.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import logging
import os
import platform
import pstats
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dash._utils import to_json
from dash.exceptions import PreventUpdate

from app import create_app, services
from app.callbacks import filters, more_views, navigation, views
from app.ids import Filters
from app.settings import Settings
from app.specs import CompareSpec, CorrelateSpec, MediateSpec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, save_results

TARGET_MISS_MS = 150.0
TARGET_HIT_MS = 20.0
TARGET_PAGE_BYTES = 2_000_000
SLOW_CALL_S = 1.0          # a callback slower than this gets fewer timed calls (noted)
CHROMIUM = "/usr/bin/chromium"
ENCODINGS = ("identity", "gzip", "br")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


@dataclass(frozen=True)
class Case:
    """One callback on one cohort: ``call()`` runs it; ``memoized`` if it uses the cache."""

    cohort: str
    callback: str
    call: Callable[[], object]
    memoized: bool = True


# ---------------------------------------------------------------- building the cases

def _query(cohort_id: str, view: str, *specs) -> str:
    state, _ = services.decode(f"cohort={cohort_id}")
    state = replace(state, view=view)
    for spec in specs:
        state = state.with_spec(spec)
    return state.to_query()


def _categorical(cohort) -> list[str]:
    """Categorical columns with >= 2 levels: factors first, then categorical covariates."""
    cols = [(info.role != "factor", c) for c, info in cohort.dictionary.items()
            if info.levels and len(info.levels) > 1 and info.role in ("factor", "covariate")]
    return [c for _, c in sorted(cols, key=lambda t: t[0])]


def _factor_pair(cohort, outcome: str) -> list[str]:
    """First two categorical columns whose every cell has >= 3 cases with the outcome."""
    cats = _categorical(cohort)
    data = cohort.participants.dropna(subset=[outcome])
    for i, first in enumerate(cats):
        for second in cats[i + 1:]:
            cells = data.groupby([first, second], observed=False).size()
            if len(cells) >= 4 and cells.min() >= 3:
                return [first, second]
    return cats[:2]


def _numeric(cohort, role: str) -> list[str]:
    """Numeric columns of `role`, the most complete first (e.g. FM duration is FM-only)."""
    cols = [c for c, info in cohort.dictionary.items() if info.role == role and not info.levels]
    present = cohort.participants[cols].notna().sum()
    return sorted(cols, key=lambda c: -present[c])


def cases_for(cohort_id: str) -> list[Case]:
    """The benchmarked callbacks of one cohort, with realistic (non-default) specs."""
    cohort = services.load(cohort_id)
    measures = _numeric(cohort, "measure")
    factors = _factor_pair(cohort, measures[0])
    covariate = ("age" if "age" in cohort.dictionary else _numeric(cohort, "covariate")[0])
    levels = [{"type": Filters.LEVELS, "column": c} for c, i in cohort.dictionary.items()
              if i.levels]
    overview = _query(cohort_id, "overview")
    compare = _query(cohort_id, "compare", CompareSpec(
        outcome=measures[0], factors=tuple(factors), covariates=(covariate,),
        posthoc="tukey"))
    pair = _query(cohort_id, "correlate", CorrelateSpec(
        x=measures[0], y=measures[1], by=tuple(factors), method="spearman"))
    matrix = _query(cohort_id, "correlate", CorrelateSpec(
        mode="matrix", columns=tuple(measures[:6]), method="spearman"))
    mediate = _query(cohort_id, "mediate", MediateSpec(
        x=measures[0], m=measures[1], y=measures[2], n_boot=5000, seed=1))
    cases = [
        Case(cohort_id, "render_page", lambda: navigation.render_page("?" + overview, None),
             memoized=False),
        Case(cohort_id, "update_counts", lambda: filters.update_counts(overview, levels),
             memoized=False),
        Case(cohort_id, "update_overview", lambda: views.update_overview(overview)),
        Case(cohort_id, "update_compare", lambda: views.update_compare(compare)),
        Case(cohort_id, "update_correlate pair", lambda: views.update_correlate(pair)),
        Case(cohort_id, "update_correlate matrix", lambda: views.update_correlate(matrix)),
        Case(cohort_id, "update_mediate", lambda: views.update_mediate(mediate)),
    ]
    if cohort.long_tables:
        repeated = _query(cohort_id, "repeated")
        cases.append(Case(cohort_id, "update_repeated",
                          lambda: more_views.update_repeated(repeated)))
    if cohort.findings_path is not None:
        paper = _query(cohort_id, "paper")
        cases.append(Case(cohort_id, "update_paper", lambda: more_views.update_paper(paper)))
    return cases


# ---------------------------------------------------------------- timing

def _timed(call) -> tuple[float, float, str]:
    """(callback ms, callback + JSON ms, JSON text) of one call."""
    start = time.perf_counter()
    output = call()
    middle = time.perf_counter()
    text = to_json(output)
    end = time.perf_counter()
    return (middle - start) * 1e3, (end - start) * 1e3, text


class _Errors(logging.Handler):
    """Collects the exceptions that `guarded` logs, so the table can name them."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        self.messages.append(f"{type(exc).__name__}: {exc}" if exc else record.getMessage())


ERRORS = _Errors()


def _problem(text: str) -> str:
    """A refusal or bug notice inside the outputs means we timed an error path."""
    if "Something went wrong on our side" in text:
        return "BUG " + (ERRORS.messages[-1] if ERRORS.messages else "notice in output")[:160]
    if "analysis-error" in text:
        start = text.find("cannot be run")
        return "refused: " + text[start:start + 200].split('"children":"')[-1].split('"')[0]
    return ""


def _stats(samples: list[float]) -> dict:
    arr = np.asarray(samples)
    return {"p50_ms": float(np.percentile(arr, 50)), "p95_ms": float(np.percentile(arr, 95)),
            "max_ms": float(arr.max())}


def measure(case: Case, calls: int) -> dict:
    """Miss and hit statistics of one case."""
    services.cache.clear()
    first_ms, _, text = _timed(case.call)          # cold: first call ever (imports, numba...)
    row = {"cohort": case.cohort, "callback": case.callback, "first_ms": first_ms,
           "output_kb": len(text.encode()) / 1e3, "note": _problem(text)}
    n = calls if first_ms < SLOW_CALL_S * 1e3 else max(5, calls // 5)
    if n != calls:
        row["note"] = (row["note"] + "; " if row["note"] else "") + f"slow: {n} calls"
    row["calls"] = n
    row["miss"] = _loop(case.call, n, clear=True)
    row["hit"] = _loop(case.call, n, clear=False) if case.memoized else None
    return row


def _loop(call, n: int, *, clear: bool) -> dict:
    if not clear:
        call()                                      # fill the cache
    callback_ms, total_ms = [], []
    for _ in range(n):
        if clear:
            services.cache.clear()
        cb, total, _ = _timed(call)
        callback_ms.append(cb)
        total_ms.append(total)
    out = _stats(total_ms)
    out["callback_only"] = _stats(callback_ms)
    return out


def bench_callbacks(calls: int, only: list[str] | None, with_profile: bool) -> list[dict]:
    settings = Settings.from_env()
    app = create_app(replace(settings, cache_type="SimpleCache"))
    log = logging.getLogger("pce")
    log.addHandler(ERRORS)
    log.propagate = False            # keep tracebacks out of the table; named in the note
    logging.getLogger().setLevel(logging.WARNING)
    rows, cases = [], {}
    with app.server.app_context():
        ids = [s.id for s in services.cohort_summaries()]
        for cohort_id in ids:
            if only and cohort_id not in only:
                continue
            for case in cases_for(cohort_id):
                cases[(case.cohort, case.callback)] = case
                try:
                    rows.append(measure(case, calls))
                except PreventUpdate:
                    rows.append({"cohort": cohort_id, "callback": case.callback,
                                 "note": "PreventUpdate (view not active)", "miss": None,
                                 "hit": None})
                rows[-1]["verdict"] = _verdict(rows[-1])
                _print_row(rows[-1])
        if with_profile:
            profile_missed(rows, cases)
    return rows


# ---------------------------------------------------------------- profiling

def _where(func: tuple) -> str:
    filename, line, name = func
    path = Path(filename)
    with contextlib.suppress(ValueError):
        path = path.relative_to(ROOT)
    if "site-packages" in path.parts:
        path = Path(*path.parts[path.parts.index("site-packages") + 1:])
    return f"{path}:{line} {name}"


def profile(case: Case, *, clear: bool, calls: int = 5) -> dict:
    """Top 5 functions of `calls` calls: own time (any file) and cumulative (repo files)."""
    case.call()
    prof = cProfile.Profile()
    for _ in range(calls):
        if clear:
            services.cache.clear()
        prof.enable()
        to_json(case.call())
        prof.disable()
    stats = pstats.Stats(prof).stats          # func -> (cc, nc, tottime, cumtime, callers)
    per_call = lambda seconds: round(seconds / calls * 1e3, 1)
    own = sorted(stats.items(), key=lambda kv: -kv[1][2])[:5]
    skip = ("benchmarks/", "app/callbacks/safety.py")
    ours = [(f, v) for f, v in stats.items()
            if f[0].startswith(str(ROOT)) and not any(k in f[0] for k in skip)]
    return {"mode": "miss" if clear else "hit",
            "own_time_ms": [(_where(f), per_call(v[2])) for f, v in own],
            "cumulative_repo_ms": [(_where(f), per_call(v[3])) for f, v in _collapse(ours)[:5]]}


def _collapse(items: list) -> list:
    """Repo functions by cumulative time; a call chain (each within 3% of its caller's
    time, e.g. active -> decode -> from_query -> ...) is shown by its deepest link only."""
    kept: list = []
    for func, value in sorted(items, key=lambda kv: -kv[1][3])[1:]:   # [0]: the callback
        if kept and value[3] >= 0.97 * kept[-1][1][3] and kept[-1][0] in value[4]:
            kept[-1] = (func, value)
        else:
            kept.append((func, value))
    return kept


def profile_missed(rows: list[dict], cases: dict) -> None:
    for row in rows:
        if row.get("verdict") != "MISSED":
            continue
        case = cases[(row["cohort"], row["callback"])]
        modes = [True] if row["miss"]["p95_ms"] >= TARGET_MISS_MS else []
        if row.get("hit") and row["hit"]["p95_ms"] >= TARGET_HIT_MS:
            modes.append(False)
        calls = 1 if row["miss"]["p50_ms"] > SLOW_CALL_S * 1e3 else 5
        row["profile"] = [profile(case, clear=m, calls=calls) for m in modes]
        for prof in row["profile"]:
            print(f"\n{row['cohort']} {row['callback']} ({prof['mode']}), ms per call")
            print("  own time:   " + "; ".join(f"{w} {ms}" for w, ms in prof["own_time_ms"]))
            print("  cumulative: " + "; ".join(f"{w} {ms}"
                                               for w, ms in prof["cumulative_repo_ms"]))


# ---------------------------------------------------------------- page weight

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _server(port: int):
    env = {**os.environ, "PCE_PORT": str(port), "PCE_HOST": "127.0.0.1", "PCE_DEBUG": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
                break
            time.sleep(0.3)
        else:
            raise RuntimeError("the app did not start within 60 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _browser_load(base: str) -> dict:
    """Every request of the first load as seen by Chromium, with bytes on the wire (CDP)."""
    from playwright.sync_api import sync_playwright
    requests: dict[str, dict] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", lambda e: requests.setdefault(
            e["requestId"], {"url": e["request"]["url"], "method": e["request"]["method"]}))
        cdp.on("Network.responseReceived", lambda e: requests.get(e["requestId"], {}).update(
            encoding=e["response"]["headers"].get("content-encoding", e["response"]["headers"].get("Content-Encoding", ""))))
        cdp.on("Network.loadingFinished", lambda e: requests.get(e["requestId"], {}).update(
            wire=e["encodedDataLength"]))
        page.goto(base + "/", wait_until="networkidle")
        page.wait_for_selector(".view-nav", timeout=30_000)
        page.wait_for_load_state("networkidle")
        browser.close()
    return {k: v for k, v in requests.items() if v["url"].startswith(base)}


def _fetch_size(url: str, encoding: str) -> int:
    req = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return len(resp.read())        # urllib does not decode: these are wire bytes


def bench_page() -> dict:
    port = _free_port()
    with _server(port) as base:
        seen = _browser_load(base)
        gets = sorted({r["url"] for r in seen.values() if r["method"] == "GET"})
        posts = [r for r in seen.values() if r["method"] == "POST"]
        sizes = {u: {enc: _fetch_size(u, enc) for enc in ENCODINGS} for u in gets}
    by_kind: dict[str, int] = {}
    for url, size in sizes.items():
        by_kind[_kind(url)] = by_kind.get(_kind(url), 0) + size["gzip"]
    return {"get_urls": len(gets), "callback_posts": len(posts),
            "static_bytes": {enc: sum(s[enc] for s in sizes.values()) for enc in ENCODINGS},
            "static_gzip_by_kind": by_kind,
            "browser_wire_bytes": sum(r.get("wire", 0) for r in seen.values()),
            "browser_wire_bytes_callbacks": sum(r.get("wire", 0) for r in posts),
            "browser_encodings": sorted({r.get("encoding", "") for r in seen.values()}),
            "largest_gzip": sorted(((s["gzip"], u.removeprefix(base)) for u, s in sizes.items()),
                                   reverse=True)[:5],
            "target_bytes": TARGET_PAGE_BYTES}


def _kind(url: str) -> str:
    path = url.split("?")[0]
    if path.endswith(".js"):
        return "js"
    if path.endswith(".css"):
        return "css"
    return "dash json" if "/_dash-" in path else "html/other"


# ---------------------------------------------------------------- output

HEADER = (f"{'cohort':<36} {'callback':<24} {'miss p50':>9} {'p95':>7} {'hit p50':>8} "
          f"{'p95':>6} {'cb-only miss p95':>16}  target  note")


def _verdict(row: dict) -> str:
    if row.get("miss") is None:
        return "n/a"
    ok = row["miss"]["p95_ms"] < TARGET_MISS_MS
    if row.get("hit") is not None:
        ok = ok and row["hit"]["p95_ms"] < TARGET_HIT_MS
    return "met" if ok else "MISSED"


def _print_row(row: dict) -> None:
    if not getattr(_print_row, "started", False):
        print(HEADER)
        _print_row.started = True
    miss, hit = row.get("miss"), row.get("hit")
    fmt = lambda d, k: f"{d[k]:.1f}" if d else "-"
    print(f"{row['cohort']:<36} {row['callback']:<24} {fmt(miss, 'p50_ms'):>9} "
          f"{fmt(miss, 'p95_ms'):>7} {fmt(hit, 'p50_ms'):>8} {fmt(hit, 'p95_ms'):>6} "
          f"{fmt(miss and miss['callback_only'], 'p95_ms'):>16}  {_verdict(row):<6}  "
          f"{row.get('note', '')}", flush=True)


def _print_page(page: dict) -> None:
    print("\nFirst page load (GET: index, scripts, css, async chunks, layout, dependencies):")
    print(f"  {page['get_urls']} GET URLs; bytes on the wire per Accept-Encoding:")
    for enc, n in page["static_bytes"].items():
        print(f"    {enc:<9} {n / 1e6:7.2f} MB")
    print("  gzip by kind: " + ", ".join(f"{k} {v / 1e3:.0f} kB"
                                          for k, v in page["static_gzip_by_kind"].items()))
    print(f"  Chromium (encodings {page['browser_encodings']}): "
          f"{page['browser_wire_bytes'] / 1e6:.2f} MB on the wire incl. "
          f"{page['callback_posts']} callback POSTs "
          f"({page['browser_wire_bytes_callbacks'] / 1e3:.0f} kB)")
    ok = page["static_bytes"]["gzip"] < TARGET_PAGE_BYTES
    print(f"  target < {TARGET_PAGE_BYTES / 1e6:.0f} MB with gzip: {'met' if ok else 'MISSED'}")


def _commit() -> str:
    """HEAD, with "+dirty" when app/, components/ or analysis/ have uncommitted changes."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False).stdout
    dirty = git("status", "--porcelain", "--", "app", "components", "analysis").strip()
    return git("rev-parse", "--short", "HEAD").strip() + ("+dirty" if dirty else "")


def _save(payload: dict) -> None:
    save_results("app", payload)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="timed calls per miss/hit")
    parser.add_argument("--cohorts", nargs="*", help="only these cohort ids")
    parser.add_argument("--no-page", action="store_true", help="skip the page weight")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile every callback that misses its target (top 5)")
    parser.add_argument("--no-callbacks", action="store_true", help="skip the callbacks")
    args = parser.parse_args(argv)
    payload = {"machine": {"python": platform.python_version(), "platform": platform.platform(),
                           "numpy": np.__version__, "cpus": os.cpu_count()},
               "date": date.today().isoformat(), "commit": _commit(), "calls": args.calls,
               "targets": {"miss_p95_ms": TARGET_MISS_MS, "hit_p95_ms": TARGET_HIT_MS,
                           "page_gzip_bytes": TARGET_PAGE_BYTES}}
    if not args.no_callbacks:
        payload["callbacks"] = bench_callbacks(args.calls, args.cohorts, args.profile)
    if not args.no_page:
        payload["page"] = bench_page()
        _print_page(payload["page"])
    previous = json.loads(RESULTS.read_text()).get("app", {}) if RESULTS.exists() else {}
    _save({**previous, **payload})
    print(f"\nwrote {RESULTS.relative_to(ROOT)} key 'app'")


if __name__ == "__main__":
    main()
