"""Consensus throughput: lcnet's engine against crowd-kit on the same simulated annotations.

Truth is real LandCoverNet labels (../shared/data/landcovernet_af_labels, flipped and rotated for variety); each chip
gets three annotators whose accuracies are drawn in 0.6..0.95 and who replace a pixel by another class at that rate.
Chips are processed one call at a time (each with its own annotators' weights), as the Django service does, so memory
stays bounded by one chip however many chips there are.

    .venv/bin/python bench/consensus.py [--chips 256] [--vote-sample 500000] [--ds-sample 100000] [--runs-chips 64]

Needs crowd-kit (see bench/requirements.txt). Prints figures and writes bench/out/consensus.png. Then calibration
(held-out ECE per method, bench/out/consensus_reliability.png) and the cost of a versioned run at LandCoverNet scale
(time and storage, measured in a throw-away Postgres database on --runs-chips chips and extrapolated): see
bench/consensus_runs.py.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import rasterio
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consensus.lib.engine import bayesian_consensus, dawid_skene  # noqa: E402
from imagery.lib.domain import CHIP_SIZE, N_CLASSES  # noqa: E402
from lcnet_site.sample_data import shared_data_dir  # noqa: E402

LANDCOVERNET_PIXELS = 9_000 * CHIP_SIZE * CHIP_SIZE  # 589,824,000
N_ANNOTATORS = 3
CHIPS_PER_CALL = 64  # 4.2 M pixels a call


def real_truth() -> list[np.ndarray]:
    """The published class band of each real label chip, with its 8 flips/rotations."""
    chips = []
    for path in sorted((shared_data_dir() / "landcovernet_af_labels").glob("*/labels.tif")):
        with rasterio.open(path) as src:
            cls = src.read(1).astype(np.uint8)
        for k in range(4):
            chips += [np.rot90(cls, k).copy(), np.rot90(cls[::-1], k).copy()]
    return chips


def simulate(n_chips: int, seed: int = 0):
    """labels (3, n_chips, 256, 256) uint8, weights (3, n_chips), truth (n_chips, 256, 256)."""
    rng = np.random.default_rng(seed)
    pool = real_truth()
    labels = np.empty((N_ANNOTATORS, n_chips, CHIP_SIZE, CHIP_SIZE), np.uint8)
    truth = np.empty((n_chips, CHIP_SIZE, CHIP_SIZE), np.uint8)
    weights = rng.uniform(0.6, 0.95, (N_ANNOTATORS, n_chips))
    for c in tqdm(range(n_chips), desc="simulating annotators", unit="chip", leave=False):
        truth[c] = pool[c % len(pool)]
        wrong = rng.random((N_ANNOTATORS, CHIP_SIZE, CHIP_SIZE)) > weights[:, c, None, None]
        other = (truth[c] + rng.integers(1, N_CLASSES - 1, (N_ANNOTATORS, CHIP_SIZE, CHIP_SIZE))) % (N_CLASSES - 1)
        labels[:, c] = np.where(wrong & (truth[c] > 0), other + 1, truth[c])
    return labels, weights, truth


def run_bayes(labels, weights, chips_per_call=CHIPS_PER_CALL):
    """One call per block of chips, each chip with its own annotators' weights: memory bounded by the block."""
    out_label = np.empty(labels.shape[1:], np.uint8)
    out_score = np.empty(labels.shape[1:], np.float32)
    for c0 in range(0, labels.shape[1], chips_per_call):
        c1 = c0 + chips_per_call
        out = (out_label[c0:c1], out_score[c0:c1])
        bayesian_consensus(labels[:, c0:c1], weights[:, c0:c1, None, None], out=out)
    return out_label, out_score


def timed(fn, *args, repeat=1):
    """(cpu seconds, wall seconds, result), best of `repeat`. Rates use CPU time: the machine is shared, and wall
    time mostly measures the machine's other load; both timings are printed."""
    cpu, wall, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        result = fn(*args)
        cpu, wall = min(cpu, time.process_time() - c0), min(wall, time.perf_counter() - w0)
    return cpu, wall, result


