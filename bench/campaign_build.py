"""Build a LandCoverNet-sized campaign in the current (throw-away) database, set-based and server-side.

Real parts: one real chip is ingested from the shared Sentinel-2 data (theia_l3a_bouconne_2018, 7 cloud-free dates);
every generated chip has 24 scene rows pointing at its 7 COGs and one real guess raster, so requests that read
imagery read real files. Everything else is generated in SQL with INSERT … SELECT from generate_series and a pool of
label variants (no row crosses the client connection), then consensus and accuracies are computed by the project's
own services where it is affordable (see below).

State of the campaign built (n chips, 30 chips per tile, 30 annotators, 3 experts):
- 90 % of the chips are done: all three annotators submitted every task, consensus computed;
- the other 10 %: slot 1 submitted everything, slot 2 half the tasks (rows 0–3), slot 3 nothing (work left);
- 8 fresh chips of the bench annotator (`ann00`) without annotations (first saves); their data masks are built
  as the worker does when a chip is assigned;
- about 540 reference tasks (campaign default), 90 % of them with a submitted expert label.
The revision history (AnnotationRevision) is not generated: no measured request reads it. Consensus rows are what
the services store with the prior weights (computed by the engine for the 64 label combinations the pool makes);
accuracies and chip summaries are computed by the project's own services.
"""
from __future__ import annotations

import importlib
import time
from datetime import date

import numpy as np

N_ANNOTATORS = 30
N_EXPERTS = 3
CHIPS_PER_TILE = 30
SCENES_PER_CHIP = 24
FRESH_CHIPS = 8
DONE_SHARE = 0.9
POOL_BASES, POOL_VARIANTS = 64, 4
SOURCE = "theia_l3a_bouconne_2018"
_LETTERS = "ABCDEFGHJKLMNPQRSTUV"


def tile_ids(n: int, taken=()) -> list[str]:
    out = [f"{zone:02d}T{c}{r}" for zone in range(31, 60) for c in "CDEFGHJKLM" for r in _LETTERS]
    return [t for t in out if t not in set(taken)][:n]


def _pool(rng) -> tuple[list[bytes], list[bytes]]:
    """POOL_BASES base labels (blocky, several classes) and POOL_VARIANTS versions of each: variant 0 is the base,
    the others differ on a few percent of pixels (annotators mostly agree, as in LandCoverNet)."""
    bases, variants = [], []
    for _ in range(POOL_BASES):
        coarse = rng.integers(1, 8, (4, 4), dtype=np.uint8)
        base = np.kron(coarse, np.ones((8, 8), np.uint8))
        bases.append(base.tobytes())
        for v in range(POOL_VARIANTS):
            noisy = base.copy()
            if v:
                flip = rng.random((32, 32)) < 0.03 * v
                noisy[flip] = rng.integers(1, 8, int(flip.sum()), dtype=np.uint8)
            variants.append(noisy.tobytes())
    return bases, variants


