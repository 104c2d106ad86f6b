#!/usr/bin/env python
"""Load test of the submit endpoint: gunicorn + Postgres on loopback, driven by wrk (bench/submit_load.lua).

    .venv/bin/python bench/submit_load.py [--duration 15] [--workers 2] [--threads 2] [--connections 16] [--third] [--orm]

Prepares its own database (default postgres://postgres@127.0.0.1:5432/lcnet_bench): one annotator, token and
chip per connection (64 tasks each, imagery mask cached as ingest would leave it; two more annotators on each chip
who do not take part). Each wrk connection submits its own tasks in turn with the correct revision (tracked in Lua
from the responses). Prints submits/s, p50, p99, the queries one submit costs and the server CPU per submit, and
checks that every acknowledged (2xx) submit is in the revision history.
Writes bench/out/submit_load.png (latency percentiles). Needs `wrk` (Debian package wrk).
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_TILE = "99ZZZ"
BENCH_QUEUE = "lcnet-bench-submit"
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/3")
# Plain HTTP on loopback with a throw-away key; the API throttle off: wrk's few users send far more than a person.
BENCH_SERVER_ENV = {"SECRET_KEY": "lcnet-bench-only", "LCNET_HTTPS": "false", "LCNET_API_THROTTLE_USER": "0",
                    "LCNET_API_THROTTLE_ANON": "0"}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=int, default=15, help="seconds of load (bounded)")
    p.add_argument("--connections", type=int, default=16, help="concurrent clients, one annotator each")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (one per core)")
    p.add_argument("--threads", type=int, default=2,
                   help="threads per worker (> 1: gthread workers with keep-alive; 1: sync workers)")
    p.add_argument("--fresh", action="store_true",
                   help="start from untouched tasks (every first submit creates the row) instead of saved drafts")
    p.add_argument("--third", action="store_true",
                   help="every submit is a task's third (the consensus hook enqueues a Celery job each time)")
    p.add_argument("--orm", action="store_true",
                   help="the ORM submit path on Postgres (LCNET_SUBMIT_SQL=false) instead of annotation/sql.py")
    p.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL",
                                                        "postgres://postgres@127.0.0.1:5432/lcnet_bench"))
    return p.parse_args()


def ensure_database(url: str) -> None:
    import psycopg2
    from urllib.parse import urlparse

    u = urlparse(url)
    conn = psycopg2.connect(host=u.hostname, port=u.port or 5432, user=u.username, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [u.path.lstrip("/")])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{u.path.lstrip("/")}"')
    conn.close()


def setup_django(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "lcnet_site.settings"
    os.environ.update(BENCH_SERVER_ENV)
    os.environ.update(CELERY_BROKER_URL=BROKER, LCNET_CELERY_QUEUE=BENCH_QUEUE)  # as the server: enqueue, not run
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def reset() -> None:
    """Remove what an earlier run left."""
    from django.contrib.auth import get_user_model

    from annotation.models import Annotation, Assignment
    from imagery.models import Chip

    Annotation.objects.filter(task__chip__tile_id=BENCH_TILE).delete()
    Assignment.objects.filter(chip__tile_id=BENCH_TILE).delete()
    Chip.objects.filter(tile_id=BENCH_TILE).delete()
    get_user_model().objects.filter(username__startswith="bench_").delete()


def prepare(users: range, started: bool, third: bool) -> list[tuple[str, list[int]]]:
    """Bench annotators, chips and tasks: [(token, task ids)] one per connection.

    Each connection's annotator has a chip of 64 tasks of their own, shared, as in production, with two more
    annotators who do not take part. started: a draft of every task is saved already (the load is on later saves).
    third: the two others have submitted every task, so every benchmarked submit is a task's third (or a
    resubmit) and fires the consensus hook; otherwise it is a first one and fires nothing.
    """
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from annotation.lib.labels import pack_mask
    from annotation.models import Annotation, AnnotationRevision, TaskDataMask
    from annotation.services import assignments_create
    from imagery.lib.domain import TASKS_PER_SIDE
    from imagery.models import Chip, Task, Tile

    User = get_user_model()
    tile, _ = Tile.objects.get_or_create(id=BENCH_TILE, defaults={"epsg": 32601})
    group, _ = Group.objects.get_or_create(name="annotator")
    mask = pack_mask(np.ones((32, 32), bool))
    ones = bytes([1]) * 1024
    plan = []
    for i in users:
        trio = [User.objects.create_user(f"bench_{i:02d}{suffix}") for suffix in ("", "_b", "_c")]
        group.user_set.add(*trio)
        chip = Chip.objects.create(id=f"{BENCH_TILE}_{i:02d}", tile=tile, epsg=32601,
                                   transform=[10, 0, 0, 0, -10, 0], bounds=[0, -2560, 2560, 0])
        tasks = Task.objects.bulk_create(
            Task(chip=chip, row=r, col=c) for r in range(TASKS_PER_SIDE) for c in range(TASKS_PER_SIDE))
        TaskDataMask.objects.bulk_create(TaskDataMask(task=t, mask=mask, n_scenes=24) for t in tasks)
        assignments_create(chip_ids=[chip.pk], user_ids=[u.pk for u in trio])
        saved = [(trio[0], "draft")] if started else []
        saved += [(u, "submitted") for u in trio[1:]] if third else []
        for user, status in saved:
            rows = Annotation.objects.bulk_create(
                Annotation(task=t, annotator=user, labels=ones, guess=ones, status=status, revision=1) for t in tasks)
            AnnotationRevision.objects.bulk_create(
                AnnotationRevision(annotation=a, revision=1, labels=ones, status=status, author=user) for a in rows)
        plan.append((Token.objects.create(user=trio[0]).key, [t.pk for t in tasks]))
    return plan


def label_variants() -> list[str]:
    import numpy as np

    rng = np.random.default_rng(0)
    return [json.dumps(rng.integers(1, 8, (32, 32)).tolist(), separators=(",", ":")) for _ in range(4)]


def queries_per_submit(token: str, task_id: int, labels: str) -> list[str]:
    """The SQL one submit runs (first save of a task, and a later one once statements are prepared), in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    url = f"/api/tasks/{task_id}/annotation/submit/"
    out = []
    for revision in (0, 1, 2):
        with CaptureQueriesContext(connection) as ctx:
            r = client.post(url, f'{{"revision":{revision},"labels":{labels}}}', content_type="application/json")
        assert r.status_code == 200, r.content
        out.append([q["sql"] for q in ctx.captured_queries])
    return out[0], out[2]


