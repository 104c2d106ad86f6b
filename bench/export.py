"""Dataset export speed and memory: the streamed dataset.zip for N = 10, 100 and 1000 chips.

Builds a throw-away Postgres test database with N synthetic complete chips per size (64 ConsensusLabels each,
bulk-created; labels and scores are the real LandCoverNet ones of ../shared/data, rotated, flipped and rolled for
variety, so the GeoTIFFs compress like real ones). Each size is then exported in a fresh subprocess through the real
view (DRF `DatasetZip`, its StreamingHttpResponse consumed chunk by chunk, as a WSGI server would) and measured twice:

- speed, without tracing: chips/s while the chips stream (from the first chip's files to the last's), time to the
  first byte, and the whole zip's time per chip (with the collection, summary and documentation PDF at its end);
- peak memory, in another child: Python heap peak (tracemalloc) and peak RSS growth over the warmed-up process
  (VmHWM, reset first).

Both children run with glibc's malloc set as docker-compose's web service sets it (bench/_server.py reads it from
docker-compose.yml): allocations of 512 KB and more are mapped, and given back when freed, and the heap is trimmed
only past 32 MB free. With glibc's
dynamic defaults (`--default-malloc`) the peak RSS growth drifts with the number of chips (freed buffers fragment
the heap); with a 128 KB threshold, which also trims the heap at 128 KB, every chip's buffers are faulted in anew
and the export runs at about 60 % of the speed.

    .venv/bin/python bench/export.py [--sizes 10 100 1000]

Targets: streaming >= 100 chips/s; peak memory flat (within ±20 %) from 100 to 1000 chips. Writes
bench/out/export.png.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from _server import web_malloc_env  # noqa: E402
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lcnet")
os.environ["DJANGO_SETTINGS_MODULE"] = "lcnet_site.settings"
os.environ.setdefault("SECRET_KEY", "lcnet-bench-only")  # the settings refuse to start without one
os.environ.setdefault("LCNET_HTTPS", "false")  # plain HTTP on loopback
os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory: that would not be flat
TILES = ("32NLP", "32NMP", "32NNP", "32NPP", "32NQP")
WARM_TILE, WARM_CHIPS = "32PLQ", 3


def django_setup(db_name: str | None = None):
    if db_name:
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db_name}"
    import django

    django.setup()


def templates():
    """(label uint8, score float32 0..1) of the real chips in their 8 flips/rotations."""
    import rasterio

    from lcnet_site.sample_data import shared_data_dir

    out = []
    for path in sorted((shared_data_dir() / "landcovernet_af_labels").glob("*/labels.tif")):
        with rasterio.open(path) as src:
            cls, pct = src.read()
        label, score = cls.astype(np.uint8), np.where(cls > 0, pct / 100, 0).astype(np.float32)
        for k in range(4):
            for flip in (False, True):
                a, b = (label[::-1], score[::-1]) if flip else (label, score)
                out.append((np.rot90(a, k).copy(), np.rot90(b, k).copy()))
    return out


def seed(tile_id: str, n: int, variants) -> None:
    """n complete chips of one tile: tasks, 24 scenes and 64 ConsensusLabels each, bulk-created per 50 chips."""
    from datetime import date, timedelta

    from django.utils import timezone

    from consensus.models import ConsensusLabel
    from export.summaries import chip_summaries_refresh
    from imagery.lib.domain import TASK_SIZE, TASKS_PER_SIDE
    from imagery.models import Chip, Scene, Task, Tile

    tile = Tile.objects.create(id=tile_id, epsg=32632)
    now = timezone.now()
    dates = [date(2018, 1, 5) + timedelta(days=15 * i) for i in range(24)]
    for start in range(0, n, 50):
        chips = []
        for i in range(start, min(n, start + 50)):
            x, y = 300_000 + (i % 30) * 2560, 1_000_000 + (i // 30) * 2560
            chips.append(Chip(id=f"{tile_id}_{i:04d}", tile=tile, epsg=32632, transform=[10, 0, x, 0, -10, y],
                              bounds=[x, y - 2560, x + 2560, y]))
        Chip.objects.bulk_create(chips)
        tasks = Task.objects.bulk_create(
            Task(chip=c, row=r, col=k) for c in chips for r in range(TASKS_PER_SIDE) for k in range(TASKS_PER_SIDE)
        )
        Scene.objects.bulk_create(
            Scene(chip=c, date=d, cloud_fraction=0.1, file=f"scenes/{tile_id}/{c.id}/{d}.tif")
            for c in chips for d in dates
        )
        rows = []
        for j, chip in enumerate(chips):
            label, score = variants[(start + j) % len(variants)]
            shift = (start + j) // len(variants)
            label, score = np.roll(label, shift, axis=1), np.roll(score, shift, axis=1)
            for task in tasks[j * 64:(j + 1) * 64]:
                r, k = task.row * TASK_SIZE, task.col * TASK_SIZE
                win = np.s_[r:r + TASK_SIZE, k:k + TASK_SIZE]
                lab, sc = np.ascontiguousarray(label[win]), np.ascontiguousarray(score[win])
                rows.append(ConsensusLabel(task=task, label=lab.tobytes(), score=sc.tobytes(), method="bayes",
                                           inputs={}, mean_score=float(sc[lab > 0].mean()) if (lab > 0).any() else 0,
                                           disagreement=0.5, computed_at=now))
        ConsensusLabel.objects.bulk_create(rows, batch_size=1000)
        # rows loaded by other means than the consensus services: recount the chips' export summaries
        chip_summaries_refresh(chip_ids=[c.id for c in chips])


def export_once(tile_id: str) -> tuple[int, int, list[float]]:
    """Consume the dataset.zip response of one tile through the real view: (bytes, chunks, arrival time of each)."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIRequestFactory, force_authenticate

    from export.api import DatasetZip

    user = get_user_model()(username="bench", is_staff=True, is_superuser=True)
    # a Host the settings allow, as a real request has (the STAC source links start with its origin)
    request = APIRequestFactory().get("/api/export/dataset.zip", {"tile": tile_id}, HTTP_HOST="localhost")
    force_authenticate(request, user=user)
    response = DatasetZip.as_view()(request)
    assert response.status_code == 200, response.status_code
    size, times = 0, []
    for chunk in response.streaming_content:
        size += len(chunk)
        times.append(time.perf_counter())
    return size, len(times), times


