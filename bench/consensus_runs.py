"""Calibration and versioned-run figures for bench/consensus.py (imported by it; also runnable alone).

calibration(): the paper's score and Dawid–Skene's posterior, raw and through the cross-validated isotonic map, on
simulated annotators with known confusion matrices (tests/simulated_annotators.py: accuracies 0.90 / 0.73 / 0.69 /
0.80, systematic confusions) over real LandCoverNet truth, 540 reference tasks (the paper's count): held-out ECE per
method and a reliability PNG.

runs(): the cost of a versioned run, measured in a throw-away Postgres database on a sample of chips through the
real services (3 simulated annotators a chip, submitted annotations with their revision history), extrapolated to
LandCoverNet (9,216 chips x 64 tasks = 589,824 tasks, 589.8 M pixels): a full recompute (run 1), a new run with
nothing changed, a new run with another method (every row changes: the older run keeps one version per task, the
worst case of storage), and --reproduce of a run; storage from pg_total_relation_size.
"""
from __future__ import annotations

import base64
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LCN_TASKS = 9_216 * 64  # 589,824 tasks = 589.8 M pixels
ACCURACIES = (0.90, 0.73, 0.69, 0.80)


def calibration(out_png: Path, n_tasks: int = 540) -> dict:
    from consensus.lib import calibration as cal
    from consensus.lib.plots import reliability_png
    from tests.simulated_annotators import simulate

    truth, labels, annotators, _ = simulate(n_tasks, ACCURACIES, seed=1)
    results, curves = {}, {}
    for method in ("bayes", "dawid-skene"):
        t0 = time.process_time()
        fit = cal.cross_validated(method, labels, annotators, truth, k=5)
        results[method] = {**fit, "cpu_s": time.process_time() - t0}
        curves[f"{method}: score"] = fit["reliability_uncalibrated"]
        curves[f"{method}: calibrated"] = fit["reliability"]
        print(f"calibration {method}: held-out ECE {fit['ece']:.4f} calibrated, {fit['ece_uncalibrated']:.4f} as the "
              f"score is; {fit['n_reference_tasks']} reference tasks, {fit['n_pixels']:,} held-out pixels, "
              f"{fit['folds']} folds; {results[method]['cpu_s']:.1f} s CPU")
    out_png.parent.mkdir(parents=True, exist_ok=True)
    out_png.write_bytes(base64.b64decode(reliability_png(curves)))
    print(f"  reliability diagram: {out_png}")
    return results


