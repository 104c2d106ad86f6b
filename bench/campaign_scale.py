#!/usr/bin/env python
"""Requests and background work at campaign scale: the same requests on two campaign sizes, side by side.

    .venv/bin/python bench/campaign_scale.py [--sizes 300 9000] [--duration 8] [--repeat 5] [--no-wrk]

For each size a throw-away Postgres database is built (bench/campaign_build.py: set-based SQL, real scene files),
gunicorn serves it as compose does (2 workers × 2 threads, its malloc settings), and every annotator, expert, admin,
exporter and stats request is timed one at a time (median of at least --repeat, more for a quick one, after one
warm-up) and under wrk with 4 connections (p50/p99), with the SQL queries it runs (counted in-process); then the
whole dataset.zip is streamed over HTTP (chips/s, the workers' RSS). Then the consensus worker's jobs are run in
subprocesses (wall time and peak RSS): a reference-task submit, an expert label, an ordinary submit, a
compute_consensus rerun with nothing to change and the Dawid–Skene fit. Prints one table with the growth factor
between the two sizes and the machine's load; writes bench/out/campaign_scale.json and .png.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from _server import web_malloc_env  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcnet_site.settings_test")
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/3")
QUEUE = f"lcnet-bench-scale-{os.getpid()}"
os.environ.update(CELERY_BROKER_URL=BROKER, LCNET_CELERY_QUEUE=QUEUE, CELERY_TASK_ALWAYS_EAGER="0")
ONE_AT_A_TIME_S = 1.5  # a quick request is repeated one at a time for this long (at least --repeat times)
ONE_AT_A_TIME_MAX = 60  # samples at most
SLOW_FOR_WRK_S = 3.0  # a request slower than this one at a time is not put under load (it would only time out)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs=2, default=[300, 9000], help="two campaign sizes in chips")
    p.add_argument("--duration", type=int, default=8, help="seconds of wrk per request")
    p.add_argument("--repeat", type=int, default=5, help="one-at-a-time repetitions per request at least (median)")
    p.add_argument("--no-wrk", action="store_true", help="one at a time only")
    p.add_argument("--no-background", action="store_true", help="skip the consensus worker's jobs")
    p.add_argument("--skip-job", action="append", default=[], help="skip the worker jobs whose name starts so")
    return p.parse_args()


# ---------------------------------------------------------------------------------------------- the requests


def plan_requests(info: dict) -> list[dict]:
    """Every request of the table: name, who, method, path (+ body), whether it may run under wrk."""
    from annotation.models import Annotation
    from consensus.models import ConsensusLabel
    from imagery.models import Task

    ann = info["users"]["annotator"][0]
    done_task = Annotation.objects.filter(annotator_id=ann, status="submitted").order_by("task_id").values_list(
        "task_id", flat=True).first()
    chip = info["tiles"][len(info["tiles"]) // 2] + "_07"
    tile = info["tiles"][len(info["tiles"]) // 2]
    per = 100
    last_ann = -(-Annotation.objects.count() // per)
    last_cons = -(-ConsensusLabel.objects.count() // per)
    fresh = [Task.objects.filter(chip_id=c).order_by("row", "col").values_list("pk", flat=True)[:2]
             for c in info["fresh_chips"]]
    info["fresh_tasks"] = [list(t) for t in fresh]
    reqs = [
        ("annotator", "GET me/tasks/next/", "/api/me/tasks/next/"),
        ("annotator", "GET me/tasks/?status=pending", "/api/me/tasks/?status=pending"),
        ("annotator", "GET me/tasks/ (first page)", "/api/me/tasks/"),
        ("annotator", "GET tasks/<id>/annotation/", f"/api/tasks/{done_task}/annotation/"),
        ("expert", "GET expert/suggested-tasks/", "/api/expert/suggested-tasks/"),
        ("expert", "GET me/tasks/next/ (expert)", "/api/me/tasks/next/"),
        ("admin", "admin chips changelist", "/admin/imagery/chip/"),
        ("admin", "admin chips search", f"/admin/imagery/chip/?q={chip}"),
        ("admin", "admin chips tile filter", f"/admin/imagery/chip/?tile__id__exact={tile}"),
        ("admin", "admin tasks changelist", "/admin/imagery/task/"),
        ("admin", "admin chip assignments", "/admin/annotation/chipwork/"),
        ("admin", "admin assignments", "/admin/annotation/assignment/"),
        ("admin", "admin annotations last page", f"/admin/annotation/annotation/?p={last_ann - 1}"),
        ("admin", "admin annotations search by chip", f"/admin/annotation/annotation/?q={chip}"),
        ("admin", "admin annotator accuracies", "/admin/consensus/annotatoraccuracy/"),
        ("admin", "admin consensus last page", f"/admin/consensus/consensuslabel/?p={last_cons - 1}"),
        ("admin", "admin consensus tile filter", f"/admin/consensus/consensuslabel/?task__chip__tile__id__exact={tile}"),
        ("stats", "stats/dashboard/", "/api/stats/dashboard/"),
        ("stats", "stats/progress/", "/api/stats/progress/"),
        ("stats", "stats/classes/", "/api/stats/classes/"),
        ("stats", "stats/consensus-scores/", "/api/stats/consensus-scores/"),
        ("stats", "stats/classes.png", "/api/stats/classes.png"),
        ("stats", "stats/consensus-scores.png", "/api/stats/consensus-scores.png"),
        ("exporter", "export/chips/ first page", "/api/export/chips/"),
        ("exporter", "export/chips/?min_score_pct=60", "/api/export/chips/?min_score_pct=60"),
        ("exporter", "export/chips/?tile=", f"/api/export/chips/?tile={tile}"),
        ("exporter", "export/chips/<id>/labels.tif", f"/api/export/chips/{chip}/labels.tif"),
    ]
    out = [dict(group=g, name=n, path=p, method="GET", wrk=True) for g, n, p in reqs]
    out.append(dict(group="exporter", name="export/dataset.zip first byte", path="/api/export/dataset.zip",
                    method="GET", wrk=False, first_byte=True))
    return out


def who(req: dict) -> str:
    return {"annotator": "ann00", "expert": "exp00", "admin": "admin", "stats": "admin",
            "exporter": "exporter"}[req["group"]]


def count_queries(req: dict, sessions: dict, tokens: dict) -> int:
    """SQL queries of one request, run in this process on the same database."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = who(req)
    client = Client(HTTP_HOST="127.0.0.1", **_auth_kwargs(req, user, sessions, tokens))
    with CaptureQueriesContext(connection) as ctx:
        response = client.generic(req["method"], req["path"], req.get("body", ""), content_type="application/json")
        if hasattr(response, "streaming_content"):
            next(iter(response.streaming_content))
            response.close()
    if response.status_code >= 400:
        raise SystemExit(f"{req['name']}: HTTP {response.status_code} {response.content[:300]!r}")
    return len(ctx.captured_queries)


