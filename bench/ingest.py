"""Ingest throughput on the real sample data: chips/s and MB/s, per source and in total, plus window reads.

Runs the same code as `ingest_chips` (read → cut/pad/stretch → COG + rows) into a throw-away SQLite database and
media folder (or the database named by --database-url), so it never touches the app's data.

    .venv/bin/python bench/ingest.py [--repeat 3] [--windows 2000] [--database-url postgres://…/lcnet_bench]

MB are MiB of uncompressed reflectance ingested (n_scenes × 10 bands × 256 × 256 × 2 bytes per chip).
Columns: scan = find sources and check metadata; read = read pixels, cut/pad, stretch, fingerprint; write = COGs + rows.
Prints figures and writes bench/out/ingest.png. The machine's 2 cores are shared: figures are taken under load.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str | None, workdir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcnet_site.settings")
    os.environ.setdefault("SECRET_KEY", "lcnet-bench-only")  # the settings refuse to start without one
    os.environ.setdefault("LCNET_HTTPS", "false")  # plain HTTP on loopback
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def run_source(folder: Path, options: dict) -> dict:
    from imagery.lib.ingest import prepare_chips
    from imagery.services import chips_ingest
    from imagery.lib.sources import read_sources

    t0 = time.perf_counter()
    sources, _ = read_sources([folder], fallback_date=options.get("date"))
    t1 = time.perf_counter()
    prepared = [chip for source in sources for chip in prepare_chips(source)]
    t2 = time.perf_counter()
    results = chips_ingest(chips=prepared)
    t3 = time.perf_counter()
    return {
        "chips": len(results), "created": sum(r.created for r in results),
        "scenes": sum(r.n_scenes for r in results), "mib": sum(r.nbytes for r in results) / 2**20,
        "read": t1 - t0, "prepare": t2 - t1, "write": t3 - t2, "total": t3 - t0,
    }


def window_reads(n: int) -> tuple[float, float]:
    """ms per random 32×32 task window (all 12 bands) and ms per full chip stack of the longest series."""
    import numpy as np
    from django.db.models import Count

    from imagery.models import Chip, Scene
    from imagery.selectors import read_chip_stack, read_scene_window

    rng = np.random.default_rng(0)
    scenes = list(Scene.objects.all())
    picks = rng.integers(0, len(scenes), n)
    cells = rng.integers(0, 8, (n, 2))
    t0 = time.perf_counter()
    for i, (r, c) in zip(picks, cells):
        read_scene_window(scenes[i], (r * 32, c * 32, 32, 32))
    per_window = (time.perf_counter() - t0) / n * 1000
    chip = Chip.objects.annotate(n=Count("scenes")).order_by("-n").first()
    t0 = time.perf_counter()
    for _ in range(10):
        read_chip_stack(chip)
    return per_window, (time.perf_counter() - t0) / 10 * 1000


def plot(per_source: dict[str, dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(per_source)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    axes[0].barh(names, [per_source[n]["chips"] / per_source[n]["total"] for n in names], color="#2b6cb0")
    axes[0].set_xlabel("chips / s")
    axes[1].barh(names, [per_source[n]["mib"] / per_source[n]["total"] for n in names], color="#2f855a")
    axes[1].set_xlabel("MiB reflectance / s")
    axes[1].set_yticklabels([])
    fig.suptitle("lcnet ingest throughput on the shared Sentinel-2 sample data (median of runs, 2 shared cores)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--windows", type=int, default=2000)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    from tqdm import tqdm

    with tempfile.TemporaryDirectory(prefix="lcnet-bench-ingest-") as tmp:
        setup_django(args.database_url, Path(tmp))
        from demo.setup import DEMO_SOURCES
        from imagery.models import Chip
        from imagery.services import chip_delete
        from lcnet_site.sample_data import shared_data_dir

        root = shared_data_dir()
        runs: dict[str, list[dict]] = {name: [] for name, _ in DEMO_SOURCES}
        for _ in tqdm(range(args.repeat), desc="ingest runs"):
            for chip in Chip.objects.all():
                chip_delete(chip=chip)
            for name, options in DEMO_SOURCES:
                runs[name].append(run_source(root / name, options))
        again = [run_source(root / name, options) for name, options in DEMO_SOURCES]  # all unchanged
        per_window, per_stack = window_reads(args.windows)

    median = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
    print(f"ingest of the shared sample data, median of {args.repeat} run(s) (2 shared cores):")
    print(f"{'source':<30}{'chips':>6}{'scenes':>8}{'MiB':>8}{'scan s':>8}{'read s':>8}{'write s':>9}"
          f"{'chips/s':>9}{'MiB/s':>8}")
    for name, m in median.items():
        print(f"{name:<30}{m['chips']:>6.0f}{m['scenes']:>8.0f}{m['mib']:>8.1f}{m['read']:>8.3f}{m['prepare']:>8.3f}"
              f"{m['write']:>9.3f}{m['chips'] / m['total']:>9.1f}{m['mib'] / m['total']:>8.1f}")
    chips = sum(m["chips"] for m in median.values())
    mib = sum(m["mib"] for m in median.values())
    total = sum(m["total"] for m in median.values())
    print(f"TOTAL: {chips:.0f} chips, {mib:.1f} MiB in {total:.2f} s -> {chips / total:.1f} chips/s, "
          f"{mib / total:.1f} MiB/s")
    again_s = sum(r["total"] for r in again)
    print(f"re-ingest (all unchanged, {sum(r['created'] for r in again)} created): {again_s:.2f} s "
          f"-> {chips / again_s:.1f} chips/s")
    print(f"read_scene_window 32x32x12: {per_window:.2f} ms/window ({args.windows} random windows); "
          f"read_chip_stack of the longest series: {per_stack:.1f} ms")
    out = ROOT / "bench" / "out" / "ingest.png"
    plot(median, out)
    print(f"plot: {out}")


if __name__ == "__main__":
    main()
