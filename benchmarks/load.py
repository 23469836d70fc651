"""Load test: N simulated users against gunicorn (2 workers) on the loopback interface.

Run from the repository root:
    python benchmarks/load.py [--users 50] [--duration 60] [--workers 2] [--threads 1]

The script starts ``gunicorn app:server -w 2 -b 127.0.0.1:PORT`` itself on a free port
(FileSystemCache in a temporary folder shared by the workers, or RedisCache when
``REDIS_URL``/``--redis-url`` is given), so it only ever talks to 127.0.0.1. Each user is a
thread that behaves like the browser (request bodies built from ``/_dash-dependencies`` with
the shape Chromium sends, checked against captured requests):

1. first load: GET ``/?cohort=..&view=..``, ``/_dash-layout``, ``/_dash-dependencies``; the
   router callback (``url.search``) renders the page; then every callback whose input is
   ``view-state.data`` (one per view + the filter counts), up to 6 at once like a browser;
2. loop until the end: think 0.5-2 s, change a filter (random levels of one factor, or
   all levels back), POST the sync callback (controls -> URL); when it answers a new link,
   POST the router (``url.search`` changed) and the ``view-state.data`` callbacks again.

Reported per request type: count, errors (HTTP >= 400, timeouts, connection failures,
"something went wrong" notices), p50/p95/p99 latency. Target: 50 users, zero errors,
p95 < 500 ms for every request type. Writes benchmarks/results.json key "load"
(read-modify-write).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import platform
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, save_results

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost"}
MAX_USERS, MAX_DURATION = 200, 600
TARGET_USERS, TARGET_P95_MS = 50, 500.0
BUG_NOTICE = b"Something went wrong on our side"
ACCEPT_ENCODING = "gzip"       # the server compresses as for a browser (which also takes br/zstd)
BROWSER_PARALLEL = 6                       # connections per host of a browser (HTTP/1.1)
DEFAULT_VIEWS = [("alshelh2022_clbp_subtypes", "compare"), ("fanton2022_fm_tspo", "compare"),
                 ("fanton2022_fm_tspo", "correlate"), ("alshelh2022_clbp_subtypes", "overview"),
                 ("fanton2022_fm_tspo", "mediate"), ("pag_mrs_clbp", "correlate")]


# ------------------------------------------------------------------ server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, threads: int, cache_dir: str,
                 redis_url: str | None, log_path: Path,
                 extra: list[str] = ()) -> subprocess.Popen:
    env = {**os.environ, "PCE_CACHE_DIR": cache_dir}
    env.pop("PCE_DEBUG", None)
    if redis_url:
        env.update(REDIS_URL=redis_url, PCE_CACHE_TYPE="RedisCache")
    else:
        env["PCE_CACHE_TYPE"] = "FileSystemCache"
    command = [sys.executable, "-m", "gunicorn", "app:server", "-w", str(workers),
               "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--timeout", "120", *extra]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_path.open("w"),
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early; see {log_path}")
        try:
            status, _ = Client("127.0.0.1", port).get("/")
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"gunicorn did not answer within 90 s; see {log_path}")


# ------------------------------------------------------------------ HTTP + recording


class Client:
    """One request per connection (gunicorn's sync workers close after each answer)."""

    def __init__(self, host: str, port: int, recorder: Recorder | None = None):
        self.host, self.port, self.recorder = host, port, recorder

    def _request(self, kind, method, path, body=None):
        start = time.perf_counter()
        status, data, error = 0, b"", None
        try:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            headers = {"Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING}
            if body is not None:
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            status, data = response.status, response.read()
            if response.getheader("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            conn.close()
        except OSError as exc:          # timeouts, refused / reset connections
            error = type(exc).__name__
            if self.recorder is None:
                raise
        elapsed = time.perf_counter() - start
        if self.recorder is not None:
            if error is None and status >= 400:
                error = f"HTTP {status}"
            elif error is None and BUG_NOTICE in data:
                error = "bug notice"
            self.recorder.add(kind, elapsed, error)
        return status, data

    def get(self, path, kind="page"):
        return self._request(kind, "GET", path)

    def post(self, body: dict, kind: str):
        return self._request(kind, "POST", "/_dash-update-component",
                             json.dumps(body).encode())


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, kind: str, seconds: float, error: str | None):
        with self.lock:
            self.times[kind].append(seconds)
            if error:
                self.errors[kind][error] += 1

    def summary(self) -> dict:
        rows = {}
        for kind in sorted(self.times):
            ms = np.array(self.times[kind]) * 1000
            rows[kind] = {"requests": int(ms.size),
                          "errors": int(sum(self.errors[kind].values())),
                          "error_kinds": dict(self.errors[kind]),
                          **{f"p{q}_ms": float(np.percentile(ms, q)) for q in (50, 95, 99)},
                          "max_ms": float(ms.max())}
        return rows


# ------------------------------------------------------------------ Dash request bodies


def outputs_of(dep: dict):
    """The ``outputs`` the renderer sends: a list for multi-output callbacks, else a dict."""
    if not dep["output"].startswith(".."):
        ident, prop = dep["output"].rsplit(".", 1)
        return {"id": _ident(ident), "property": prop}
    return [{"id": _ident(i), "property": p} for i, p in
            (part.rsplit(".", 1) for part in dep["output"].strip(".").split("..."))]


def _key(ident: dict) -> str:
    """A pattern-matching id as the renderer spells it in changedPropIds."""
    return json.dumps(ident, sort_keys=True, separators=(",", ":"))


def _ident(ident: str):
    return json.loads(ident) if ident.startswith("{") else ident


def components(tree):
    """(id, props) of every component in a serialized layout."""
    if isinstance(tree, list):
        for child in tree:
            yield from components(child)
    elif isinstance(tree, dict) and "props" in tree:
        props = tree["props"]
        if "id" in props:
            yield props["id"], props
        yield from components(props.get("children"))


class Page:
    """What one browser tab knows: the callbacks, the rendered link, the control values."""

    def __init__(self, deps: list[dict]):
        self.router = next(d for d in deps if [i["id"] for i in d["inputs"]] == ["url"])
        self.sync = next(d for d in deps if d["inputs"] and d["inputs"][0]["id"] == "view-nav"
                         and len(d["inputs"]) > 3)
        self.on_state = [d for d in deps if [(i["id"], i["property"]) for i in d["inputs"]]
                         == [("view-state", "data")] and not d.get("clientside_function")]
        self.rendered: str | None = None
        self.props: dict[str, dict] = {}          # json id -> props

    def router_body(self, search: str) -> dict:
        return {"output": self.router["output"], "outputs": outputs_of(self.router),
                "inputs": [{"id": "url", "property": "search", "value": search}],
                "changedPropIds": ["url.search"],
                "state": [{"id": "view-state", "property": "data", "value": self.rendered}]}

    def take_render(self, data: bytes) -> None:
        response = json.loads(data)["response"]
        self.rendered = response["view-state"]["data"]
        self.props = {_key(i) if isinstance(i, dict) else i: p
                      for i, p in components(response["page-content"]["children"])}

    def state_bodies(self) -> list[tuple[str, dict]]:
        """The callbacks fired by a new ``view-state.data`` (all views + filter counts)."""
        bodies = []
        for dep in self.on_state:
            state = [self._wildcard(s) if s["id"].startswith("{") else
                     {"id": s["id"], "property": s["property"],
                      "value": self.props.get(s["id"], {}).get(s["property"])}
                     for s in dep["state"]]
            bodies.append((_kind(dep), {
                "output": dep["output"], "outputs": outputs_of(dep),
                "inputs": [{"id": "view-state", "property": "data", "value": self.rendered}],
                "changedPropIds": ["view-state.data"], "state": state}))
        return bodies

    def _matching(self, pattern: dict) -> list[dict]:
        return [json.loads(k) for k in self.props
                if k.startswith("{") and json.loads(k).get("type") == pattern["type"]]

    def _wildcard(self, spec: dict, overrides: dict | None = None) -> list[dict]:
        overrides = overrides or {}
        out = []
        for ident in self._matching(json.loads(spec["id"])):
            key = _key(ident)
            value = ident if spec["property"] == "id" else overrides.get(
                key, self.props[key].get(spec["property"]))
            out.append({"id": ident, "property": spec["property"], "value": value})
        return out

    def level_filters(self) -> dict[str, list]:
        """json id -> all level values of each factor checklist."""
        return {k: [o["value"] for o in p.get("options", [])] for k, p in self.props.items()
                if k.startswith("{") and json.loads(k).get("type") == "filter-levels"}

    def sync_body(self, changed_key: str, value) -> dict:
        overrides = {changed_key: value}

        def entry(spec):
            if spec["id"].startswith("{"):
                return self._wildcard(spec, overrides)
            value = (self.rendered if spec["id"] == "view-state"
                     else self.props.get(spec["id"], {}).get(spec["property"]))
            return {"id": spec["id"], "property": spec["property"], "value": value}

        return {"output": self.sync["output"], "outputs": outputs_of(self.sync),
                "inputs": [entry(i) for i in self.sync["inputs"]],
                "changedPropIds": [f"{changed_key}.value"],
                "state": [entry(s) for s in self.sync["state"]]}

    def set_value(self, key: str, value) -> None:
        self.props.setdefault(key, {})["value"] = value


def _kind(dep: dict) -> str:
    first = outputs_of(dep)[0]["id"]
    first = first["type"] if isinstance(first, dict) else first
    return "state:" + first.split("-")[0].replace("filter", "filters")


# ------------------------------------------------------------------ one user


def user(index: int, host: str, port: int, stop_at: float, recorder: Recorder,
         views: list[tuple[str, str]], think: tuple[float, float]) -> None:
    rng = random.Random(index)
    client = Client(host, port, recorder)
    cohort, view = views[index % len(views)]
    search = "?" + urlencode({"cohort": cohort, "view": view})
    pool = ThreadPoolExecutor(BROWSER_PARALLEL)
    try:
        client.get("/" + search, "GET /")
        client.get("/_dash-layout", "GET /_dash-layout")
        status, data = client.get("/_dash-dependencies", "GET /_dash-dependencies")
        page = Page(json.loads(data))
        status, data = client.post(page.router_body(search), "router")
        if status != 200:
            return
        page.take_render(data)

        def fire_state_callbacks():
            list(pool.map(lambda kb: client.post(kb[1], _active(kb[0], page)),
                          page.state_bodies()))

        fire_state_callbacks()
        while time.monotonic() < stop_at:
            time.sleep(rng.uniform(*think))
            filters = page.level_filters()
            if not filters:
                continue
            key = rng.choice(sorted(filters))
            levels = filters[key]
            chosen = (levels if rng.random() < 0.3 else
                      sorted(rng.sample(levels, rng.randint(1, max(1, len(levels) - 1)))))
            page.set_value(key, chosen)
            status, data = client.post(page.sync_body(key, chosen), "sync")
            if status != 200:
                continue
            new = json.loads(data)["response"]
            page.rendered = new["view-state"]["data"]
            client.post(page.router_body(new["url"]["search"]), "router (no-op)")
            fire_state_callbacks()
    except (ValueError, KeyError, TypeError, StopIteration) as exc:   # broken answer: an error
        recorder.add("user aborted", 0.0, type(exc).__name__)
    finally:
        pool.shutdown(wait=True)


def _active(kind: str, page: Page) -> str:
    """'state:<view>' for the view on screen, 'state:idle' (204) for hidden views."""
    view = dict(p.split("=", 1) for p in (page.rendered or "").split("&") if "=" in p).get("view")
    if kind == "state:filters":
        return "state:filter counts"
    return f"state:{view} (active)" if kind == f"state:{view}" else "state:idle views"


# ------------------------------------------------------------------ main


def warm_up(port: int) -> None:
    """Untimed first load of every view, twice (12 concurrent users), so both workers have parsed
    the cohorts and imported everything: the run measures a server in use, not a cold start."""
    recorder = Recorder()
    threads = [threading.Thread(target=user, args=(i, "127.0.0.1", port, 0.0, recorder,
                                                   DEFAULT_VIEWS, (0.0, 0.0)))
               for i in range(len(DEFAULT_VIEWS)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = {k: dict(v) for k, v in recorder.errors.items() if v}
    if errors:
        print(f"warm-up errors: {errors}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--host", default="127.0.0.1",
                        help="only 127.0.0.1/localhost are accepted")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn --threads")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 2.0))
    parser.add_argument("--gunicorn-arg", action="append", default=[], metavar="ARG",
                        help="extra gunicorn argument (repeat), e.g. --gunicorn-arg=-c "
                             "--gunicorn-arg=conf.py; -b/--bind is refused")
    parser.add_argument("--no-write", action="store_true", help="do not touch results.json")
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK:
        parser.error(f"--host {args.host!r} refused: the load test only targets its own server "
                     "on 127.0.0.1/localhost")
    if not 1 <= args.users <= MAX_USERS:
        parser.error(f"--users must be 1..{MAX_USERS}, got {args.users}")
    if not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--duration must be 1..{MAX_DURATION} s, got {args.duration}")
    if any(a.startswith(("-b", "--bind")) for a in args.gunicorn_arg):
        parser.error("--gunicorn-arg may not change the bind address (loopback only)")
    if not 1 <= args.workers <= 8 or not 1 <= args.threads <= 16:
        parser.error("--workers must be 1..8 and --threads 1..16")
    return args


def run(args) -> dict:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="pce-load-") as tmp:
        log_path = Path(tmp) / "gunicorn.log"
        server = start_server(port, args.workers, args.threads, str(Path(tmp) / "cache"),
                              args.redis_url, log_path, args.gunicorn_arg)
        try:
            warm_up(port)
            recorder = Recorder()
            load_before = os.getloadavg()
            client_cpu = _cpu(resource.RUSAGE_SELF)
            server_cpu = _tree_cpu(server.pid)
            started = time.monotonic()
            stop_at = started + args.duration
            threads = [threading.Thread(target=user, daemon=True,
                                        args=(i, args.host, port, stop_at, recorder,
                                              DEFAULT_VIEWS, tuple(args.think)))
                       for i in range(args.users)]
            for i, thread in enumerate(threads):
                thread.start()
                time.sleep(min(0.05, args.duration / 100))     # ramp up over ~2.5 s
            for thread in threads:
                thread.join(timeout=args.duration + 180)
            wall = time.monotonic() - started
            client_cpu = _cpu(resource.RUSAGE_SELF) - client_cpu
            server_cpu = _tree_cpu(server.pid) - server_cpu
            load_after = os.getloadavg()
            server_errors = [line for line in log_path.read_text().splitlines()
                             if "Traceback" in line or "[ERROR]" in line or "CRITICAL" in line]
        finally:
            server.terminate()
            server.wait(timeout=30)
    cpu = {"client_s": client_cpu, "server_s": server_cpu}
    return report(args, recorder.summary(), wall, load_before, load_after, server_errors, cpu)


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by gunicorn's master and workers (Linux /proc;
    0 elsewhere)."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:   # fields[1]: parent pid
            total += (int(fields[11]) + int(fields[12])) / ticks    # utime, stime
    return total


def _cpu(who) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def report(args, rows: dict, wall: float, load_before, load_after, server_errors,
           cpu: dict) -> dict:
    total = sum(r["requests"] for r in rows.values())
    errors = sum(r["errors"] for r in rows.values())
    worst = max((r["p95_ms"] for r in rows.values() if r["requests"]), default=0.0)
    slow = sorted(k for k, r in rows.items() if r["p95_ms"] >= TARGET_P95_MS)
    met = args.users >= TARGET_USERS and errors == 0 and not slow
    print(f"\n{args.users} users, {wall:.0f} s, gunicorn -w {args.workers} --threads "
          f"{args.threads}, cache {'RedisCache' if args.redis_url else 'FileSystemCache'}; "
          f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"({os.cpu_count()} cores)\n")
    print(f"{'request':<28}{'n':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}")
    for kind, r in rows.items():
        print(f"{kind:<28}{r['requests']:>7}{r['errors']:>8}{r['p50_ms']:>9.0f}"
              f"{r['p95_ms']:>9.0f}{r['p99_ms']:>9.0f}{r['max_ms']:>9.0f}"
              + (f"  {r['error_kinds']}" if r["errors"] else ""))
    print(f"\n{total} requests ({total / wall:.1f}/s), {errors} errors, worst p95 {worst:.0f} ms;"
          f" server log errors: {len(server_errors)}")
    print(f"CPU: server {cpu['server_s']:.1f} s ({1000 * cpu['server_s'] / max(total, 1):.1f} ms"
          f" per request), load generator {cpu['client_s']:.1f} s, "
          f"of {wall * (os.cpu_count() or 1):.0f} core-seconds")
    print(f"target ({TARGET_USERS} users, zero errors, p95 < {TARGET_P95_MS:.0f} ms per request "
          f"type): {'MET' if met else 'MISSED'}" + (f" (slow: {', '.join(slow)})" if slow else ""))
    return {"date": date.today().isoformat(), "python": platform.python_version(),
            "platform": platform.platform(), "cores": os.cpu_count(),
            "commit": _commit(), "users": args.users, "duration_s": round(wall, 1),
            "workers": args.workers, "threads": args.threads,
            "gunicorn_args": args.gunicorn_arg,
            "cache": "RedisCache" if args.redis_url else "FileSystemCache",
            "think_s": list(args.think), "load_average_before": load_before[0],
            "load_average_after": load_after[0], "requests": total, "errors": errors,
            "requests_per_s": total / wall, "server_log_errors": server_errors[:20],
            "server_cpu_s": cpu["server_s"], "load_generator_cpu_s": cpu["client_s"],
            "by_request": rows, "target": {"users": TARGET_USERS, "errors": 0,
                                           "p95_ms": TARGET_P95_MS},
            "target_met": met, "slow_request_types": slow}


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "app", "components", "analysis"],
                               cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_results(entry: dict) -> None:
    save_results("load", entry)


def main(argv=None) -> int:
    args = parse_args(argv)
    entry = run(args)
    if not args.no_write:
        write_results(entry)
        print(f"wrote {RESULTS.relative_to(ROOT)} key 'load'")
    return 0 if entry["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
