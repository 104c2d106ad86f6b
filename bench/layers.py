"""Task imagery benchmark: layer PNGs through the real HTTP stack vs rio-tiler on the same windows of the same COGs.

    .venv/bin/python bench/layers.py [--tasks-per-chip 3] [--rounds 3]

Builds a throw-away Postgres database (settings_test) and ingests real Sentinel-2 sample data with the project's own
ingest (`sources_ingest`): the two LandCoverNet L2A chips (1 date each, SCL), the eo-learn patch (5 dates) and the
THEIA Bouconne series (7 dates) — 4 chips, 14 scenes. Then for every layer × context × sampled task × scene of its chip:
- lcnet cold: the process caches emptied first, so the scene list is queried and the COG read and decoded (OS page
  cache warm);
- lcnet warm: the scene already decoded in the process cache (switching layers/dates/tasks of a chip);
- warm cpu: CPU time of this process for the warm request (what load on the shared cores does not inflate);
- lcnet core: the same warm render in-process (cached scene slice → render → PNG), no HTTP: like for like with
- rio-tiler http: the same request through the same stack (Django, DRF session auth, access_task, scene lookup) to a
  bench-only view whose pixels come from rio-tiler: Reader.read(window=…) + rescale (+ colormap for indices) + PNG;
- rio-tiler in-process: that rio-tiler render alone (no HTTP, no DB).
The user is an annotator assigned to the chips through annotation.services (the real hot path of the labeling page).
Prints p50/p99 in ms per layer and context and the ratios; writes bench/out/layers.png.
Needs: pip install -r bench/requirements.txt (rio-tiler).
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcnet_site.settings_test")
os.environ.setdefault("LCNET_TEST_DB", f"test_lcnet_bench_layers_{os.getpid()}")

CONTEXTS = (0, 32, 256)
TARGET_MS = 15.0


def percentiles(samples: list[float]) -> tuple[float, float]:
    a = np.asarray(samples) * 1000
    return float(np.percentile(a, 50)), float(np.percentile(a, 99))


def rio_tiler_renderer(stretch_low, stretch_high):
    from rasterio.windows import Window
    from rio_tiler.colormap import cmap
    from rio_tiler.io import Reader

    from imagery.lib.domain import BAND_INDEX

    composites = {"rgb": ("B04", "B03", "B02"), "false_color": ("B08", "B04", "B03"), "swir": ("B12", "B8A", "B04")}
    b = {name: f"b{i + 1}" for name, i in BAND_INDEX.items()}
    indices = {
        "ndvi": (f"({b['B08']}-{b['B04']})/({b['B08']}+{b['B04']})", cmap.get("rdylgn")),
        "ndwi": (f"({b['B03']}-{b['B08']})/({b['B03']}+{b['B08']})", cmap.get("brbg")),
    }

    def render(path, layer, window):
        win = Window(window[1], window[0], window[3], window[2])
        with Reader(path, options={"nodata": 0}) as src:
            if layer in composites:
                idx = [BAND_INDEX[n] for n in composites[layer]]
                img = src.read(indexes=[i + 1 for i in idx], window=win)
                img = img.rescale(in_range=[(stretch_low[i], stretch_high[i]) for i in idx])
                return img.render(img_format="PNG")
            expression, colormap = indices[layer]
            img = src.read(expression=expression, window=win).rescale(in_range=[(-1, 1)])
            return img.render(img_format="PNG", colormap=colormap)

    return render


RIO_RENDERERS: dict = {}  # chip id -> rio-tiler render function, filled by run()
urlpatterns: list = []  # this module is the ROOT_URLCONF while the benchmark runs


def rio_view_and_urls():
    """A bench-only view serving the same windows rendered by rio-tiler, behind the same auth and access check."""
    from django.core.files.storage import default_storage
    from django.http import HttpResponse
    from django.urls import include, path
    from rest_framework.decorators import api_view

    from annotation.access import access_task
    from imagery.layer_selectors import layer_image

    @api_view(["GET"])
    def rio_layer(request, task_id: int, layer: str):
        image = layer_image(access_task(request.user, task_id), layer, scene=int(request.GET["scene"]),
                            context=int(request.GET["context"]), cloud_style="none")
        png = RIO_RENDERERS[image.task.chip_id](default_storage.path(image.scene.file.name), layer, image.window)
        return HttpResponse(png, content_type="image/png")

    urlpatterns[:] = [
        path("bench/rio/tasks/<int:task_id>/layers/<str:layer>.png", rio_layer),
        path("", include("lcnet_site.urls")),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks-per-chip", type=int, default=3, help="tasks with data sampled from each chip")
    parser.add_argument("--rounds", type=int, default=3, help="warm repetitions of each request")
    args = parser.parse_args()

    from django.conf import settings

    from _throwaway import throwaway_django

    with throwaway_django("layers"):
        rio_view_and_urls()
        settings.ROOT_URLCONF = __name__
        run(args)


def run(args) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.storage import default_storage
    from django.test import Client
    from tqdm import tqdm

    from imagery.lib import render
    from imagery.lib.windows import Window, context_window
    from imagery.layer_cache import clear_caches, scene_window
    from imagery.models import Chip
    from imagery.services import sources_ingest
    from lcnet_site.sample_data import shared_data_dir

    data = shared_data_dir()
    sources_ingest(paths=[data / "landcovernet_s2_chips"], date=date(2018, 6, 1))  # chipA carries no date
    sources_ingest(paths=[data / "eolearn_testeopatch"])
    sources_ingest(paths=[data / "theia_l3a_bouconne_2018"])
    rng = np.random.default_rng(0)
    tasks, scenes, paths = [], {}, {}
    for chip in Chip.objects.all():
        with_data = list(chip.tasks.filter(has_data=True))
        picks = rng.choice(len(with_data), size=min(args.tasks_per_chip, len(with_data)), replace=False)
        tasks += [with_data[i] for i in sorted(picks)]
        scenes[chip.id] = list(chip.scenes.all())
        paths[chip.id] = [default_storage.path(s.file.name) for s in scenes[chip.id]]
        RIO_RENDERERS[chip.id] = rio_tiler_renderer(chip.stretch_low, chip.stretch_high)
    # The realistic hot path: an annotator whose chips were assigned through the annotation service.
    from annotation.services import assignments_create
    from lcnet_site.roles import ANNOTATOR, ensure_roles

    ensure_roles()
    annotator = get_user_model().objects.create_user("bench", password="bench")
    annotator.groups.add(Group.objects.get(name=ANNOTATOR))
    assignments_create(chip_ids=list(scenes), user_ids=[annotator.pk])
    client = Client()
    client.force_login(annotator)

    def lcnet(task, layer, k, context, prefix="/api"):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(f"{prefix}/tasks/{task.pk}/layers/{layer}.png", {"scene": k, "context": context})
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert response.status_code == 200, response.content
        return elapsed, response, cpu

    times: dict[tuple[str, int, str], list[float]] = {}
    revalidate: list[float] = []
    combos = [(layer, c, t, k) for layer in render.LAYERS for c in CONTEXTS for t in tasks
              for k in range(len(scenes[t.chip_id]))]
    combos = [combos[i] for i in rng.permutation(len(combos))]  # interleaved: load swings hit every layer alike
    for layer, context, task, k in tqdm(combos, desc="layers", unit="window"):
        window, _ = context_window(Window(*task.window), context)
        chip, scene, rio = task.chip, scenes[task.chip_id][k], RIO_RENDERERS[task.chip_id]
        clear_caches()
        elapsed, response, _ = lcnet(task, layer, k, context)
        times.setdefault((layer, context, "cold"), []).append(elapsed)
        for _ in range(args.rounds):
            elapsed, _, cpu = lcnet(task, layer, k, context)
            times.setdefault((layer, context, "warm"), []).append(elapsed)
            times.setdefault((layer, context, "cpu"), []).append(cpu)
            t0 = time.perf_counter()
            render.encode_png(render.render(layer, scene_window(scene, window), chip.stretch_low,
                                            chip.stretch_high, origin=window[:2]))
            times.setdefault((layer, context, "core"), []).append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            rio(paths[task.chip_id][k], layer, window)
            times.setdefault((layer, context, "rio"), []).append(time.perf_counter() - t0)
            times.setdefault((layer, context, "rio_http"), []).append(lcnet(task, layer, k, context, "/bench/rio")[0])
        t0 = time.perf_counter()
        etag = response["ETag"]
        not_modified = client.get(f"/api/tasks/{task.pk}/layers/{layer}.png", {"scene": k, "context": context},
                                  headers={"If-None-Match": etag})
        revalidate.append(time.perf_counter() - t0)
        assert not_modified.status_code == 304

    n_scenes = sum(len(v) for v in scenes.values())
    report(times, revalidate, args, f"{len(tasks)} tasks of {len(scenes)} ingested real chips ({n_scenes} scenes)")


def report(times, revalidate, args, what: str) -> None:
    from imagery.lib import render

    print(f"\nlcnet task layers: {what}, every scene of each task's chip × contexts {CONTEXTS}, "
          f"{args.rounds} warm rounds; 2 shared cores under load (load average now "
          f"{os.getloadavg()[0]:.1f}); times in ms")
    print(f"{'layer':<12}{'ctx':>4} {'cold p50':>9}{'p99':>7} {'warm p50':>9}{'p99':>7} {'cpu p50':>8} {'core p50':>9}"
          f" {'rio http p50':>13}{'p99':>7} {'rio p50':>8} {'warm/rio http':>14}{'cold/rio http':>14}{'core/rio':>9}")
    rows = []
    for context in CONTEXTS:
        for layer in render.LAYERS:
            cold, warm, rio_http, rio, core, cpu = (percentiles(times[(layer, context, k)])
                                                    for k in ("cold", "warm", "rio_http", "rio", "core", "cpu"))
            rows.append((layer, context, cold, warm, rio_http, rio))
            print(f"{layer:<12}{context:>4} {cold[0]:>9.2f}{cold[1]:>7.2f} {warm[0]:>9.2f}{warm[1]:>7.2f} "
                  f"{cpu[0]:>8.2f} {core[0]:>9.2f} {rio_http[0]:>13.2f}{rio_http[1]:>7.2f} {rio[0]:>8.2f} "
                  f"{warm[0] / rio_http[0]:>14.2f}{cold[0] / rio_http[0]:>14.2f}{core[0] / rio[0]:>9.2f}")
    at32 = [r for r in rows if r[1] == 32]
    warm32 = max(r[3][0] for r in at32)
    ratio_http = max(r[3][0] / r[4][0] for r in at32)
    ratio_inproc = max(r[3][0] / r[5][0] for r in at32)
    p50, p99 = percentiles(revalidate)
    print(f"304 revalidation: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"context 32: worst warm p50 {warm32:.2f} ms (target < {TARGET_MS:.0f}); worst lcnet/rio-tiler through the "
          f"same stack {ratio_http:.2f} (target <= 1); worst lcnet over HTTP / rio-tiler in-process {ratio_inproc:.2f} "
          f"-> {'MET' if warm32 < TARGET_MS and ratio_http <= 1 else 'NOT MET'}")
    plot(rows)


def plot(rows) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    fig, axes = plt.subplots(1, len(CONTEXTS), figsize=(5 * len(CONTEXTS), 4), sharey=True)
    for ax, context in zip(axes, CONTEXTS):
        sel = [r for r in rows if r[1] == context]
        x = np.arange(len(sel))
        series = (("lcnet cold", 2), ("lcnet warm", 3), ("rio-tiler, same stack", 4), ("rio-tiler in-process", 5))
        for i, (label, key) in enumerate(series):
            ax.bar(x + (i - 1.5) * 0.2, [r[key][0] for r in sel], 0.2, label=label)
        ax.set_xticks(x, [r[0] for r in sel], rotation=30)
        ax.set_title(f"context {context} px")
        ax.axhline(TARGET_MS, color="grey", linestyle=":", linewidth=1, label=f"target {TARGET_MS:.0f} ms")
    axes[0].set_ylabel("p50 latency (ms)")
    axes[0].legend()
    fig.suptitle("Task layer PNG latency (p50): lcnet vs rio-tiler on the same windows")
    fig.tight_layout()
    fig.savefig(out / "layers.png", dpi=100)
    print(f"plot: {out / 'layers.png'}")


if __name__ == "__main__":
    main()