def _auth_kwargs(req, user, sessions, tokens) -> dict:
    if req["path"].startswith("/admin/") or req["path"].startswith("/api/stats/dashboard"):
        return {"HTTP_COOKIE": f"sessionid={sessions[user]}"}
    return {"HTTP_AUTHORIZATION": f"Token {tokens[user]}"}


def _headers(req, sessions, tokens) -> dict:
    kw = _auth_kwargs(req, who(req), sessions, tokens)
    return {"Cookie": kw["HTTP_COOKIE"]} if "HTTP_COOKIE" in kw else {"Authorization": kw["HTTP_AUTHORIZATION"]}


def time_one(port: int, req: dict, headers: dict, repeat: int) -> float:
    """Median wall time (ms) of the request alone on a kept-alive connection, after one warm-up: at least `repeat`
    samples and, for a quick request, as many more as fit in ONE_AT_A_TIME_S (at most ONE_AT_A_TIME_MAX): a
    median of five 10 ms requests on shared cores moves by a third from run to run, and the growth factor with it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    samples, started = [], time.perf_counter()
    for i in range(max(repeat, ONE_AT_A_TIME_MAX) + 1):  # sample 0 is the warm-up
        if i > repeat and (req.get("first_byte") or time.perf_counter() - started > ONE_AT_A_TIME_S):
            break  # (a first byte is timed `repeat` times only: each one starts a whole zip on the server)
        t0 = time.perf_counter()
        conn.request(req["method"], req["path"], body=req.get("body"), headers=headers)
        response = conn.getresponse()
        if req.get("first_byte"):
            response.read(1)
            elapsed = time.perf_counter() - t0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        else:
            response.read()
            elapsed = time.perf_counter() - t0
        if response.status >= 300:  # a redirect (to the login page, to HTTPS) would be timed instead of the page
            raise SystemExit(f"{req['name']}: HTTP {response.status}")
        if i:
            samples.append(elapsed * 1000)
    conn.close()
    return statistics.median(samples)


def _workers_rss_mb(master_pid: int) -> float:
    """Largest resident set (MB) among gunicorn's worker processes."""
    best = 0.0
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        rss = next((int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmRSS:")), 0)
        best = max(best, rss / 1024)
    return best


def stream_zip(port: int, master_pid: int, headers: dict) -> dict:
    """The whole dataset.zip over HTTP, as an exporter downloads it: chips/s from the first byte to the last, and
    the server workers' largest RSS at the start and at its peak (sampled as the bytes arrive)."""
    from export.models import ChipSummary

    n_chips = ChipSummary.objects.filter(complete=True).count()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    rss_start = peak = _workers_rss_mb(master_pid)
    t0 = time.perf_counter()
    conn.request("GET", "/api/export/dataset.zip", headers=headers)
    response = conn.getresponse()
    size, first, sampled = 0, None, t0
    while chunk := response.read(1 << 20):
        first = first or time.perf_counter()
        size += len(chunk)
        if time.perf_counter() - sampled > 0.5:
            peak, sampled = max(peak, _workers_rss_mb(master_pid)), time.perf_counter()
    seconds = time.perf_counter() - (first or t0)
    conn.close()
    return {"chips": n_chips, "seconds": seconds, "chips_per_s": n_chips / seconds, "mb": size / 2**20,
            "rss_start_mb": rss_start, "rss_peak_mb": peak}


def run_wrk(port: int, req: dict, headers: dict, duration: int) -> dict:
    cmd = ["wrk", "-t", "2", "-c", "4", "-d", f"{duration}s", "--timeout", "30s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{req['path']}"], capture_output=True, text=True,
                         timeout=duration + 90).stdout
    return parse_wrk(out)


def parse_wrk(text: str) -> dict:
    def ms(value: str) -> float:
        num, unit = re.match(r"([\d.]+)(us|ms|s|m)", value).groups()
        return float(num) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]

    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {"p50": ms(pct["50"]) if "50" in pct else None, "p99": ms(pct["99"]) if "99" in pct else None,
            "rps": float(rate.group(1)) if rate else None, "non2xx": int(bad.group(1)) if bad else 0}


