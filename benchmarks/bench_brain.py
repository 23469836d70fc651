"""Benchmark of the brain-map layer: voxelwise GLM vs nilearn, permutation FWE, slice figure.

Run from the repository root:  python benchmarks/bench_brain.py [--quick]
Prints a table and merges its numbers into benchmarks/results.json under the key "brain"
(read-modify-write: other benchmarks keep their keys). Times are medians of repeated calls
(time.perf_counter) after one warm-up call, except single runs where noted.

Needs ~8 GB of free memory for n = 1000 (the 4D image nilearn is given is 4.4 GB);
--quick uses n = 200 and 200 permutations instead.
"""

from __future__ import annotations

import argparse
import gzip
import platform
import subprocess
import sys
import time
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.atlases import brain_mask, grid
from analysis.permutation import permutation_fwe
from analysis.voxelwise import design_matrix, voxelwise_glm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median_time, save_results

TARGETS = {"ratio_vs_nilearn": 20.0, "glm_n54_s": 0.5, "figure_json_mb": 1.5}
CONTRAST = "group[radicular]"


def cohort(n: int, seed: int = 0) -> pd.DataFrame:
    """Two unequal groups (as Alshelh 2022: 26 axial, 28 radicular at n = 54), age, dose."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "participant_id": [f"sub-{i:04d}" for i in range(1, n + 1)],
        "group": pd.Categorical(rng.choice(["axial", "radicular"], n, p=[26 / 54, 28 / 54]),
                                categories=["axial", "radicular"]),
        "age": rng.uniform(20, 70, n).round(), "injected_dose": rng.normal(14, 1.5, n)})


def maps(df: pd.DataFrame, n_voxels: int, seed: int = 1) -> np.ndarray:
    """SUVR-like float32 maps (n x V) with a group difference in the first 5000 voxels."""
    rng = np.random.default_rng(seed)
    y = rng.standard_normal((len(df), n_voxels), dtype=np.float32)
    y *= 0.12
    y += 1.1
    y[:, :5000] += 0.1 * (df["group"] == "radicular").to_numpy(np.float32)[:, None]
    return y


def nilearn_fit(imgs, design: pd.DataFrame, mask_img) -> np.ndarray:
    """SecondLevelModel fit + t map of the contrast (no smoothing), as its docs show."""
    from nilearn.glm.second_level import SecondLevelModel

    model = SecondLevelModel(mask_img=mask_img, smoothing_fwhm=None)
    model.fit(imgs, design_matrix=design.reset_index(drop=True))
    return model.compute_contrast(CONTRAST, output_type="stat")


def _images(y: np.ndarray, mask: np.ndarray):
    """The maps as nilearn takes them: 3D images (n < 500) or one 4D image (half the memory)."""
    affine = grid().affine
    if len(y) >= 500:
        vol = np.zeros((*mask.shape, len(y)), np.float32)
        vol[mask] = y.T
        return nib.Nifti1Image(vol, affine)
    imgs = []
    for row in y:
        vol = np.zeros(mask.shape, np.float32)
        vol[mask] = row
        imgs.append(nib.Nifti1Image(vol, affine))
    return imgs


def bench_glm(n: int, repeats_nilearn: int) -> dict:
    mask = np.asarray(brain_mask())
    df = cohort(n)
    design = design_matrix(df, effect="group", covariates=["age", "injected_dose"])
    y = maps(df, int(mask.sum()))
    repeats = 7 if n < 500 else 3
    ours_s = median_time(lambda: voxelwise_glm(y, design, CONTRAST), repeats)
    with_p_s = median_time(lambda: voxelwise_glm(y, design, CONTRAST).p, repeats)
    ours_t = voxelwise_glm(y, design, CONTRAST).t
    imgs = _images(y, mask)
    images_s = median_time(lambda: voxelwise_glm(imgs, design, CONTRAST, mask=mask), 3) \
        if isinstance(imgs, list) else None
    y = None                                      # free the array before nilearn runs
    mask_img, out = nib.Nifti1Image(mask.astype(np.uint8), grid().affine), []
    theirs_s = median_time(lambda: out.append(nilearn_fit(imgs, design, mask_img)),
                           repeats_nilearn, warmup=repeats_nilearn > 1)
    return {"n": n, "n_voxels": int(mask.sum()), "ours_s": ours_s, "ours_with_p_s": with_p_s,
            "ours_from_images_s": images_s, "nilearn_s": theirs_s,
            "ratio": theirs_s / ours_s, "ratio_with_p": theirs_s / with_p_s,
            "max_abs_t_difference": float(np.abs(out[-1].get_fdata()[mask] - ours_t).max())}


def bench_permutation(n: int, n_perm: int) -> dict:
    mask = np.asarray(brain_mask())
    df = cohort(n)
    design = design_matrix(df, effect="group", covariates=["age", "injected_dose"])
    y = maps(df, int(mask.sum()))
    calls = []
    start = time.perf_counter()
    result = permutation_fwe(y, design, CONTRAST, n_perm=n_perm, seed=0,
                             progress=lambda d, t: calls.append(d))
    seconds = time.perf_counter() - start
    return {"n": n, "n_perm": n_perm, "seconds": seconds, "progress_calls": len(calls),
            "voxels_p_fwe_below_0.05": int((result.p_fwe < 0.05).sum())}


def bench_figure() -> dict:
    try:
        from components.brain_view import orthogonal_slices
    except ImportError as exc:
        return {"available": False, "note": f"not available ({exc})"}
    mask = np.asarray(brain_mask())
    df = cohort(54)
    design = design_matrix(df, effect="group", covariates=["age", "injected_dose"])
    t_img = voxelwise_glm(maps(df, int(mask.sum())), design, CONTRAST).t_image()
    build = median_time(lambda: orthogonal_slices(t_img, threshold=3.0), 5)
    text = orthogonal_slices(t_img, threshold=3.0).to_json()
    return {"available": True, "function": "components.brain_view.orthogonal_slices",
            "build_s": build, "json_mb": len(text.encode()) / 1e6,
            "json_gzip_mb": len(gzip.compress(text.encode())) / 1e6}


def machine() -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=False,
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "unknown"
    return {"python": platform.python_version(), "platform": platform.platform(),
            "numpy": np.__version__, "date": time.strftime("%Y-%m-%d %H:%M"), "commit": commit}


def print_table(glm: list[dict], perm: dict, fig: dict) -> None:
    print(f"{'benchmark':<46}{'ours':>9}{'nilearn':>10}{'ratio':>8}  target")
    for row in glm:
        target = (f">= {TARGETS['ratio_vs_nilearn']:.0f}x"
                  + (f", < {TARGETS['glm_n54_s']} s" if row["n"] == 54 else ""))
        print(f"{'GLM 2 groups + 2 cov, t map, n = ' + str(row['n']):<46}"
              f"{row['ours_s']:>8.3f}s{row['nilearn_s']:>9.2f}s{row['ratio']:>7.0f}x  {target}"
              f"   (max |t diff| {row['max_abs_t_difference']:.1e})")
        print(f"{'  same + p map':<46}{row['ours_with_p_s']:>8.3f}s{'':>10}"
              f"{row['ratio_with_p']:>7.0f}x")
        if row["ours_from_images_s"] is not None:
            print(f"{'  same t map, from in-memory images':<46}"
                  f"{row['ours_from_images_s']:>8.3f}s")
    print(f"{'permutation_fwe, n = 54, ' + str(perm['n_perm']) + ' permutations':<46}"
          f"{perm['seconds']:>8.2f}s")
    if fig["available"]:
        print(f"{'orthogonal_slices build':<46}{fig['build_s']:>8.3f}s")
        print(f"{'orthogonal_slices JSON':<46}{fig['json_mb']:>7.2f}MB{'':>18}"
              f"  < {TARGETS['figure_json_mb']} MB (gzip {fig['json_gzip_mb']:.2f} MB)")
    else:
        print(f"{'slice figure':<46}  {fig['note']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 200, 200 permutations")
    args = parser.parse_args()
    large, n_perm = (200, 200) if args.quick else (1000, 1000)
    glm = [bench_glm(54, repeats_nilearn=3), bench_glm(large, repeats_nilearn=1)]
    perm = bench_permutation(54, n_perm)
    fig = bench_figure()
    print_table(glm, perm, fig)
    small = glm[0]
    checks = {"ratio_n54_ok": small["ratio"] >= TARGETS["ratio_vs_nilearn"],
              "ratio_n54_with_p_ok": small["ratio_with_p"] >= TARGETS["ratio_vs_nilearn"],
              "ratio_large_ok": glm[1]["ratio"] >= TARGETS["ratio_vs_nilearn"],
              "glm_n54_under_0.5s": small["ours_s"] < TARGETS["glm_n54_s"],
              "figure_json_ok": (fig["json_mb"] < TARGETS["figure_json_mb"])
              if fig["available"] else None}
    save_results("brain", {"machine": machine(), "targets": TARGETS, "quick": args.quick,
                           "glm": glm, "permutation": perm, "figure": fig, "checks": checks})
    print(f"checks: {checks}")


if __name__ == "__main__":
    main()
