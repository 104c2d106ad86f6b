"""The SQL queries of every request that must not grow with the campaign, pinned: measured on a campaign of 2
chips, then of 6; each must run the same queries at both sizes, and exactly the number pinned here. A change that
makes a request read per chip, per task or per row fails (raise the pin only for a fixed cost, never a loop)."""
import numpy as np
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

PINNED = {
    "annotator: GET me/tasks/next/": 4,
    # the chips with work left, read first (a short list); the count from the assignment counters and the
    # annotator's drafts (two index reads, not a count of the listed tasks); the page
    "annotator: GET me/tasks/?status=pending": 4,
    "annotator: GET me/tasks/?status=draft": 4,
    "annotator: GET me/tasks/": 2,
    "annotator: GET tasks/<id>/annotation/": 2,
    "annotator: PUT tasks/<id>/annotation/ (first save)": 9,  # + the rule guess reads the chip's scenes
    "annotator: PUT tasks/<id>/annotation/ (later save)": 2,
    "expert: GET expert/suggested-tasks/": 2,
    "expert: GET me/tasks/next/": 2,
    "admin: chips": 11,
    "admin: chips search": 11,
    "admin: chips tile filter": 11,
    "admin: tasks": 9,
    "admin: chip assignments": 9,
    "admin: assignments": 7,
    "admin: annotations": 8,
    "admin: annotations last page": 8,
    "admin: annotations search by chip": 10,  # + the chip's tasks and the user looked up first (index, not OR of joins)
    "admin: annotator accuracies": 9,
    "admin: consensus": 9,
    "admin: consensus tile filter": 9,
    # the first after cache.clear(): the summaries' state, then their sum; the newest task id, then the tasks with
    # data (both kept in the cache)
    "stats: dashboard": 16,
    "stats: progress": 10,  # the same states: sum and tasks from the cache
    "stats: classes": 3,  # the same state: its sum from the cache (one query for the state)
    "stats: consensus-scores": 3,
    "stats: classes.png": 4,
    # export: + 1 (fixed) for the consensus run the export serves
    "export: chips": 4,
    "export: chips ?min_score_pct=60": 3,
    "export: chips ?tile=": 3,
    "export: dataset.zip first chunk": 5,  # label, score, methods and times of a chip in one query
}