def _rss_peak_reset() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM (Linux)
        return True
    except OSError:
        return False


def _vm(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def child(db_name: str, tile_id: str, n: int, mode: str) -> None:
    """One export of the tile, timed ("speed") or measured for memory ("memory": RSS peak, then traced heap)."""
    django_setup(db_name)
    export_once(WARM_TILE)  # imports, GDAL drivers, DB connection: not part of the per-chip cost
    if mode == "speed":
        t0 = time.perf_counter()
        size, chunks, times = export_once(tile_id)
        elapsed = time.perf_counter() - t0
        chip_ends = times[2:3 * n:3]  # a chip's 3 files arrive together: the stac.json closes each chip
        streaming = (n - 1) / (chip_ends[-1] - chip_ends[0]) if n > 1 else None
        per_chip = np.diff([t0] + chip_ends)
        tenth = max(1, len(per_chip) // 10)
        first, last = float(np.median(per_chip[:tenth])), float(np.median(per_chip[-tenth:]))
        print(json.dumps(dict(seconds=elapsed, bytes=size, chunks=chunks, first=first, last=last,
                              first_byte=times[0] - t0, streaming=streaming)))
        return
    rss_before = _vm("VmRSS")
    reset = _rss_peak_reset()
    export_once(tile_id)
    rss_growth = (_vm("VmHWM") - rss_before) if reset else None
    tracemalloc.start()
    export_once(tile_id)  # again, traced
    heap_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps(dict(heap_peak=heap_peak, rss_growth=rss_growth, rss_peak=_vm("VmHWM"))))


def plot(results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [r["n"] for r in results]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    a.plot(ns, [1000 * r["seconds"] / r["n"] for r in results], "o-")
    a.set_xscale("log"), a.set_xlabel("chips"), a.set_ylabel("ms per chip"), a.set_title("dataset.zip time per chip")
    b.plot(ns, [r["heap_peak"] / 2**20 for r in results], "o-", label="Python heap peak (tracemalloc)")
    if all(r["rss_growth"] is not None for r in results):
        b.plot(ns, [r["rss_growth"] / 2**20 for r in results], "s-", label="peak RSS growth")
    b.set_xscale("log"), b.set_xlabel("chips"), b.set_ylabel("MiB"), b.set_ylim(bottom=0), b.legend(fontsize=8)
    b.set_title("peak memory while streaming")
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--default-malloc", action="store_true", help="keep glibc's dynamic mmap threshold")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child[0], args.child[1], int(args.child[2]), args.child[3])
    if len(args.sizes) > len(TILES):
        parser.error(f"at most {len(TILES)} sizes")

    from tqdm import tqdm

    django_setup()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"lcnet_bench_export_{os.getpid()}"
    db_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results = []
    try:
        variants = templates()
        for tile_id, n in tqdm([(WARM_TILE, WARM_CHIPS)] + list(zip(TILES, args.sizes)), desc="seeding", unit="size"):
            seed(tile_id, n, variants)
        connection.close()
        for tile_id, n in zip(TILES, args.sizes):
            r = {"n": n}
            for mode in ("speed", "memory"):
                env = dict(os.environ) if args.default_malloc else {**os.environ, **web_malloc_env()}
                out = subprocess.run([sys.executable, __file__, "--child", db_name, tile_id, str(n), mode],
                                     check=True, capture_output=True, text=True, cwd=ROOT, env=env)
                r.update(json.loads(out.stdout.strip().splitlines()[-1]))
            results.append(r)
            rss = "n/a" if r["rss_growth"] is None else f"{r['rss_growth'] / 2**20:6.2f} MiB"
            streaming = "" if r["streaming"] is None else f"streaming {r['streaming']:5.1f} chips/s, "
            print(f"N={n:5d}: {streaming}first byte {1000 * r['first_byte']:.0f} ms, whole zip "
                  f"{1000 * r['seconds'] / n:6.1f} ms/chip ({n / r['seconds']:5.1f} chips/s, with the collection, "
                  f"summary and documentation at the end), zip {r['bytes'] / 2**20:7.1f} MiB in {r['chunks']} chunks, "
                  f"heap peak {r['heap_peak'] / 2**20:6.2f} MiB, peak RSS growth {rss} "
                  f"(process peak RSS {r['rss_peak'] / 2**20:.0f} MiB); median ms/chip first tenth "
                  f"{1000 * r['first']:.1f}, last tenth {1000 * r['last']:.1f}", flush=True)
        if results and results[-1]["streaming"] is not None:
            rate = results[-1]["streaming"]
            print(f"streaming at N={results[-1]['n']}: {rate:.1f} chips/s (target >= 100) -> "
                  f"{'MET' if rate >= 100 else 'NOT met'}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    by_n = {r["n"]: r for r in results}
    if 100 in by_n and 1000 in by_n:
        for key, name in (("heap_peak", "Python heap peak"), ("rss_growth", "peak RSS growth")):
            if by_n[100][key] and by_n[1000][key] is not None:
                change = 100 * (by_n[1000][key] / by_n[100][key] - 1)
                verdict = "flat (within ±20 %)" if abs(change) <= 20 else "NOT flat"
                print(f"{name} from 100 to 1000 chips: {change:+.1f} % -> {verdict}")
    settings = " ".join(f"{k}={v}" for k, v in web_malloc_env().items())
    print("malloc:", "glibc default" if args.default_malloc else settings)
    plot(results, ROOT / "bench" / "out" / "export.png")
    print("plot: bench/out/export.png  (2 shared cores: figures taken under load)")


if __name__ == "__main__":
    main()