# ---------------------------------------------------------------------------------------------- writes


def time_writes(port: int, info: dict) -> dict:
    """First save (PUT) and first submit of a task on a freshly assigned chip, and a later save: one at a time, on
    distinct fresh tasks (a first save can only happen once per task)."""
    import numpy as np

    token = info["tokens"]["ann00"]
    labels = np.full((32, 32), 6, np.uint8).tolist()
    out = {"PUT annotation (first save of a task)": [], "POST submit (first submit of a task)": [],
           "PUT annotation (later save)": []}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def call(method, path, revision):
        t0 = time.perf_counter()
        conn.request(method, path, body=json.dumps({"revision": revision, "labels": labels}), headers=headers)
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit(f"{method} {path}: {r.status} {body[:200]!r}")
        return (time.perf_counter() - t0) * 1000, json.loads(body)["revision"]

    for first, second in info["fresh_tasks"]:
        ms, rev = call("PUT", f"/api/tasks/{first}/annotation/", 0)
        out["PUT annotation (first save of a task)"].append(ms)
        ms, rev = call("PUT", f"/api/tasks/{first}/annotation/", rev)
        out["PUT annotation (later save)"].append(ms)
        ms, _ = call("POST", f"/api/tasks/{second}/annotation/submit/", 0)
        out["POST submit (first submit of a task)"].append(ms)
    conn.close()
    return {k: statistics.median(v[1:] if len(v) > 2 else v) for k, v in out.items()}