def build(n_chips: int, *, log=print) -> dict:
    """Fill the empty, migrated database. Returns what the benchmark needs to know (ids, users, timings)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.core.files.storage import default_storage
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from imagery.models import Chip, Scene
    from imagery.services import sources_ingest
    from lcnet_site.roles import ADMIN, ANNOTATOR, EXPERT, EXPORTER, ensure_roles
    from lcnet_site.sample_data import shared_data_dir

    timings = {}
    t0 = time.perf_counter()
    sources_ingest(paths=[shared_data_dir() / SOURCE])
    real = Chip.objects.get()
    files = list(Scene.objects.filter(chip=real).order_by("date").values_list("file", flat=True))
    guess_name = _write_guess(real, default_storage)
    ensure_roles()
    User = get_user_model()
    password = make_password("bench")
    users = {}
    for prefix, role, n in (("ann", ANNOTATOR, N_ANNOTATORS), ("exp", EXPERT, N_EXPERTS), ("admin", ADMIN, 1),
                            ("exporter", EXPORTER, 1)):
        made = User.objects.bulk_create(
            User(username=f"{prefix}{i:02d}" if n > 1 else prefix, password=password, is_staff=role == ADMIN)
            for i in range(n))
        Group.objects.get(name=role).user_set.add(*made)
        users[role] = made
    tokens = {u.username: Token.objects.create(user=u).key for group in users.values() for u in group}
    timings["ingest + users"] = time.perf_counter() - t0

    rng = np.random.default_rng(0)
    bases, variants = _pool(rng)
    n_tiles = -(-n_chips // CHIPS_PER_TILE)
    tiles = tile_ids(n_tiles, taken=[real.tile_id])
    done_n = int(round(DONE_SHARE * n_chips))
    with connection.cursor() as cur:
        t0 = time.perf_counter()
        cur.execute("SET synchronous_commit = off")
        cur.execute("CREATE TEMP TABLE bench_pool (id int PRIMARY KEY, labels bytea, base bytea)")
        cur.executemany("INSERT INTO bench_pool VALUES (%s, %s, %s)",
                        [(i, variants[i], bases[i // POOL_VARIANTS]) for i in range(len(variants))])
        cur.execute("CREATE TEMP TABLE bench_ann (k int PRIMARY KEY, user_id int)")
        cur.executemany("INSERT INTO bench_ann VALUES (%s, %s)", list(enumerate(u.pk for u in users[ANNOTATOR])))
        cur.execute("INSERT INTO imagery_tile (id, epsg, continent, created_at) "
                    "SELECT unnest(%s::text[]), %s, 'Europe', now()", [tiles, real.epsg])
        # chips: <tile>_<nn>, then the fresh chips of ann00 at the end of the id order
        cur.execute(
            """CREATE TEMP TABLE bench_chip AS
               SELECT i, (%(tiles)s::text[])[i / %(per)s + 1] || '_' || lpad((i %% %(per)s)::text, 2, '0') AS id
               FROM generate_series(0, %(n)s - 1) i""", {"tiles": tiles, "per": CHIPS_PER_TILE, "n": n_chips})
        cur.execute(
            """INSERT INTO bench_chip SELECT %(n)s + k, 'ZZFRESH_' || lpad(k::text, 2, '0')
               FROM generate_series(0, %(f)s - 1) k""", {"n": n_chips, "f": FRESH_CHIPS})
        cur.execute("INSERT INTO imagery_tile VALUES ('60TMV', %s, 'Europe', now())", [real.epsg])
        cur.execute(
            """INSERT INTO imagery_chip (id, tile_id, epsg, transform, bounds, height, width, stretch_low,
                                         stretch_high, source, fingerprint, created_at)
               SELECT b.id, CASE WHEN b.i < %(n)s THEN split_part(b.id, '_', 1) ELSE '60TMV' END,
                      c.epsg, c.transform, c.bounds, c.height, c.width, c.stretch_low, c.stretch_high,
                      'bench', '', now()
               FROM bench_chip b, imagery_chip c WHERE c.id = %(real)s""", {"n": n_chips, "real": real.pk})
        cur.execute(
            """INSERT INTO imagery_task (chip_id, row, col, has_data)
               SELECT b.id, k / 8, k %% 8, true FROM bench_chip b, generate_series(0, 63) k ORDER BY b.i, k""", {})
        cur.execute(
            """INSERT INTO imagery_scene (chip_id, date, cloud_fraction, file, has_scl, has_cloud_mask)
               SELECT b.id, %(d0)s::date + 15 * d, 0.0, (%(files)s::text[])[d %% %(nf)s + 1], false, false
               FROM bench_chip b, generate_series(0, %(ns)s - 1) d""",
            {"d0": date(2018, 1, 1), "files": files, "nf": len(files), "ns": SCENES_PER_CHIP})
        cur.execute(
            """INSERT INTO guesslabels_guesslabel (chip_id, file, source, kept_tasks, class_counts, updated_at)
               SELECT id, %s, 'tile', 0, '{}', now() FROM bench_chip""", [guess_name])
        # three annotators per chip: slot s of chip i goes to annotator (i + s - 1) mod 30 (ann00 gets the fresh chips)
        cur.execute(
            """INSERT INTO annotation_assignment (chip_id, user_id, slot, created_at)
               SELECT b.id, a.user_id, s, now() - interval '60 days'
               FROM bench_chip b, generate_series(1, 3) s,
                    bench_ann a WHERE a.k = CASE WHEN b.i >= %(n)s THEN s - 1 ELSE (b.i + s - 1) %% %(na)s END""",
            {"n": n_chips, "na": N_ANNOTATORS})
        timings["imagery, tasks, assignments"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # the per-row counter trigger is off for the bulk load; the counters are recounted once after it
        cur.execute("ALTER TABLE annotation_annotation DISABLE TRIGGER annotation_counts")
        cur.execute(
            """INSERT INTO annotation_annotation (task_id, annotator_id, labels, guess, status, revision,
                   differ_from_guess, created_at, updated_at, submitted_at)
               SELECT t.id, a.user_id, p.labels, p.base, 'submitted', 1, 0,
                      now() - interval '50 days' + t.id * interval '1 second', 
                      now() - interval '50 days' + t.id * interval '1 second' + a.slot * interval '1 hour',
                      now() - interval '50 days' + t.id * interval '1 second' + a.slot * interval '1 hour'
               FROM bench_chip b
               JOIN imagery_task t ON t.chip_id = b.id
               JOIN annotation_assignment a ON a.chip_id = b.id
               JOIN bench_pool p ON p.id = (t.id %% %(nb)s) * %(nv)s + (t.id + a.slot) %% %(nv)s
               WHERE b.i < %(n)s AND (b.i < %(done)s OR a.slot = 1 OR (a.slot = 2 AND t.row < 4))
               ORDER BY t.id, a.slot""",
            {"n": n_chips, "done": done_n, "nb": POOL_BASES, "nv": POOL_VARIANTS})
        n_annotations = cur.rowcount
        cur.execute("ALTER TABLE annotation_annotation ENABLE TRIGGER annotation_counts")
        cur.execute("ANALYZE imagery_task; ANALYZE annotation_annotation; ANALYZE annotation_assignment")  # else
        # the recount's correlated subqueries are planned on empty-table statistics: sequential scans, minutes
        cur.execute(importlib.import_module("annotation.migrations.0004_assignment_counters")._RECOUNT)
        cur.execute(
            """INSERT INTO annotation_taskdatamask (task_id, mask, n_scenes, computed_at)
               SELECT t.id, decode(repeat('ff', 128), 'hex'), %s, now()
               FROM imagery_task t JOIN bench_chip b ON b.id = t.chip_id WHERE b.i < %s""",
            [SCENES_PER_CHIP, n_chips])
        cur.execute("INSERT INTO guesslabels_keptguess (task_id, source, created_at) "
                    "SELECT DISTINCT task_id, 'tile', now() FROM annotation_annotation", {})
        timings[f"{n_annotations:,} annotations, masks"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        n_refs = min(540, done_n * 64 // 4)
        cur.execute("SELECT setseed(0.42)")
        cur.execute(
            """INSERT INTO annotation_referencetask (task_id, chosen_by, created_at)
               SELECT t.id, 'bench', now() FROM imagery_task t JOIN bench_chip b ON b.id = t.chip_id
               WHERE b.i < %s ORDER BY random() LIMIT %s""", [done_n, n_refs])
        experts = [u.pk for u in users[EXPERT]]
        cur.execute(
            """INSERT INTO annotation_expertlabel (task_id, expert_id, labels, guess, status, revision,
                   differ_from_guess, created_at, updated_at, submitted_at)
               SELECT r.task_id, (%(experts)s::int[])[r.task_id %% %(ne)s + 1], p.base, p.base, 'submitted', 1, 0,
                      now() - interval '10 days', now() - interval '10 days', now() - interval '10 days'
               FROM annotation_referencetask r JOIN bench_pool p ON p.id = (r.task_id %% %(nb)s) * %(nv)s
               WHERE r.task_id %% 10 <> 0""",
            {"experts": experts, "ne": len(experts), "nb": POOL_BASES, "nv": POOL_VARIANTS})
        timings["references, expert labels"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        _consensus_rows(cur, variants)
        timings["consensus rows"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    from consensus import services as consensus
    from export.summaries import chip_summaries_rebuild
    from tqdm import tqdm

    from annotation.services import chip_data_masks_ensure

    for chip_id in [f"ZZFRESH_{k:02d}" for k in range(FRESH_CHIPS)]:
        chip_data_masks_ensure(chip_id=chip_id)  # what the worker does when a chip is assigned
    consensus.annotator_accuracies_recompute()
    chip_summaries_rebuild(progress=lambda batches: tqdm(batches, desc="chip summaries", unit="batch"))
    timings["accuracies, chip summaries (project's services)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    _vacuum(connection)
    timings["vacuum analyze"] = time.perf_counter() - t0
    for name, seconds in timings.items():
        log(f"  build: {name}: {seconds:.1f} s")
    return {"tokens": tokens, "users": {role: [u.pk for u in us] for role, us in users.items()},
            "n_chips": n_chips, "n_annotations": n_annotations, "tiles": tiles, "build_s": sum(timings.values()),
            "fresh_chips": [f"ZZFRESH_{k:02d}" for k in range(FRESH_CHIPS)]}


def _consensus_rows(cur, variants) -> None:
    """Consensus of every task with three submissions, as consensus.services stores it with the prior weights:
    a task's three labels are pool variants chosen by task id mod 64, so the 64 results are computed once with
    the project's engine and joined in; inputs name the real annotations (a rerun finds nothing changed)."""
    from consensus.lib import engine
    from imagery.lib.domain import NO_DATA

    rows = []
    for b in range(POOL_BASES):
        stack = np.stack([np.frombuffer(variants[b * POOL_VARIANTS + (b + s) % POOL_VARIANTS], np.uint8)
                          .reshape(32, 32) for s in (1, 2, 3)])
        label, score = engine.bayesian_consensus(stack, np.full(3, 0.7))
        split = engine.disagreement(stack)
        labeled = label != NO_DATA
        rows.append((b, label.tobytes(), score.astype(np.float32).tobytes(), float(score[labeled].mean()),
                     float(split[labeled].mean())))
    cur.execute("CREATE TEMP TABLE bench_cons (b int PRIMARY KEY, label bytea, score bytea, mean_score float8, "
                "disagreement float8)")
    cur.executemany("INSERT INTO bench_cons VALUES (%s, %s, %s, %s, %s)", rows)
    cur.execute(
        """WITH done AS (
             SELECT a.task_id, json_agg(json_build_object('annotation', a.id, 'annotator', a.annotator_id,
                                                           'revision', a.revision) ORDER BY a.annotator_id) AS used
             FROM annotation_annotation a GROUP BY a.task_id HAVING count(*) = 3)
           INSERT INTO consensus_consensuslabel (task_id, label, score, method, inputs, mean_score, disagreement,
                                                 computed_at)
           SELECT d.task_id, c.label, c.score, 'bayes',
                  json_build_object('annotations', d.used, 'weights', json_build_array(0.7, 0.7, 0.7)),
                  c.mean_score, c.disagreement, now()
           FROM done d JOIN bench_cons c ON c.b = d.task_id %% %(nb)s ORDER BY d.task_id""", {"nb": POOL_BASES})


def _vacuum(connection) -> None:
    """VACUUM ANALYZE (outside a transaction): statistics and visibility map as autovacuum would leave them."""
    raw = connection.connection
    old = raw.autocommit
    raw.autocommit = True
    with raw.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    raw.autocommit = old


def _write_guess(chip, storage) -> str:
    """One real guess raster on the chip's grid (blocky classes), shared by every generated chip."""
    from imagery.lib.domain import CHIP_SIZE
    from guesslabels.lib import raster

    rng = np.random.default_rng(1)
    guess = np.kron(rng.integers(1, 8, (8, 8), dtype=np.uint8), np.ones((CHIP_SIZE // 8, CHIP_SIZE // 8), np.uint8))
    data = raster.write_label_tif(guess, chip.epsg, chip.transform)
    from django.core.files.base import ContentFile

    return storage.save("guess/bench/shared.tif", ContentFile(data))