def peak_bytes(fn, *args) -> int:
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def crowd_frame(labels: np.ndarray, chip_of_pixel: np.ndarray):
    """crowd-kit's long format: one row per (pixel, annotator); annotators are named per chip."""
    import pandas as pd

    n, n_pix = labels.shape
    return pd.DataFrame(
        {
            "task": np.tile(np.arange(n_pix), n),
            "worker": (chip_of_pixel[None, :] * n + np.arange(n)[:, None]).ravel(),
            "label": labels.ravel(),
        }
    )


def sample(labels, weights, n_pixels):
    """The first chips' pixels up to n_pixels as (3, n), the per-pixel chip index, and those chips' weights."""
    n_chips = -(-n_pixels // (CHIP_SIZE * CHIP_SIZE))
    flat = labels[:, :n_chips].reshape(N_ANNOTATORS, -1)[:, :n_pixels]
    chip = np.repeat(np.arange(n_chips), CHIP_SIZE * CHIP_SIZE)[:n_pixels]
    return flat, chip, weights[:, :n_chips]


def crowd_vote(labels, weights, n_pixels):
    import pandas as pd
    from crowdkit.aggregation import MajorityVote

    flat, chip, w = sample(labels, weights, n_pixels)
    keep = (flat != 0).all(axis=0)  # crowd-kit has no "no label": give it the labeled pixels only
    flat, chip = flat[:, keep], chip[keep]
    frame = crowd_frame(flat, chip)
    skills = pd.Series(w.T.ravel(), index=np.arange(w.size))  # worker id = chip * 3 + annotator
    seconds, wall, result = timed(lambda: MajorityVote().fit_predict(frame, skills))
    print(f"  (crowd-kit MajorityVote wall time {wall:.2f} s)")
    theirs = result.sort_index().to_numpy().astype(np.uint8)
    ours, _ = bayesian_consensus(flat, w[:, chip])  # per-pixel weights: each pixel has its chip's annotators
    return flat.shape[1], seconds, theirs, ours


def crowd_ds(labels, n_pixels):
    from crowdkit.aggregation import DawidSkene

    flat, _, _ = sample(labels, np.ones((N_ANNOTATORS, labels.shape[1])), n_pixels)
    flat = flat[:, (flat != 0).all(axis=0)]
    frame = crowd_frame(flat, np.zeros(flat.shape[1], np.intp))  # same three annotators over the sample
    seconds, wall, result = timed(lambda: DawidSkene(n_iter=100, tol=1e-5).fit_predict(frame))
    theirs = result.sort_index().to_numpy().astype(np.uint8)
    ours_seconds, ours_wall, (ours, _, _) = timed(lambda: dawid_skene(flat, max_iter=100, tol=1e-6), repeat=3)
    print(f"  (wall time: crowd-kit DawidSkene {wall:.2f} s, lcnet dawid_skene {ours_wall:.3f} s)")
    return flat.shape[1], seconds, ours_seconds, theirs, ours


def plot(figures: dict[str, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    names = list(figures)
    ax.barh(names, [figures[k] / 1e6 for k in names], color=["#186818", "#888888", "#d64c2b", "#888888"])
    ax.set_xscale("log")
    ax.set_xlim(right=max(figures.values()) / 1e6 * 8)  # room for the value labels
    ax.set_xlabel("million pixels per second (log scale)")
    ax.set_title("Consensus throughput, 3 annotators per pixel")
    for y, name in enumerate(names):
        ax.text(figures[name] / 1e6, y, f" {figures[name] / 1e6:,.2f}", va="center")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chips", type=int, default=256, help="chips of 65,536 px (256 = 50.3 M pixel-annotations)")
    parser.add_argument("--vote-sample", type=int, default=500_000, help="pixels given to crowd-kit MajorityVote")
    parser.add_argument("--ds-sample", type=int, default=100_000, help="pixels given to crowd-kit DawidSkene")
    parser.add_argument("--runs-chips", type=int, default=64,
                        help="chips of the versioned-run sample in a throw-away database (0: skip it)")
    args = parser.parse_args()

    labels, weights, truth = simulate(args.chips)
    n_pix = labels[0].size
    print(f"input: {args.chips} chips, {n_pix:,} pixels x {N_ANNOTATORS} annotators = "
          f"{n_pix * N_ANNOTATORS:,} pixel-annotations (real LandCoverNet truth, simulated annotators)")

    run_bayes(labels[:, :4], weights[:, :4])  # warm-up
    seconds, wall, (label, score) = timed(run_bayes, labels, weights, repeat=5)
    bayes_rate = n_pix / seconds
    out_bytes = CHIPS_PER_CALL * CHIP_SIZE * CHIP_SIZE * 5  # the caller's output arrays
    peak = peak_bytes(run_bayes, labels[:, :CHIPS_PER_CALL], weights[:, :CHIPS_PER_CALL]) - out_bytes
    print(f"bayesian_consensus: {seconds:.3f} s CPU ({wall:.3f} s wall), {bayes_rate / 1e6:,.1f} M pixels/s "
          f"({bayes_rate * N_ANNOTATORS / 1e6:,.1f} M pixel-annotations/s), {CHIPS_PER_CALL} chips a call, "
          f"each chip with its own annotators' weights")
    print(f"  accuracy vs truth {np.mean(label == truth):.4f}; mean score {score[truth > 0].mean():.3f}")
    print(f"  working memory per call beyond the outputs: {peak / 1e6:.2f} MB (tracemalloc peak); "
          f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:,.0f} MB "
          f"(includes the {labels.nbytes / 1e6:,.0f} MB simulated input)")
    print(f"  LandCoverNet scale: {LANDCOVERNET_PIXELS:,} px x 3 -> {LANDCOVERNET_PIXELS / bayes_rate:.1f} s "
          f"extrapolated (target < 20 s)")

    ds_seconds, ds_wall, (ds_label, ds_score, _) = timed(lambda: dawid_skene(labels))
    ds_peak = peak_bytes(dawid_skene, labels) - n_pix * 5  # minus its outputs
    print(f"dawid_skene (all chips at once, 3 annotator slots): {ds_seconds:.3f} s CPU ({ds_wall:.3f} s wall), "
          f"{n_pix / ds_seconds / 1e6:,.1f} M pixels/s; accuracy vs truth {np.mean(ds_label == truth):.4f}; "
          f"working memory {ds_peak / 1e6:.1f} MB beyond its outputs")

    from bench import consensus_runs  # calibration and versioned runs (Django, Postgres)

    consensus_runs.calibration(Path(__file__).resolve().parent / "out" / "consensus_reliability.png")
    if args.runs_chips:
        consensus_runs.runs(args.runs_chips)

    figures = {"lcnet bayesian_consensus": bayes_rate}
    try:
        import crowdkit  # noqa: F401
    except ImportError:
        print("crowd-kit is not installed: see bench/requirements.txt; comparison skipped")
        return
    n, ck_seconds, theirs, ours = crowd_vote(labels, weights, args.vote_sample)
    ck_rate = n / ck_seconds
    print(f"crowd-kit MajorityVote(skills=) on {n:,} px: {ck_seconds:.2f} s CPU, {ck_rate / 1e6:.3f} M pixels/s; "
          f"labels agree on {np.mean(theirs == ours) * 100:.3f} % of pixels")
    print(f"  speed ratio lcnet/crowd-kit (weighted vote): {bayes_rate / ck_rate:,.0f}x (target >= 300x)")
    n, ck_ds_seconds, our_ds_seconds, theirs, ours = crowd_ds(labels, args.ds_sample)
    print(f"crowd-kit DawidSkene on {n:,} px: {ck_ds_seconds:.2f} s CPU, {n / ck_ds_seconds / 1e6:.4f} M pixels/s; "
          f"lcnet dawid_skene on the same: {our_ds_seconds:.3f} s CPU; labels agree on {np.mean(theirs == ours) * 100:.3f} %")
    print(f"  speed ratio lcnet/crowd-kit (Dawid-Skene): {ck_ds_seconds / our_ds_seconds:,.0f}x (target >= 20x)")
    figures.update({"crowd-kit MajorityVote": ck_rate, f"lcnet dawid_skene ({n // 1000}k px)": n / our_ds_seconds,
                    "crowd-kit DawidSkene": n / ck_ds_seconds})
    out = Path(__file__).resolve().parent / "out" / "consensus.png"
    plot(figures, out)
    print(f"plot: {out}")
    print(f"figures taken on a 2-core machine shared with other work (load average {os.getloadavg()[0]:.1f}); "
          "rates and ratios use CPU time")


if __name__ == "__main__":
    main()
