"""Accuracy with uncertainty and the annotator's own profile: pooled accuracy and its Beta interval (or "not enough
reference pixels yet"), per-class rates, confusions in words, history, examples; who may see what."""
import numpy as np
import pytest

from annotation.models import Assignment, ChipFreeze
from consensus import services
from consensus.models import AccuracySnapshot, AnnotatorAccuracy
from imagery.models import Task

from tests.consensus import simulated_campaign
from tests.consensus.conftest import filled


@pytest.fixture
def campaign(make_chip, make_user):
    c = simulated_campaign.build(make_chip, make_user, n_chips=2, reference_per_chip=8)
    services.annotator_accuracies_recompute()
    return c


def crew_of(chip):
    return [a.user for a in Assignment.objects.filter(chip=chip, ended_at__isnull=True).order_by("slot")]


def test_an_annotator_sees_their_pooled_accuracy_with_an_interval_and_confusions_in_words(campaign, api):
    user = crew_of(campaign.chips[0])[0]
    body = api(user).get("/api/me/accuracy/").json()
    assert body["annotator"] == user.pk and body["status"] == "ok"
    pooled = body["pooled"]
    assert pooled["low"] < pooled["accuracy"] < pooled["high"]
    true = simulated_campaign.ACCURACIES[campaign.annotators.index(user)]
    assert pooled["low"] - 0.05 < true < pooled["high"] + 0.05  # the interval is about the known accuracy
    assert len(body["classes"]) == 7 and {"recall", "precision"} <= set(body["classes"][0])
    assert body["confusions"] and body["confusions"][0]["text"].startswith("of the pixels experts call ")
    assert body["history"] and body["history"][-1]["accuracy"] == pooled["accuracy"]
    assert "consensus" not in str(body).lower()


def test_few_reference_pixels_give_words_not_a_number(make_chip, make_user, api, settings):
    simulated_campaign.build(make_chip, make_user, n_chips=1, reference_per_chip=1)
    services.annotator_accuracies_recompute()
    user = crew_of(Task.objects.first().chip)[0]
    body = api(user).get("/api/me/accuracy/").json()
    assert body["status"] == "not_enough" and body["message"] == "not enough reference pixels yet"
    assert body["pooled"] is None and body["mean_of_tasks"] is not None  # the mean of task scores stays available


def test_a_reference_task_under_the_minimum_coverage_does_not_count(crew, chip, submit, expert_submit, erin, settings):
    settings.LCNET_CAMPAIGN = {"accuracy_min_task_pixels": 100, "accuracy_min_pixels": 100}
    big, small = Task.objects.filter(chip=chip).order_by("pk")[:2]
    sparse = np.zeros((32, 32), np.uint8)
    sparse[0, :50] = 4  # 50 expert pixels: under the coverage
    for user in crew:
        submit(big, user, filled(4))
        submit(small, user, filled(5))
    expert_submit(big, erin, filled(4))
    expert_submit(small, erin, sparse)
    services.annotator_accuracies_recompute()
    score = AnnotatorAccuracy.objects.get(annotator=crew[0])
    assert score.pooled["n_tasks"] == 1 and score.pooled["accuracy"] == 1.0
    assert score.accuracy == 0.5  # the mean of task scores counts both


def test_examples_show_the_experts_labels_only_once_the_reference_is_closed(campaign, api):
    chip = campaign.chips[0]
    user = crew_of(chip)[0]
    examples = api(user).get("/api/me/accuracy/").json()["examples"]
    assert examples and all(e["your_labels"] is not None for e in examples)
    mine = [e for e in examples if e["chip"] == chip.pk]
    assert mine and all(e["expert_labels"] is None and not e["closed"] for e in mine)
    ChipFreeze.objects.create(chip=chip)
    examples = api(user).get("/api/me/accuracy/").json()["examples"]
    shown = [e for e in examples if e["chip"] == chip.pk]
    assert shown and all(e["closed"] and np.array(e["expert_labels"]).shape == (32, 32) for e in shown)
    assert np.array_equal(np.array(shown[0]["expert_labels"]), campaign.truth[shown[0]["task"]])


def test_an_annotator_never_sees_another_ones_numbers(campaign, api, admin_user, erin):
    a, b = crew_of(campaign.chips[0])[:2]
    mine, theirs = api(a).get("/api/me/accuracy/").json(), api(b).get("/api/me/accuracy/").json()
    assert mine["annotator"] == a.pk and theirs["annotator"] == b.pk and mine["pooled"] != theirs["pooled"]
    assert api(a).get(f"/api/admin/annotators/{b.pk}/accuracy/").status_code == 403
    assert api(a).get(f"/api/me/accuracy/?annotator={b.pk}").json()["annotator"] == a.pk  # no way to ask for b
    assert api(erin).get("/api/me/accuracy/").status_code == 403  # experts have no accuracy profile


def test_admins_see_everyones_profile_with_expert_labels(campaign, api, admin_user):
    b = crew_of(campaign.chips[0])[1]
    body = api(admin_user).get(f"/api/admin/annotators/{b.pk}/accuracy/").json()
    assert body["annotator"] == b.pk and body["username"] == b.username
    assert all(e["expert_labels"] is not None for e in body["examples"])
    assert api(admin_user).get("/api/admin/annotators/999999/accuracy/").status_code == 404
    assert api(admin_user).get(f"/api/admin/annotators/{campaign.expert.pk}/accuracy/").status_code == 404


def test_history_grows_when_the_accuracy_changes(crew, chip, submit, expert_submit, erin, settings):
    settings.LCNET_CAMPAIGN = {"accuracy_min_task_pixels": 1, "accuracy_min_pixels": 1}
    task = Task.objects.filter(chip=chip).first()
    for user in crew:
        submit(task, user, filled(4))
    expert_submit(task, erin, filled(4))
    services.annotator_accuracies_recompute()
    services.annotator_accuracies_recompute()  # nothing changed: no new entry
    assert AccuracySnapshot.objects.filter(annotator=crew[0]).count() == 1
    expert_submit(task, erin, filled(5))
    services.annotator_accuracies_recompute()
    assert list(AccuracySnapshot.objects.filter(annotator=crew[0]).values_list("accuracy", flat=True)) == [1.0, 0.0]
