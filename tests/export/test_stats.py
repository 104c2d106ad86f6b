"""GET /api/stats/classes/, consensus-scores/ (+ .png), progress/ and the admins' dashboard page."""
import numpy as np
import pytest
from django.test import Client

from imagery.lib.domain import CLASS_NAMES


@pytest.fixture
def chips(make_export_chip):
    return [make_export_chip("30PWT_00"), make_export_chip("38KMA_00")]


def test_class_counts_are_the_pixels_of_every_consensus(chips, admin_user, api_as, real_chip):
    classes = api_as(admin_user).get("/api/stats/classes/").json()["classes"]
    both = np.concatenate([real_chip("30PWT_00")["label"].ravel(), real_chip("38KMA_00")["label"].ravel()])
    assert {c["name"]: c["pixels"] for c in classes} == {CLASS_NAMES[k]: int((both == k).sum()) for k in range(1, 8)}
    assert sum(c["share_pct"] for c in classes) == pytest.approx(100, abs=0.01)


def test_score_histogram_has_ten_bins_and_the_agreement_shares(chips, admin_user, api_as, real_chip):
    scores = api_as(admin_user).get("/api/stats/consensus-scores/").json()
    assert [b["low"] for b in scores["bins"]] == list(range(0, 100, 10))
    pct = np.concatenate([np.rint(real_chip(c)["score"] * 100)[real_chip(c)["label"] > 0] for c in ("30PWT_00", "38KMA_00")])
    assert scores["labeled_pixels"] == pct.size
    assert scores["share_100_pct"] == pytest.approx(100 * (pct == 100).mean(), abs=1e-3)
    assert scores["share_60_100_pct"] == pytest.approx(100 * ((pct >= 60) & (pct < 100)).mean(), abs=1e-3)


def test_figures_follow_each_change_of_the_consensus_though_their_sum_is_cached(chips, make_export_chip, admin_user,
                                                                               api_as, real_chip):
    api = api_as(admin_user)
    before = {c["name"]: c["pixels"] for c in api.get("/api/stats/classes/").json()["classes"]}
    assert api.get("/api/stats/classes/").json()["classes"] == api.get("/api/stats/classes/").json()["classes"]
    make_export_chip("30PWT_01", source="30PWT_00")  # a third chip: its summary is written, the state moves on
    after = {c["name"]: c["pixels"] for c in api.get("/api/stats/classes/").json()["classes"]}
    one = real_chip("30PWT_00")["label"]
    assert after == {name: before[name] + int((one == k).sum()) for k, name in CLASS_NAMES.items() if k}
    from consensus.models import ConsensusLabel
    from export.summaries import chip_summaries_refresh

    ConsensusLabel.objects.filter(task__chip_id="30PWT_01").delete()
    chip_summaries_refresh(chip_ids=["30PWT_01"])  # the chip loses its summary: back to the first sum
    assert {c["name"]: c["pixels"] for c in api.get("/api/stats/classes/").json()["classes"]} == before


def test_plots_are_png(chips, admin_user, api_as):
    for path in ("/api/stats/classes.png", "/api/stats/consensus-scores.png"):
        response = api_as(admin_user).get(path)
        assert response["Content-Type"] == "image/png" and response.content[:4] == b"\x89PNG"


def test_progress_counts_chips_and_tasks(chips, make_export_chip, admin_user, api_as):
    assert api_as(admin_user).get("/api/stats/progress/").json()["tasks"] == 128
    make_export_chip("30PWT_01", source="33LUD_00", missing=4)
    progress = api_as(admin_user).get("/api/stats/progress/").json()
    assert (progress["chips"], progress["chips_complete"], progress["chips_started"]) == (3, 2, 0)
    assert (progress["tasks"], progress["tasks_with_consensus"]) == (192, 188)
    from imagery.models import Chip

    Chip.objects.filter(pk="30PWT_00").delete()  # its tasks go with it: the count follows
    assert api_as(admin_user).get("/api/stats/progress/").json()["tasks"] == 128


def test_a_chip_is_started_once_any_annotation_on_it_is_submitted(chips, admin_user, alice, assign, api_as):
    from annotation.models import Annotation
    from imagery.models import Task

    first, second = Task.objects.order_by("chip_id", "row", "col")[:2]  # two tasks of one chip
    assign(first.chip, alice)
    for task, status in [(first, "submitted"), (second, "draft")]:
        Annotation.objects.create(task=task, annotator=alice, labels=bytes(1024), guess=bytes(1024), status=status,
                                  revision=1)
    assert api_as(admin_user).get("/api/stats/progress/").json()["chips_started"] == 1
    Annotation.objects.filter(task=first).update(status="draft")  # withdrawn: only drafts left
    assert api_as(admin_user).get("/api/stats/progress/").json()["chips_started"] == 0


def test_progress_is_counted_at_most_once_per_max_age_and_says_when(chips, make_export_chip, admin_user, api_as,
                                                                      settings, monkeypatch):
    from django.core.cache import cache
    from django.utils import timezone

    settings.LCNET_PROGRESS_MAX_AGE_S = 30
    cache.delete("lcnet:progress")
    counted = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: counted)
    first = api_as(admin_user).get("/api/stats/progress/").json()
    assert first["chips"] == 2 and first["as_of"] == counted.isoformat().replace("+00:00", "Z")
    make_export_chip("30PWT_01", source="33LUD_00", missing=4)
    monkeypatch.setattr(timezone, "now", lambda: counted + timezone.timedelta(seconds=5))
    assert api_as(admin_user).get("/api/stats/progress/").json() == first  # within the age: the same count
    cache.delete("lcnet:progress")  # what the cache does once the age has passed
    later = api_as(admin_user).get("/api/stats/progress/").json()
    assert later["chips"] == 3 and later["as_of"] > first["as_of"]
    cache.delete("lcnet:progress")


def test_the_dashboard_shows_figures_and_progress_to_admins_only(chips, admin_user, alice):
    client = Client()
    assert client.get("/api/stats/dashboard/").status_code == 302  # to the login page
    client.force_login(alice)
    assert client.get("/api/stats/dashboard/").status_code == 403
    client.force_login(admin_user)
    page = client.get("/api/stats/dashboard/").content.decode()
    assert "/api/stats/classes.png" in page and "/api/stats/consensus-scores.png" in page
    assert "2 / 2" in page  # chips complete
    assert "Counted at " in page  # the counts say their age