def cpu_seconds(pids) -> float:
    """utime + stime of these processes, from /proc (processes that are gone count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(master: int) -> tuple[list[int], list[int]]:
    """(gunicorn workers, the Postgres backends serving this database)."""
    from django.db import connection

    workers = [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        backends = [row[0] for row in cur.fetchall()]
    return workers, backends


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(db_url: str, workers: int, threads: int, port: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=db_url, DJANGO_SETTINGS_MODULE="lcnet_site.settings", DEBUG="0",
               LCNET_SUBMIT_SQL=os.environ["LCNET_SUBMIT_SQL"], **BENCH_SERVER_ENV,
               CONN_MAX_AGE="600", LOG_LEVEL="WARNING",
               CELERY_BROKER_URL=BROKER,
               LCNET_CELERY_QUEUE=BENCH_QUEUE)  # hooks enqueue as in production; the queue is dropped after
    cmd = [sys.executable, "-m", "gunicorn", "lcnet_site.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
           "--threads", str(threads), "--backlog", "2048", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 60 s")


def warm_up(port: int, token: str, task_id: int, labels: str, n: int) -> int:
    """A few submits so every worker has imported everything and opened its DB connection; returns the revision."""
    revision = 0
    for _ in range(n):
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/tasks/{task_id}/annotation/submit/",
            data=f'{{"revision":{revision},"labels":{labels}}}'.encode(), method="POST",
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})
        revision = json.load(urllib.request.urlopen(req, timeout=10))["revision"]
    return revision


def run_wrk(port, plan_file, acked_file, connections, duration) -> dict:
    env = dict(os.environ, SUBMIT_LOAD_ACKED=str(acked_file))
    cmd = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s",
           "-s", str(ROOT / "bench" / "submit_load.lua"), f"http://127.0.0.1:{port}", "--", str(plan_file)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(line[len("RESULT "):])


def check_history(acked_file: Path) -> tuple[int, int, bool]:
    """(acknowledged submits, of them missing from the revision history, every history is 1..current unbroken)."""
    from django.db.models import Sum

    from annotation.models import Annotation, AnnotationRevision

    acked = {tuple(map(int, ln.split(":"))) for ln in acked_file.read_text().split()}
    revisions = AnnotationRevision.objects.filter(annotation__task__chip__tile_id=BENCH_TILE)
    # acknowledgements are per task; one connection per chip, so compare with that annotator's history only
    mine = revisions.exclude(annotation__annotator__username__regex=r"_[bc]$")
    stored = set(mine.values_list("annotation__task_id", "revision"))
    current = Annotation.objects.filter(task__chip__tile_id=BENCH_TILE).aggregate(n=Sum("revision"))["n"] or 0
    return len(acked), len(acked - stored), current == revisions.count()  # unique (annotation, revision) + count


def drop_queue() -> int:
    """Delete the consensus jobs the run enqueued (nobody consumes the bench queue); return how many there were."""
    import redis

    client = redis.Redis.from_url(BROKER)
    n = client.llen(BENCH_QUEUE)
    client.delete(BENCH_QUEUE)
    return n


def plot(latency_us: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pcts = sorted(latency_us, key=float)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot([float(p) for p in pcts], [latency_us[p] / 1000 for p in pcts], marker="o")
    ax.axhline(100, color="red", linestyle="--", label="p99 target 100 ms")
    ax.set(xlabel="percentile", ylabel="latency (ms)", title=title)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args()
    os.environ["LCNET_SUBMIT_SQL"] = "false" if args.orm else "true"  # this process (query count) and the server
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    ensure_database(args.database)
    setup_django(args.database)
    who = "the third annotator of each task: the consensus hook fires on every submit" if args.third else \
        "the first annotator of each task: no consensus hook"
    print(f"preparing {args.connections} annotators × 64 tasks ({who}) in {args.database} …", flush=True)
    reset()
    plan = prepare(range(args.connections), started=not args.fresh, third=args.third)
    probe_token, probe_tasks = prepare(range(args.connections, args.connections + 1), started=False,
                                       third=args.third)[0]  # for the query count and the warm-up
    variants = label_variants()
    first, later = queries_per_submit(probe_token, probe_tasks[0], variants[0])
    path = "ORM (LCNET_SUBMIT_SQL=false)" if args.orm else "hand-written SQL (annotation/sql.py)"
    print(f"submit path: {path}")
    print(f"queries per submit: {len(first)} (first save of a task), {len(later)} (later saves)")
    for sql in later:
        print("   ", sql[:150])
    with tempfile.TemporaryDirectory() as tmp:
        plan_file, acked_file = Path(tmp) / "plan.txt", Path(tmp) / "acked.txt"
        plan_file.write_text(f"R {0 if args.fresh else 1}\n" + "".join(f"L {v}\n" for v in variants)
                             + "".join(f"{tok} {','.join(map(str, tasks))}\n" for tok, tasks in plan))
        port = free_port()
        server = start_gunicorn(args.database, args.workers, args.threads, port)
        try:
            warm_up(port, probe_token, probe_tasks[1], variants[1], 4 * args.workers)
            kind = f"{args.workers} workers × {args.threads} threads (gthread)" if args.threads > 1 else \
                f"{args.workers} sync workers"
            print(f"wrk: {args.connections} connections, {args.duration} s, gunicorn {kind}", flush=True)
            workers, backends = server_pids(server.pid)
            before = cpu_seconds(workers), cpu_seconds(backends)
            result = run_wrk(port, plan_file, acked_file, args.connections, args.duration)
            app_cpu, db_cpu = cpu_seconds(workers) - before[0], cpu_seconds(backends) - before[1]
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        n_acked, lost, unbroken = check_history(acked_file)
    enqueued = drop_queue()
    seconds = result["duration_us"] / 1e6
    lat = result["latency_us"]
    rate = n_acked / seconds
    print(f"submits/s: {rate:.0f}  (acknowledged {n_acked} in {seconds:.1f} s; all responses: {result['statuses']}, "
          f"socket errors: {result['errors']})")
    print(f"latency p50: {lat['50'] / 1000:.1f} ms  p90: {lat['90'] / 1000:.1f} ms  p99: {lat['99'] / 1000:.1f} ms  "
          f"max: {result['max_us'] / 1000:.1f} ms")
    print(f"lost (acknowledged but not in the revision history): {lost}; "
          f"every history unbroken (revisions 1..current): {'yes' if unbroken else 'NO'}")
    print(f"consensus jobs enqueued by the hook (to Redis, not run): {enqueued}")
    app_ms, db_ms = (1000 * c / max(n_acked, 1) for c in (app_cpu, db_cpu))
    print(f"server CPU per submit: {app_ms + db_ms:.2f} ms = {app_ms:.2f} gunicorn + {db_ms:.2f} Postgres backends "
          f"→ {2000 / (app_ms + db_ms):.0f} submits/s if 2 idle cores did nothing else (wrk, WAL writes not counted)")
    checks = {">= 300 submits/s": rate >= 300, "p99 < 100 ms": lat["99"] < 100_000, "0 lost": lost == 0 and unbroken}
    verdict = ", ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in checks.items())
    print(f"target: {verdict} (machine: {os.cpu_count()} cores, shared with other work; "
          f"load avg {os.getloadavg()[0]:.1f})")
    png = ROOT / "bench" / "out" / "submit_load.png"
    plot(lat, png, f"submit latency, {args.connections} clients, {rate:.0f}/s")
    print(f"plot: {png.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
