"""Campaign planning speed and coverage: tile sampling on synthetic candidate tables, chip windows for 300 tiles.

Run: .venv/bin/python bench/sampling.py  (prints its figures; the machine may be shared, so times are under load)
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from imagery.lib import chip_windows as core_chip_windows, sampling  # noqa: E402

SEEDS = (0, 1, 2)


def coverage(table, result, seed):
    """Mean over continents of the max KS distance: chosen vs a plain random draw of the same size."""
    ok = sampling.eligible_mask(table.features)
    rng = np.random.default_rng(seed + 100)
    ours, plain = [], []
    for s in result.summaries:
        rows = np.flatnonzero(ok & (table.continents == s.continent))
        u = sampling.ecdf_transform(table.features[rows])
        ours.append(sampling.max_ks_distance(u, np.searchsorted(rows, result.chosen[np.isin(result.chosen, rows)])))
        plain.append(sampling.max_ks_distance(u, rng.choice(len(rows), s.quota, replace=False)))
    return np.mean(ours), np.mean(plain)


def bench_tiles(n):
    table = sampling.candidates_from_rows(*sampling.synthetic_candidates(n, seed=11))
    times, ours, plain = [], [], []
    for seed in SEEDS:
        t0 = time.perf_counter()
        result = sampling.sample_tiles(table, sampling.PAPER_QUOTAS, seed)
        times.append(time.perf_counter() - t0)
        o, p = coverage(table, result, seed)
        ours.append(o)
        plain.append(p)
    print(f"sample_tiles  {n:>6} candidates -> 300 tiles: {np.median(times):6.2f} s (median of {len(SEEDS)}); "
          f"mean max KS ours {np.mean(ours):.3f} vs plain random {np.mean(plain):.3f}")


def bench_chips():
    rng = np.random.default_rng(0)
    nodata = rng.random((183, 183)) < 0.02  # a 60 m mask with 2 % scattered no data
    nodata[:, :60] = True  # and a third of the tile outside the swath
    t0 = time.perf_counter()
    total = 0
    for i in range(300):
        total += len(core_chip_windows.chip_windows(f"T{i:03d}", 30, seed=i, nodata=nodata, max_nodata_fraction=0.0))
    dt = time.perf_counter() - t0
    print(f"chip_windows  300 tiles × 30 chips with a 60 m no-data mask: {dt:6.2f} s ({total / dt:,.0f} windows/s)")


if __name__ == "__main__":
    for n in (3000, 20000):
        bench_tiles(n)
    bench_chips()