def _seed(n_chips: int, seed: int = 0) -> None:
    """n_chips chips of 64 tasks on one tile, 3 annotators each (of a pool of 12), simulated labels of real truth."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from annotation.models import Annotation, AnnotationRevision, Assignment, Status
    from imagery.models import Chip, Task, Tile
    from tests.simulated_annotators import confusion_matrix, label_with, real_tasks

    rng = np.random.default_rng(seed)
    group, _ = Group.objects.get_or_create(name="annotator")
    pool = []
    for i in range(12):
        user = get_user_model().objects.create_user(username=f"bench{i}", password="x")
        user.groups.add(group)
        pool.append(user)
    confusions = [confusion_matrix(a) for a in rng.uniform(0.65, 0.92, len(pool))]
    tile = Tile.objects.create(id="32NLP", epsg=32632)
    truth = real_tasks(n_chips * 64, seed)
    now = timezone.now()
    for c in range(n_chips):
        chip = Chip.objects.create(id=f"32NLP_{c:04d}", tile=tile, epsg=32632, transform=[10, 0, 0, 0, -10, 0],
                                   bounds=[0, -2560, 2560, 0])
        tasks = Task.objects.bulk_create(Task(chip=chip, row=r, col=k) for r in range(8) for k in range(8))
        crew = rng.choice(len(pool), 3, replace=False)
        for slot, a in enumerate(crew, start=1):
            Assignment.objects.create(chip=chip, user=pool[a], slot=slot)
        anns = [Annotation(task=t, annotator=pool[a], labels=label_with(truth[c * 64 + i], confusions[a], rng).tobytes(),
                           guess=bytes(1024), status=Status.SUBMITTED, revision=1, submitted_at=now)
                for i, t in enumerate(tasks) for a in crew]
        Annotation.objects.bulk_create(anns)
        AnnotationRevision.objects.bulk_create(AnnotationRevision(annotation=a, author_id=a.annotator_id, revision=1,
                                                                  labels=a.labels, status=Status.SUBMITTED)
                                               for a in anns)


def _size(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_total_relation_size(%s)", [table])
        return int(cur.fetchone()[0])


def runs(n_chips: int) -> dict:
    """Time and storage of versioned runs on n_chips, extrapolated to LandCoverNet."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcnet_site.settings")
    os.environ.setdefault("SECRET_KEY", "lcnet-bench-only")  # the settings refuse to start without one
    os.environ.setdefault("LCNET_HTTPS", "false")  # plain HTTP on loopback
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lcnet")  # a throw-away db beside it
    os.environ["DEBUG"] = "0"
    from bench._throwaway import throwaway_django  # not bench/ on sys.path: bench/consensus.py would shadow the app

    with throwaway_django("consensus_runs"):
        from django.test import override_settings

        from consensus import run_selectors, runs as run_services, services
        from consensus.models import ConsensusVersion
        from consensus.reproduce import run_reproduce

        with override_settings(LCNET_CAMPAIGN={"weak_task_action": "off"}):
            _seed(n_chips)
            n_tasks = n_chips * 64
            scale = LCN_TASKS / n_tasks
            figures = {}

            def step(name, fn):
                c0, w0 = time.process_time(), time.perf_counter()
                result = fn()
                figures[name] = (time.process_time() - c0, time.perf_counter() - w0, result)
                return result

            step("run 1: full recompute (bayes)", lambda: services.consensus_recompute(method="bayes"))
            live_bytes = _size("consensus_consensuslabel")
            first = run_selectors.live_run()
            step("new run, nothing changed", lambda: (run_services.consensus_run_start(method="bayes"),
                                                       services.consensus_recompute(method="bayes", only_changed=True))[1])
            kept_nothing = ConsensusVersion.objects.count()
            before = _size("consensus_consensusversion")
            step("new run, another method (every row changes)",
                 lambda: services.consensus_recompute(method="dawid-skene"))
            kept = ConsensusVersion.objects.count()
            version_bytes = _size("consensus_consensusversion") - before
            first.refresh_from_db()
            step("reproduce run 1 (bayes)", lambda: run_reproduce(first))
            step("reproduce the Dawid–Skene run", lambda: run_reproduce(run_selectors.live_run()))
            second = run_selectors.get_run(first.pk + 1)
            step("compare run 1 with the Dawid–Skene run",
                 lambda: run_selectors.runs_compare(first, run_selectors.live_run()))

        print(f"versioned runs, measured on {n_chips} chips ({n_tasks:,} tasks, {n_tasks * 1024 / 1e6:.2f} M px) in "
              f"Postgres, extrapolated x{scale:,.0f} to LandCoverNet ({LCN_TASKS:,} tasks, 589.8 M px):")
        for name, (cpu, wall, result) in figures.items():
            shown = result if isinstance(result, int) else (
                f"{result['identical']}/{result['tasks']} identical" if isinstance(result, dict) and "identical" in result
                else f"{result['pixels_changed']:,} px changed" if isinstance(result, dict) else "")
            print(f"  {name}: {wall:.2f} s wall ({cpu:.2f} s CPU) [{shown}] -> LandCoverNet ~{wall * scale / 60:,.1f} "
                  f"min wall")
        per_live = live_bytes / n_tasks
        per_version = version_bytes / max(kept, 1)
        print(f"  storage: live rows {per_live:,.0f} B/task (table + TOAST + indexes) -> "
              f"{per_live * LCN_TASKS / 1e9:.2f} GB at LandCoverNet scale")
        print(f"  a new run with nothing changed keeps {kept_nothing} rows (0 B); a run whose successor changed every "
              f"task keeps {kept:,} versions, {per_version:,.0f} B each -> {per_version * LCN_TASKS / 1e9:.2f} GB per "
              f"run at LandCoverNet scale (worst case; a run that changes x % of tasks keeps x % of that)")
        return {"figures": figures, "live_bytes_per_task": per_live, "version_bytes_per_task": per_version,
                "second": second.pk}


if __name__ == "__main__":
    calibration(ROOT / "bench" / "out" / "consensus_reliability.png")
    runs(int(sys.argv[1]) if len(sys.argv) > 1 else 16)
