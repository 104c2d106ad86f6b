"""Task layers on local storage vs on S3, side by side: latency and bytes read from storage per layer request.

    .venv/bin/python bench/layers_s3.py [--tasks-per-chip 3] [--layers rgb,ndvi]

Builds a throw-away Postgres database (settings_test), ingests the real Sentinel-2 sample data with the project's
own ingest onto local storage — the two LandCoverNet L2A chips, the eo-learn patch (5 dates) and the THEIA
Bouconne series (7 dates) — then copies every stored scene COG to a SeaweedFS bucket on loopback (started here on
free ports, like the tests) under the same names. Every request then runs twice, once per storage, interleaved
(local, S3, local, S3 …: load swings hit both alike), through the real HTTP stack as an assigned annotator:

- cold: the process caches emptied first, so the scene's header and the window's 32×32 blocks come from storage
  (imagery.layer_cache.BlockFill; on S3 through GDAL's /vsis3/ byte ranges, imagery/stored_files.py);
- warm: the same request again (the blocks decoded in the process cache: no storage read on either).

Bytes from storage: local = what the process read from files during the request (/proc/self/io rchar: read()
syscalls; the database socket is read with recv(), which it does not count); S3 = what GDAL downloaded (its network
statistics, imagery/lib/netstats.py), and its number of GETs. Targets: S3 bytes ≤ 2× local and S3 cold p50 within
2× of local, per context. Prints the table, writes bench/out/layers_s3.png.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcnet_site.settings_test")
os.environ.setdefault("LCNET_TEST_DB", f"test_lcnet_bench_layers_s3_{os.getpid()}")

CONTEXTS = (0, 32, 256)
BYTES_TARGET, P50_TARGET = 2.0, 2.0


def rchar() -> int:
    with open("/proc/self/io") as fh:
        for line in fh:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    raise RuntimeError("no rchar in /proc/self/io")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks-per-chip", type=int, default=3, help="tasks with data sampled from each chip")
    parser.add_argument("--layers", default="rgb,ndvi", help="comma-separated layers (imagery.lib.render.LAYERS)")
    args = parser.parse_args()

    from _throwaway import throwaway_django

    from tests.seaweedfs import SeaweedFS

    with tempfile.TemporaryDirectory(prefix="lcnet-bench-s3-") as tmp:
        server = SeaweedFS(Path(tmp)).start()
        try:
            with throwaway_django("layers_s3"):
                run(args, server)
        finally:
            server.stop()


def run(args, server) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.storage import default_storage
    from django.test import Client, override_settings
    from tqdm import tqdm

    from annotation.services import assignments_create
    from imagery.layer_cache import clear_caches
    from imagery.lib.netstats import counting
    from imagery.models import Chip, Scene
    from imagery.services import sources_ingest
    from lcnet_site.roles import ANNOTATOR, ensure_roles
    from lcnet_site.sample_data import shared_data_dir
    from lcnet_site.storage import s3_storage
    from tests.seaweedfs import ACCESS_KEY, REGION, SECRET_KEY

    data = shared_data_dir()
    sources_ingest(paths=[data / "landcovernet_s2_chips"], date=date(2018, 6, 1))  # chipA carries no date
    sources_ingest(paths=[data / "eolearn_testeopatch"])
    sources_ingest(paths=[data / "theia_l3a_bouconne_2018"])
    bucket, prefix = server.create_bucket("lcnet-bench"), f"layers-{os.getpid()}"
    client_s3 = server.client()
    sizes = {}
    for scene in Scene.objects.all():  # the same COGs under the same names, in the bucket
        with default_storage.open(scene.file.name, "rb") as fh:
            blob = fh.read()
        sizes[scene.file.name] = len(blob)
        client_s3.put_object(Bucket=bucket, Key=f"{prefix}/{scene.file.name}", Body=blob)
    s3_storages = {**settings.STORAGES, "default": s3_storage(
        bucket, prefix=prefix, region=REGION, endpoint_url=server.endpoint_url, access_key=ACCESS_KEY,
        secret_key=SECRET_KEY)}

    ensure_roles()
    annotator = get_user_model().objects.create_user("bench", password="bench")
    annotator.groups.add(Group.objects.get(name=ANNOTATOR))
    rng = np.random.default_rng(0)
    tasks, n_scenes = [], {}
    for chip in Chip.objects.all():
        with_data = list(chip.tasks.filter(has_data=True))
        picks = rng.choice(len(with_data), size=min(args.tasks_per_chip, len(with_data)), replace=False)
        tasks += [with_data[i] for i in sorted(picks)]
        n_scenes[chip.id] = chip.scenes.count()
    assignments_create(chip_ids=list(n_scenes), user_ids=[annotator.pk])
    client = Client()
    client.force_login(annotator)

    def request(task, layer, k, context):
        t0 = time.perf_counter()
        response = client.get(f"/api/tasks/{task.pk}/layers/{layer}.png", {"scene": k, "context": context})
        elapsed = time.perf_counter() - t0
        assert response.status_code == 200, response.content
        return elapsed, response.content

    def measure(where, task, layer, k, context):
        clear_caches()
        if where == "local":
            before = rchar()
            elapsed, png = request(task, layer, k, context)
            moved, gets = rchar() - before, 0
        else:
            with override_settings(STORAGES=s3_storages), counting() as stats:
                elapsed, png = request(task, layer, k, context)
            moved, gets = stats.bytes, stats.requests
        with override_settings(STORAGES=s3_storages) if where == "s3" else _nothing():
            warm, again = request(task, layer, k, context)
        assert again == png
        return elapsed, moved, gets, warm, png

    layers = args.layers.split(",")
    combos = [(layer, c, t, k) for layer in layers for c in CONTEXTS for t in tasks for k in range(n_scenes[t.chip_id])]
    combos = [combos[i] for i in rng.permutation(len(combos))]
    for layer, context, task, k in combos[:5]:  # warm the interpreter (imports, first queries) on both storages
        measure("local", task, layer, k, context), measure("s3", task, layer, k, context)
    rows: dict[tuple[str, int], dict[str, list]] = {}
    for layer, context, task, k in tqdm(combos, desc="layer requests (local + S3)", unit="pair"):
        local = measure("local", task, layer, k, context)
        s3 = measure("s3", task, layer, k, context)
        assert local[4] == s3[4], "S3 and local storage rendered different PNGs"
        row = rows.setdefault((layer, context), {key: [] for key in
                                                 ("lt", "lb", "lw", "st", "sb", "sg", "sw")})
        for key, value in zip(("lt", "lb", "lw"), (local[0], local[1], local[3])):
            row[key].append(value)
        for key, value in zip(("st", "sb", "sg", "sw"), (s3[0], s3[1], s3[2], s3[3])):
            row[key].append(value)
    report(rows, sizes, len(tasks), sum(n_scenes.values()), len(n_scenes))


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def ms(values, q=50) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def report(rows, sizes, n_tasks, n_scenes, n_chips) -> None:
    mean_cog = np.mean(list(sizes.values())) / 1024
    print(f"\nlcnet task layers, local storage vs S3 (SeaweedFS on loopback, GDAL /vsis3/ ranges): {n_tasks} tasks of "
          f"{n_chips} ingested real chips, every scene of each ({n_scenes} scenes, mean COG {mean_cog:.0f} KB); "
          f"cold = process caches emptied; load average now {os.getloadavg()[0]:.1f} on 2 shared cores")
    print(f"{'layer':<7}{'ctx':>4} | {'local cold p50':>14}{'p99':>8}{'KB/req':>8} | {'S3 cold p50':>11}{'p99':>8}"
          f"{'KB/req':>8}{'GETs':>6} | {'warm p50 local':>14}{'S3':>8} | {'S3/local p50':>12}{'bytes':>7}")
    verdict, plot_rows = [], []
    for (layer, context), r in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        lb, sb = np.mean(r["lb"]) / 1024, np.mean(r["sb"]) / 1024
        p50_ratio, bytes_ratio = ms(r["st"]) / ms(r["lt"]), sb / lb
        verdict.append((p50_ratio, bytes_ratio))
        plot_rows.append((layer, context, ms(r["lt"]), ms(r["st"]), lb, sb))
        print(f"{layer:<7}{context:>4} | {ms(r['lt']):>14.2f}{ms(r['lt'], 99):>8.2f}{lb:>8.1f} | {ms(r['st']):>11.2f}"
              f"{ms(r['st'], 99):>8.2f}{sb:>8.1f}{np.mean(r['sg']):>6.1f} | {ms(r['lw']):>14.2f}{ms(r['sw']):>8.2f}"
              f" | {p50_ratio:>12.2f}{bytes_ratio:>7.2f}")
    worst_p50, worst_bytes = max(v[0] for v in verdict), max(v[1] for v in verdict)
    met = worst_p50 <= P50_TARGET and worst_bytes <= BYTES_TARGET
    print(f"worst S3/local: bytes {worst_bytes:.2f} (target <= {BYTES_TARGET:g}), cold p50 {worst_p50:.2f} "
          f"(target <= {P50_TARGET:g}) -> {'MET' if met else 'NOT MET'}")
    plot(plot_rows)


def plot(rows) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    labels = [f"{layer}\nctx {context}" for layer, context, *_ in rows]
    x = np.arange(len(rows))
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4))
    a.bar(x - 0.2, [r[2] for r in rows], 0.4, label="local")
    a.bar(x + 0.2, [r[3] for r in rows], 0.4, label="S3 (/vsis3/ ranges)")
    a.set_ylabel("cold layer request p50 (ms)")
    b.bar(x - 0.2, [r[4] for r in rows], 0.4, label="local")
    b.bar(x + 0.2, [r[5] for r in rows], 0.4, label="S3 (/vsis3/ ranges)")
    b.set_ylabel("KB read from storage per request")
    for ax in (a, b):
        ax.set_xticks(x, labels)
        ax.legend()
    fig.suptitle("Task layer requests: local storage vs S3 (SeaweedFS on loopback)")
    fig.tight_layout()
    fig.savefig(out / "layers_s3.png", dpi=100)
    print(f"plot: {out / 'layers_s3.png'}")


if __name__ == "__main__":
    main()
