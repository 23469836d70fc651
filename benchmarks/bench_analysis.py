"""Benchmark of the analysis layer: mediation vs pingouin, ANCOVA and a correlation table.

Run from the repository root:  python benchmarks/bench_analysis.py [--quick]
Prints a table and merges its numbers into benchmarks/results.json under the key
"analysis" (read-modify-write: other benchmarks keep their keys).
Times are medians of repeated calls (time.perf_counter) after one warm-up call.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.mediate import mediate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median_time, save_results

TARGETS = {"mediation_ratio_n126": 50.0, "ancova_ms": 50.0, "correlate_ms": 300.0}
PINGOUIN_LIMIT_S = 60.0


def cohort(n: int, seed: int = 0) -> pd.DataFrame:
    """A cohort like Fanton 2022: group x TSPO binder, age, a few correlated measures."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    return pd.DataFrame({
        "x": x, "m": m, "y": 0.4 * m + 0.2 * x + rng.normal(size=n),
        "age": rng.uniform(20, 60, n),
        "group": pd.Categorical(rng.choice(["FM", "HC"], n, p=[0.66, 0.34])),
        "tspo": pd.Categorical(rng.choice(["HAB", "MLAB"], n, p=[0.59, 0.41])),
        "site": pd.Categorical(rng.choice(["S1", "S2"], n)),
    })


def bench_mediation(n: int, n_boot: int, quick: bool) -> dict:
    df = cohort(n)
    ours = median_time(lambda: mediate(df, "x", "m", "y", n_boot=n_boot, seed=1),
                       repeats=3 if n >= 10_000 else 7)
    row = {"n": n, "n_boot": n_boot, "ours_s": ours, "pingouin_s": None, "ratio": None,
           "note": ""}
    try:
        import pingouin as pg
    except ImportError:
        row["note"] = "pingouin not installed"
        return row
    if n >= 10_000 or quick and n > 126:
        row["note"] = _pingouin_probe(pg, df, n_boot)
        if row["note"]:
            return row
    run = lambda: pg.mediation_analysis(df, x="x", m="m", y="y", n_boot=n_boot, seed=1)
    theirs = median_time(run, repeats=1 if n >= 1000 else 3)
    row.update(pingouin_s=theirs, ratio=theirs / ours)
    return row


def _pingouin_probe(pg, df, n_boot) -> str:
    """Time pingouin on 1/50 of the resamples; skip it when the full run would exceed 60 s."""
    start = time.perf_counter()
    pg.mediation_analysis(df, x="x", m="m", y="y", n_boot=max(n_boot // 50, 10), seed=1)
    projected = (time.perf_counter() - start) * 50
    if projected > PINGOUIN_LIMIT_S:
        return f"pingouin skipped: projected {projected:.0f} s > {PINGOUIN_LIMIT_S:.0f} s"
    return ""


def bench_optional(label: str, n: int, call) -> dict:
    """Time `call(df)`; the module under test may not exist yet (other engineers)."""
    row = {"benchmark": label, "n": n, "ms": None, "note": ""}
    try:
        func = call()
    except ImportError as exc:
        row["note"] = f"not available ({exc.name or exc})"
        return row
    df = cohort(n, seed=2)
    try:
        row["ms"] = 1000 * median_time(lambda: func(df), repeats=5 if n > 10_000 else 20)
    except Exception as exc:  # the module exists but its API differs: report, keep going
        row["note"] = f"failed: {type(exc).__name__}: {exc}"
    return row


def ancova():
    from analysis.compare import compare_groups
    return lambda df: compare_groups(df, "y", ["group", "tspo"], covariates=["age"],
                                     test="ancova")


def correlation_table():
    from analysis.correlate import correlate
    # group x tspo x site = 8 subgroups, as the per-group/genotype tables of Fanton 2022
    return lambda df: correlate(df, "x", "y", method="spearman", by=["group", "tspo", "site"])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n_boot 1000, skip n = 10000")
    args = parser.parse_args(argv)
    n_boot = 1000 if args.quick else 5000
    sizes = (25, 126, 1000) if args.quick else (25, 126, 1000, 10_000)
    mediation = [bench_mediation(n, n_boot, args.quick) for n in sizes]
    others = [bench_optional("two-way ANCOVA (compare_groups)", 126, ancova),
              bench_optional("two-way ANCOVA (compare_groups)", 100_000, ancova),
              bench_optional("8-subgroup Spearman table (correlate)", 126, correlation_table)]
    report = {"mediation": mediation, "other": others, "targets": TARGETS,
              "machine": {"python": platform.python_version(), "platform": platform.platform(),
                          "numpy": np.__version__},
              "quick": args.quick, "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    print_table(report)
    save(report)
    return report


def print_table(report: dict) -> None:
    print(f"{'mediation':<12}{'n':>8}{'n_boot':>8}{'ours (ms)':>12}{'pingouin (ms)':>15}"
          f"{'ratio':>9}  note")
    for r in report["mediation"]:
        theirs = f"{1000 * r['pingouin_s']:.0f}" if r["pingouin_s"] else "-"
        ratio = f"{r['ratio']:.0f}x" if r["ratio"] else "-"
        print(f"{'':<12}{r['n']:>8}{r['n_boot']:>8}{1000 * r['ours_s']:>12.1f}{theirs:>15}"
              f"{ratio:>9}  {r['note']}")
    print(f"target: ratio >= {TARGETS['mediation_ratio_n126']:.0f}x at n = 126\n")
    for r in report["other"]:
        ms = f"{r['ms']:.1f} ms" if r["ms"] is not None else "-"
        print(f"{r['benchmark']:<40}{r['n']:>8}{ms:>12}  {r['note']}")
    print(f"targets: ANCOVA < {TARGETS['ancova_ms']:.0f} ms, correlation table < "
          f"{TARGETS['correlate_ms']:.0f} ms per call")


def save(report: dict) -> None:
    save_results("analysis", report)


if __name__ == "__main__":
    main()
