"""Effort where labels are uncertain: a weak task gets a fourth annotator for that task only (or the experts'
queue, whose label then overrides its consensus); a strong task gets nothing; the fourth label enters the next run."""
import io

import numpy as np
import pytest
from django.core.management import call_command

from annotation.lib.labels import labels_from_bytes
from annotation.models import Assignment, ExtraAnnotator, ReferenceTask
from annotation.services.extra import extra_annotator_add
from consensus import run_selectors, runs, services
from consensus.models import ConsensusLabel
from consensus.reproduce import run_reproduce
from consensus.selectors import WEAK_CONSENSUS
from imagery.models import Task
from lcnet_site.errors import AppError

from tests.consensus import simulated_campaign
from tests.consensus.conftest import filled


@pytest.fixture
def calibrated(make_chip, make_user, settings):
    """Three simulated chips (96 reference tasks) computed and calibrated, then a fresh chip labeled by three of the
    pool: task `weak` where they all differ, task `strong` where they agree. p = 0.8: where three annotators give
    three classes the most accurate one is still right about 62 % of the time (the calibrated probability)."""
    settings.LCNET_CAMPAIGN = {"weak_task_probability": 0.8}
    c = simulated_campaign.build(make_chip, make_user, n_chips=3, reference_per_chip=32)
    call_command("compute_consensus", stdout=io.StringIO(), stderr=io.StringIO())
    assert run_selectors.live_run().calibration
    chip = make_chip("32NLP_09")
    crew = c.annotators[:3]
    for slot, user in enumerate(crew, start=1):
        Assignment.objects.create(chip=chip, user=user, slot=slot)
    weak, strong = Task.objects.filter(chip=chip).order_by("pk")[:2]
    return c, chip, crew, weak, strong


def label_all(submit, crew, weak, strong):
    for user, value in zip(crew, (2, 3, 4)):
        submit(weak, user, filled(value))
    for user in crew:
        submit(strong, user, filled(5))
    return services.consensus_recompute(task_ids=[weak.pk, strong.pk])


def test_a_weak_task_gets_a_fourth_annotator_and_a_strong_one_does_not(calibrated, submit, api):
    c, chip, crew, weak, strong = calibrated
    label_all(submit, crew, weak, strong)
    extra = ExtraAnnotator.objects.get()
    assert extra.task_id == weak.pk and extra.user == c.annotators[3] and extra.reason == WEAK_CONSENSUS
    assert not ExtraAnnotator.objects.filter(task=strong).exists()
    fourth = api(extra.user)
    assert fourth.get("/api/me/extra-tasks/").json() == [
        {"task": weak.pk, "chip": chip.pk, "row": weak.row, "col": weak.col, "status": None}]
    assert fourth.get(f"/api/tasks/{weak.pk}/annotation/").status_code == 200  # that task only
    assert fourth.get(f"/api/tasks/{strong.pk}/annotation/").status_code == 404
    # the same weak task is not handed out again on the next recompute
    submit(weak, crew[0], filled(2))
    services.consensus_recompute(task_ids=[weak.pk])
    assert ExtraAnnotator.objects.count() == 1


def test_the_fourth_annotators_labels_enter_the_next_run(calibrated, submit):
    c, chip, crew, weak, strong = calibrated
    label_all(submit, crew, weak, strong)
    before = run_selectors.live_run()
    old_label = labels_from_bytes(ConsensusLabel.objects.get(task=weak).label).copy()
    submit(weak, c.annotators[3], filled(3))
    new = runs.consensus_run_start(method="bayes", note="the weak task's fourth label")
    assert services.consensus_recompute(task_ids=[weak.pk, strong.pk]) == 1
    row = ConsensusLabel.objects.get(task=weak)
    assert [a["annotator"] for a in row.inputs["annotations"]] == sorted(u.pk for u in c.annotators)
    assert np.all(labels_from_bytes(row.label) == 3) and row.run_id == new.pk
    before.refresh_from_db()
    kept = run_selectors.run_rows(before, task_ids=[weak.pk])[weak.pk]
    assert np.array_equal(labels_from_bytes(kept.label), old_label) and len(kept.inputs["annotations"]) == 3
    assert run_reproduce(new)["differ"] == [] and run_reproduce(before)["differ"] == []


def test_with_the_expert_action_the_experts_label_overrides_the_weak_consensus(calibrated, submit, expert_submit,
                                                                                settings):
    c, chip, crew, weak, strong = calibrated
    settings.LCNET_CAMPAIGN = {"weak_task_action": "expert", "weak_task_probability": 0.8}
    label_all(submit, crew, weak, strong)
    assert list(ReferenceTask.objects.filter(chosen_by=WEAK_CONSENSUS).values_list("task_id", flat=True)) == [weak.pk]
    assert not ExtraAnnotator.objects.exists()
    truth = filled(6)
    truth[:4] = 0  # the expert leaves a strip unlabeled: the consensus stays there
    expert_label = expert_submit(weak, c.expert, truth)
    services.consensus_recompute(task_ids=[weak.pk])
    row = ConsensusLabel.objects.get(task=weak)
    label = labels_from_bytes(row.label)
    assert np.all(label[4:] == 6) and np.all(label[:4] != 6)
    assert row.inputs["expert_override"] == {"expert_label": expert_label.pk, "revision": expert_label.revision}
    assert run_reproduce(run_selectors.live_run())["differ"] == []


def test_the_policy_off_or_an_uncalibrated_run_routes_nothing(crew, chip, submit, settings):
    weak, strong = Task.objects.filter(chip=chip).order_by("pk")[:2]
    label_all(submit, crew, weak, strong)  # no reference tasks: no calibration, no policy
    assert not ExtraAnnotator.objects.exists() and not ReferenceTask.objects.exists()


def test_an_extra_annotator_is_never_someone_who_labeled_the_task_or_holds_the_chip(crew, chip, submit, make_user):
    task = Task.objects.filter(chip=chip).first()
    submit(task, crew[0], filled(1))
    for user in crew:
        with pytest.raises(AppError, match="never someone who labeled"):
            extra_annotator_add(task_id=task.pk, user=user)
    dave = make_user("dave", "annotator")
    extra_annotator_add(task_id=task.pk, user=dave)
    with pytest.raises(AppError, match="has an extra annotator"):
        extra_annotator_add(task_id=task.pk, user=make_user("eve", "annotator"))
    assert ExtraAnnotator.objects.count() == 1