def requests(c):
    """(name, client, method, path, body) for the campaign as it is now."""
    from rest_framework.test import APIClient

    from annotation.models import Annotation

    from django.contrib.auth import get_user_model

    def api(user):  # a fresh user object per client: role lookups are cached on it, as within one request
        client = APIClient()
        client.force_authenticate(get_user_model().objects.get(pk=user.pk))
        return client

    admin = Client()
    admin.force_login(c.admin)
    alice, erin, xena = api(c.crew[0]), api(c.expert), api(c.exporter)
    first_chip, last_chip = c.chips[0], c.chips[-1]
    saved = Annotation.objects.filter(annotator=c.crew[0]).order_by("task_id").values_list("task_id", flat=True)[0]
    labeled = Annotation.objects.filter(annotator=c.crew[0]).values("task_id")
    fresh = list(first_chip.tasks.exclude(pk__in=labeled).order_by("row", "col").values_list("pk", flat=True))
    labels = np.full((32, 32), 5).tolist()
    n_ann = Annotation.objects.count()
    return [
        ("annotator: GET me/tasks/next/", alice, "get", "/api/me/tasks/next/", None),
        ("annotator: GET me/tasks/?status=pending", alice, "get", "/api/me/tasks/?status=pending", None),
        ("annotator: GET me/tasks/?status=draft", alice, "get", "/api/me/tasks/?status=draft", None),
        ("annotator: GET me/tasks/", alice, "get", "/api/me/tasks/", None),
        ("annotator: GET tasks/<id>/annotation/", alice, "get", f"/api/tasks/{saved}/annotation/", None),
        ("annotator: PUT tasks/<id>/annotation/ (first save)", alice, "put", f"/api/tasks/{fresh[0]}/annotation/",
         {"labels": labels, "revision": 0}),
        ("annotator: PUT tasks/<id>/annotation/ (later save)", alice, "put", f"/api/tasks/{fresh[0]}/annotation/",
         {"labels": labels, "revision": 1}),
        ("expert: GET expert/suggested-tasks/", erin, "get", "/api/expert/suggested-tasks/", None),
        ("expert: GET me/tasks/next/", erin, "get", "/api/me/tasks/next/", None),
        ("admin: chips", admin, "get", "/admin/imagery/chip/", None),
        ("admin: chips search", admin, "get", f"/admin/imagery/chip/?q={last_chip.pk}", None),
        ("admin: chips tile filter", admin, "get", f"/admin/imagery/chip/?tile__id__exact={last_chip.tile_id}", None),
        ("admin: tasks", admin, "get", "/admin/imagery/task/", None),
        ("admin: chip assignments", admin, "get", "/admin/annotation/chipwork/", None),
        ("admin: assignments", admin, "get", "/admin/annotation/assignment/", None),
        ("admin: annotations", admin, "get", "/admin/annotation/annotation/", None),
        ("admin: annotations last page", admin, "get", f"/admin/annotation/annotation/?p={-(-n_ann // 100)}", None),
        ("admin: annotations search by chip", admin, "get", f"/admin/annotation/annotation/?q={last_chip.pk}", None),
        ("admin: annotator accuracies", admin, "get", "/admin/consensus/annotatoraccuracy/", None),
        ("admin: consensus", admin, "get", "/admin/consensus/consensuslabel/", None),
        ("admin: consensus tile filter", admin, "get",
         f"/admin/consensus/consensuslabel/?task__chip__tile__id__exact={last_chip.tile_id}", None),
        ("stats: dashboard", admin, "get", "/api/stats/dashboard/", None),
        ("stats: progress", admin, "get", "/api/stats/progress/", None),
        ("stats: classes", admin, "get", "/api/stats/classes/", None),
        ("stats: consensus-scores", admin, "get", "/api/stats/consensus-scores/", None),
        ("stats: classes.png", admin, "get", "/api/stats/classes.png", None),
        ("export: chips", xena, "get", "/api/export/chips/", None),
        ("export: chips ?min_score_pct=60", xena, "get", "/api/export/chips/?min_score_pct=60", None),
        ("export: chips ?tile=", xena, "get", f"/api/export/chips/?tile={last_chip.tile_id}", None),
        ("export: dataset.zip first chunk", xena, "get", "/api/export/dataset.zip", None),
    ]


def count(client, method, path, body) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        if body is None:
            response = getattr(client, method)(path)
        else:
            response = getattr(client, method)(path, body, format="json")
        if hasattr(response, "streaming_content"):
            next(iter(response.streaming_content))  # the first chunk: what the client waits for
    assert response.status_code < 400, (path, response.status_code, getattr(response, "content", b"")[:300])
    return len(ctx.captured_queries), response.status_code


def measure(c) -> dict[str, int]:
    from django.core.cache import cache

    cache.clear()  # figures are drawn once per state: count the drawing (the cost before the cache has it)
    return {name: count(client, method, path, body)[0] for name, client, method, path, body in requests(c)}


def test_no_request_runs_more_queries_on_a_bigger_campaign(campaign):
    campaign.grow(2)
    measure(campaign)  # warm-up: the hot path prepares its statements once per connection
    small = measure(campaign)
    campaign.grow(4)
    big = measure(campaign)
    grew = {name: (small[name], big[name]) for name in small if small[name] != big[name]}
    assert not grew, f"queries grew with the campaign (2 chips, 6 chips): {grew}"
    assert set(small) == set(PINNED)
    off = {name: (PINNED[name], n) for name, n in small.items() if PINNED[name] != n}
    assert not off, f"query counts changed (pinned, now): {off}"
