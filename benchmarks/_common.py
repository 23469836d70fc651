"""Helpers shared by the benchmark scripts: a median timer and the results.json writer."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def median_time(func, repeats: int, warmup: bool = True) -> float:
    """Median wall time in seconds of `repeats` calls, after one warm-up call."""
    if warmup:
        func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def save_results(key: str, payload: dict) -> None:
    """Store `payload` under `key` in results.json, keeping the other scripts' keys."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[key] = payload
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