DASHBOARD_EVERY_S = 1.0  # an open dashboard as an admin keeps it: reloaded every second (page and both plots)
INTERFERENCE_ROUNDS = 3


def dashboard_interference(port: int, info: dict, sessions: dict, duration: int) -> dict:
    """Annotators' GET annotation under wrk (4 connections) alone and while one admin keeps the dashboard open (its
    page and both plots reloaded every DASHBOARD_EVERY_S), in INTERFERENCE_ROUNDS alternating rounds (the round
    with the median p99 of each kind is reported, every round's p99 too: one 8 s window on shared cores can be
    slowed by anything else running); then once while it is reloaded back to back (a stress figure: one client
    asking for nothing else, as fast as the server answers)."""
    from annotation.models import Annotation

    ann = info["users"]["annotator"][0]
    task = Annotation.objects.filter(annotator_id=ann).order_by("-task_id").values_list("task_id", flat=True)[0]
    req = dict(path=f"/api/tasks/{task}/annotation/", method="GET")
    headers = {"Authorization": f"Token {info['tokens']['ann00']}"}

    def wrk_round(every: float | None) -> dict:
        """wrk alone (every None), or with the dashboard reloaded every `every` seconds (0: back to back)."""
        if every is None:
            return run_wrk(port, req, headers, duration)
        stop, loads = threading.Event(), []

        def dashboard():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            while not stop.is_set():
                t0 = time.perf_counter()
                for path in ("/api/stats/dashboard/", "/api/stats/classes.png", "/api/stats/consensus-scores.png"):
                    conn.request("GET", path, headers={"Cookie": f"sessionid={sessions['admin']}"})
                    conn.getresponse().read()
                loads.append(time.perf_counter() - t0)
                stop.wait(max(0.0, every - (time.perf_counter() - t0)))

        thread = threading.Thread(target=dashboard, daemon=True)
        thread.start()
        result = run_wrk(port, req, headers, duration)
        stop.set()
        thread.join(timeout=600)
        return {**result, "dashboard_loads": len(loads)}

    rounds = [(wrk_round(None), wrk_round(DASHBOARD_EVERY_S)) for _ in range(INTERFERENCE_ROUNDS)]

    def median_round(kind: int) -> dict:
        return sorted((r[kind] for r in rounds), key=lambda w: w["p99"])[len(rounds) // 2]

    return {"alone": median_round(0), "with_dashboard": median_round(1),
            "rounds_p99": [(a["p99"], w["p99"]) for a, w in rounds],
            "with_dashboard_back_to_back": wrk_round(0.0)}


# ---------------------------------------------------------------------------------------------- background


JOBS = {
    "reference-task submit (re-weigh)": "prepare_reference_submit",
    "expert label (re-score all)": "prepare_expert_label",
    "ordinary third submit": "prepare_ordinary_submit",
    "compute_consensus rerun, nothing to change": "prepare_nothing",
    "Dawid–Skene, one tile (per submit before)": "prepare_nothing",
    "Dawid–Skene, whole campaign": "prepare_nothing",
}


def background(db_name: str, media: str, skip=()) -> dict:
    """Each job in its own Python process (so its peak RSS is its own): wall seconds, peak MB, rows written."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db_name}"
    out = {}
    for name in JOBS:
        if any(name.startswith(prefix) for prefix in skip):
            continue
        env = dict(os.environ, DATABASE_URL=url, MEDIA_ROOT=media, BENCH_JOB=name, CELERY_TASK_ALWAYS_EAGER="1")
        r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--job"], env=env, capture_output=True,
                           text=True, timeout=1800)
        line = next((ln for ln in r.stdout.splitlines() if ln.startswith("JOB ")), None)
        out[name] = json.loads(line[4:]) if line else {"error": (r.stderr or r.stdout)[-600:]}
    return out


def job_main() -> None:
    """Run one background job on BENCH_DB (a child of background())."""
    import resource

    import django
    from django.conf import settings

    django.setup()
    from lcnet_site.heap import freeze_startup_heap

    freeze_startup_heap()  # as a Celery worker process does when it starts (lcnet_site.celery_app)
    settings.MEDIA_ROOT = os.environ["MEDIA_ROOT"]
    name = os.environ["BENCH_JOB"]
    setup = globals()[JOBS[name]]()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    written = _run_job(name, setup)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("JOB " + json.dumps({"seconds": seconds, "peak_mb": peak, "before_mb": base, "written": written}))


def _run_job(name: str, setup):
    from django.core.management import call_command

    from consensus import services

    if name.startswith("reference") or name.startswith("expert"):
        return services.annotator_accuracies_refresh()
    if name.startswith("ordinary"):
        return services.task_consensus_recompute(task_id=setup)
    if name.startswith("compute_consensus"):
        call_command("compute_consensus", stdout=open(os.devnull, "w"))
        return None
    if name == "Dawid–Skene, one tile (per submit before)":
        from imagery.models import Task

        task = Task.objects.filter(consensus__isnull=False).order_by("pk").first()
        return services.task_consensus_recompute(task_id=task.pk, method="dawid-skene")
    if name == "Dawid–Skene, whole campaign":
        return services.consensus_recompute(method="dawid-skene")
    raise ValueError(name)


def prepare_nothing():
    return None


def prepare_reference_submit():
    """One annotator changes their labels of one reference task (their accuracy changes)."""
    from annotation.models import Annotation, ExpertLabel

    ref = ExpertLabel.objects.filter(status="submitted").order_by("task_id").first()
    ann = Annotation.objects.filter(task_id=ref.task_id, status="submitted").order_by("annotator_id").first()
    ann.labels = bytes([7]) * 1024
    ann.revision += 1
    ann.save(update_fields=["labels", "revision"])


def prepare_expert_label():
    """An expert labels one more reference task (every annotator's accuracy may change)."""
    from annotation.models import ExpertLabel, ReferenceTask

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    ref = ReferenceTask.objects.exclude(task_id__in=ExpertLabel.objects.values("task_id")).order_by("pk").first()
    expert = get_user_model().objects.get(username="exp00")
    ExpertLabel.objects.create(task_id=ref.task_id, expert=expert, labels=bytes([5]) * 1024,
                               guess=bytes([5]) * 1024, status="submitted", revision=1, submitted_at=timezone.now())
    return ref.task_id


def prepare_ordinary_submit():
    """A task whose third annotator resubmitted a change."""
    from annotation.models import Annotation, ReferenceTask

    rows = Annotation.objects.filter(status="submitted").exclude(task_id__in=ReferenceTask.objects.values("task_id"))
    ann = rows.order_by("task_id")[rows.count() // 2]
    ann.labels = bytes([3]) * 1024
    ann.revision += 1
    ann.save(update_fields=["labels", "revision"])
    return ann.task_id


# ---------------------------------------------------------------------------------------------- one size


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(db_name: str, media: str) -> tuple[subprocess.Popen, int]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db_name}"
    port = free_port()
    # compose's malloc settings; plain HTTP on loopback; the key of this process (the admin sessions made here must
    # be valid there); the API throttle off: wrk's one user sends far more than a person.
    env = dict(os.environ, **web_malloc_env(), DATABASE_URL=url, DJANGO_SETTINGS_MODULE="lcnet_site.settings",
               DEBUG="0", CONN_MAX_AGE="600", LOG_LEVEL="WARNING", MEDIA_ROOT=media, SECRET_KEY=settings.SECRET_KEY,
               LCNET_HTTPS="false", LCNET_API_THROTTLE_USER="0", LCNET_API_THROTTLE_ANON="0")
    cmd = [sys.executable, "-m", "gunicorn", "lcnet_site.wsgi", "-w", "2", "--threads", "2", "-b",
           f"127.0.0.1:{port}", "--timeout", "600", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 300  # a loaded machine imports slowly
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            c.getresponse().read()
            return proc, port
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not answer within 300 s")


def sessions_for(names) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    out = {}
    for name in names:
        client = Client()
        client.force_login(get_user_model().objects.get(username=name))
        out[name] = client.cookies["sessionid"].value
    return out


def settle(connection, timeout_s: float = 180) -> None:
    """Let the build's after-effects pass before anything is timed: a checkpoint writes its gigabytes of dirty pages
    now (not under the first requests), and any autovacuum of this database is waited out (the build's own VACUUM
    ANALYZE leaves little for it). The first requests of the list were otherwise timed against both."""
    with connection.cursor() as cur:
        cur.execute("CHECKPOINT")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' "
                        "AND datname = current_database()")
            if not cur.fetchone()[0]:
                return
            time.sleep(1)


def run_size(n_chips: int, args) -> dict:
    from campaign_build import build
    from _throwaway import throwaway_django
    from django.db import connection

    print(f"\n=== {n_chips:,} chips: building …", flush=True)
    with throwaway_django(f"scale{n_chips}") as (db_name, media):
        t0 = time.perf_counter()
        info = build(n_chips)
        with connection.cursor() as cur:
            cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cur.fetchone()[0]
        print(f"  built in {time.perf_counter() - t0:.0f} s: {info['n_annotations']:,} annotations, database {size}",
              flush=True)
        settle(connection)
        reqs = plan_requests(info)
        sessions = sessions_for(["admin"])
        result = {"n_chips": n_chips, "build_s": time.perf_counter() - t0, "db_size": size,
                  "n_annotations": info["n_annotations"], "requests": {}, "load": os.getloadavg()}
        server, port = start_gunicorn(db_name, media)
        try:
            for req in reqs:
                headers = _headers(req, sessions, info["tokens"])
                row = {"queries": count_queries(req, sessions, info["tokens"])}
                row["ms"] = time_one(port, req, headers, args.repeat)
                if req["wrk"] and not args.no_wrk:
                    row["wrk"] = run_wrk(port, req, headers, args.duration) if row["ms"] < SLOW_FOR_WRK_S * 1000 \
                        else None
                result["requests"][req["name"]] = row
                w = row.get("wrk")
                print(f"  {req['name']:<45} {row['ms']:9.1f} ms  {row['queries']:3d} queries" +
                      (f"  wrk p50 {w['p50']:.1f} p99 {w['p99']:.1f} ms {w['rps']:.0f}/s" if w else ""), flush=True)
            zip_req = next(r for r in reqs if r.get("first_byte"))
            result["zip_stream"] = stream_zip(port, server.pid, _headers(zip_req, sessions, info["tokens"]))
            print(f"  whole dataset.zip: {result['zip_stream']}", flush=True)
            for name, ms in time_writes(port, info).items():
                result["requests"][name] = {"ms": ms, "queries": None}
                print(f"  {name:<45} {ms:9.1f} ms", flush=True)
            if not args.no_wrk:
                result["interference"] = dashboard_interference(port, info, sessions, args.duration)
                print(f"  dashboard interference: {result['interference']}", flush=True)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        connection.close()
        if not args.no_background:
            result["background"] = background(db_name, media, args.skip_job)
            for name, row in result["background"].items():
                print(f"  job {name}: {row}", flush=True)
        result["load_after"] = os.getloadavg()
    return result


# ---------------------------------------------------------------------------------------------- report


def fmt_ms(v) -> str:
    if v is None:
        return "—"
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def report(a: dict, b: dict) -> str:
    na, nb = a["n_chips"], b["n_chips"]
    lines = [f"| request | {na:,} chips ms | {nb:,} chips ms | growth | queries {na:,} / {nb:,} | "
             f"wrk 4 conn p50 / p99 ms at {nb:,} |", "|---|---|---|---|---|---|"]
    for name, ra in a["requests"].items():
        rb = b["requests"].get(name, {})
        growth = rb.get("ms", 0) / ra["ms"] if ra.get("ms") else None
        w = rb.get("wrk")
        q = f"{ra.get('queries') if ra.get('queries') is not None else '—'} / " \
            f"{rb.get('queries') if rb.get('queries') is not None else '—'}"
        under_load = "—" if not w else f"{fmt_ms(w['p50'])} / {fmt_ms(w['p99'])}"
        lines.append(f"| {name} | {fmt_ms(ra.get('ms'))} | {fmt_ms(rb.get('ms'))} | "
                     f"{'—' if growth is None else f'{growth:.2f}×'} | {q} | {under_load} |")
    for size in (a, b):
        inter = size.get("interference")
        if inter:
            alone, open_, stress = inter["alone"], inter["with_dashboard"], inter["with_dashboard_back_to_back"]
            lines.append(f"\n{size['n_chips']:,} chips: annotators' GET annotation under 4 connections (the median "
                         f"round of {len(inter.get('rounds_p99', [0]))}): p99 {fmt_ms(alone['p99'])} ms alone, "
                         f"{fmt_ms(open_['p99'])} ms with a dashboard open "
                         f"(reloaded every {DASHBOARD_EVERY_S:g} s: {open_['dashboard_loads']} loads; "
                         f"{open_['p99'] / alone['p99']:.2f}× alone, target <= 1.5), "
                         f"{fmt_ms(stress['p99'])} ms with it reloaded back to back ({stress['dashboard_loads']} loads); requests/s {alone['rps']:.0f} / "
                         f"{open_['rps']:.0f} / {stress['rps']:.0f}" +
                         (f"; p99 alone / open per round: "
                          f"{', '.join(f'{fmt_ms(x)} / {fmt_ms(y)}' for x, y in inter['rounds_p99'])} ms"
                          if "rounds_p99" in inter else ""))
    for size in (a, b):
        z = size.get("zip_stream")
        if z:
            lines.append(f"\n{size['n_chips']:,} chips: the whole dataset.zip over HTTP: {z['chips']:,} complete "
                         f"chips, {z['mb']:,.0f} MiB in {z['seconds']:.1f} s = {z['chips_per_s']:.0f} chips/s "
                         f"(target >= 100); server worker RSS {z['rss_start_mb']:.0f} MB before, "
                         f"{z['rss_peak_mb']:.0f} MB at most while streaming")
    if a.get("background") and b.get("background"):
        lines.append(f"\n| worker job | {na:,} chips s / peak MB | {nb:,} chips s / peak MB | rows written at {nb:,} |")
        lines.append("|---|---|---|---|")
        for name in a["background"]:
            ja, jb = a["background"][name], b["background"].get(name, {})
            cell = (lambda j: "—" if not j else "error" if "error" in j else f"{j['seconds']:.2f} / {j['peak_mb']:.0f}")
            lines.append(f"| {name} | {cell(ja)} | {cell(jb)} | {jb.get('written', '—')} |")
    for size in (a, b):
        lines.append(f"\n{size['n_chips']:,} chips: {size['n_annotations']:,} annotations, database {size['db_size']}, "
                     f"built in {size['build_s']:.0f} s; load average during the run "
                     f"{size['load'][0]:.1f} → {size['load_after'][0]:.1f} (2 cores, shared)")
    return "\n".join(lines)


def main():
    if "--job" in sys.argv:
        return job_main()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # killed: still drop the database and stop gunicorn
    args = parse_args()
    results = [run_size(n, args) for n in args.sizes]
    for r in results:
        for j in (r.get("background") or {}).values():
            if "error" in j:
                print("job error:", j["error"], file=sys.stderr)
    import redis

    redis.Redis.from_url(BROKER).delete(QUEUE)  # consensus jobs the requests enqueued (nobody consumes them)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "campaign_scale.json").write_text(json.dumps(results, indent=1, default=str))
    table = report(*results)
    print("\n" + table)
    (out / "campaign_scale.md").write_text(table + "\n")
    plot(results, out / "campaign_scale.png")
    print("\nwritten: bench/out/campaign_scale.json, .md, .png")


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a, b = results
    names = list(a["requests"])
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(names) + 1.5))
    y = range(len(names))
    ax.barh([i - 0.2 for i in y], [a["requests"][n]["ms"] for n in names], height=0.4,
            label=f"{a['n_chips']:,} chips")
    ax.barh([i + 0.2 for i in y], [b["requests"].get(n, {}).get("ms", 0) for n in names], height=0.4,
            label=f"{b['n_chips']:,} chips")
    ax.set_yticks(list(y), names, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("ms, one request at a time (log)")
    ax.invert_yaxis()
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
