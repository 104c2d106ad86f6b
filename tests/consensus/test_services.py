"""consensus.services: scores against experts, consensus of complete tasks, idempotence, scope rules."""
import numpy as np
import pytest
from django.test import override_settings

from annotation.models import Assignment, ChipFreeze
from consensus import services
from consensus.models import AnnotatorAccuracy, ConsensusLabel
from annotation.lib.labels import labels_from_bytes
from consensus.lib.codec import score_from_bytes
from imagery.models import Task
from lcnet_site.errors import AppError

from tests.consensus.conftest import filled


@pytest.fixture
def task(chip):
    return Task.objects.get(chip=chip, row=2, col=3)


@pytest.fixture
def reference(chip):
    return Task.objects.get(chip=chip, row=0, col=0)


def test_three_submissions_make_a_consensus_weighted_by_the_prior_when_nobody_has_a_reference(crew, task, submit):
    alice, bob, carol = crew
    submit(task, alice, filled(5))
    submit(task, bob, filled(6))
    assert services.consensus_recompute(task_ids=[task.pk]) == 0  # two of three: nothing yet
    submit(task, carol, filled(6))
    assert services.consensus_recompute(task_ids=[task.pk]) == 1
    row = ConsensusLabel.objects.get(task=task)
    assert np.all(labels_from_bytes(row.label) == 6)
    np.testing.assert_allclose(score_from_bytes(row.score), 2 / 3, rtol=1e-6)
    assert row.method == "bayes" and row.mean_score == pytest.approx(2 / 3) and row.disagreement == 1.0
    assert [a["annotator"] for a in row.inputs["annotations"]] == [alice.pk, bob.pk, carol.pk]
    assert [a["revision"] for a in row.inputs["annotations"]] == [1, 1, 1]


def test_a_recompute_with_unchanged_inputs_writes_nothing(crew, task, submit):
    for user, value in zip(crew, (3, 3, 4)):
        submit(task, user, filled(value))
    services.consensus_recompute(task_ids=[task.pk])
    before = ConsensusLabel.objects.get(task=task).computed_at
    assert services.consensus_recompute(task_ids=[task.pk]) == 0
    assert ConsensusLabel.objects.get(task=task).computed_at == before
    submit(task, crew[2], filled(3))  # a resubmission is a new input
    assert services.consensus_recompute(task_ids=[task.pk]) == 1
    assert score_from_bytes(ConsensusLabel.objects.get(task=task).score).min() == 1.0


def test_expert_labels_give_accuracies_that_decide_a_three_way_split(crew, task, reference, submit, expert_submit, erin):
    alice, bob, carol = crew
    for user, value in zip(crew, (5, 6, 7)):
        submit(task, user, filled(value))
    services.consensus_recompute(task_ids=[task.pk])
    assert np.all(labels_from_bytes(ConsensusLabel.objects.get(task=task).label) == 5)  # equal priors: smallest code
    truth = filled(7)
    truth[:8] = 6  # a quarter of the reference is class 6
    expert_submit(reference, erin, truth)
    for user, value in zip(crew, (5, 6, 7)):
        submit(reference, user, filled(value))
    assert services.annotator_accuracies_recompute() == {alice.pk, bob.pk, carol.pk}
    scores = {s.annotator_id: s for s in AnnotatorAccuracy.objects.all()}
    assert scores[alice.pk].accuracy == 0.0
    assert scores[bob.pk].accuracy == pytest.approx(0.25) and scores[carol.pk].accuracy == pytest.approx(0.75)
    assert scores[carol.pk].n_reference_tasks == 1 and scores[carol.pk].n_reference_pixels == 1024
    assert scores[carol.pk].confusion[6][7] == 256 and scores[carol.pk].confusion[7][7] == 768
    services.consensus_recompute(task_ids=[task.pk])
    row = ConsensusLabel.objects.get(task=task)
    assert np.all(labels_from_bytes(row.label) == 7)
    np.testing.assert_allclose(score_from_bytes(row.score), 0.75 / (0.001 + 0.25 + 0.75), rtol=1e-5)


def test_scores_recompute_with_unchanged_inputs_changes_nothing(crew, reference, submit, expert_submit, erin):
    expert_submit(reference, erin, filled(2))
    submit(reference, crew[0], filled(2))
    assert services.annotator_accuracies_recompute() == {crew[0].pk}
    stamp = AnnotatorAccuracy.objects.get(annotator=crew[0]).computed_at
    assert services.annotator_accuracies_recompute() == set()
    assert AnnotatorAccuracy.objects.get(annotator=crew[0]).computed_at == stamp


def test_annotators_without_reference_tasks_are_kept_at_the_prior(crew, task, submit, settings):
    settings.LCNET_CAMPAIGN = {"prior_accuracy": 0.55}
    submit(task, crew[0], filled(1))
    services.annotator_accuracies_recompute()
    score = AnnotatorAccuracy.objects.get(annotator=crew[0])
    assert score.accuracy is None and score.n_reference_tasks == 0
    from consensus.selectors import annotator_weights

    assert annotator_weights([crew[0].pk]) == {crew[0].pk: 0.55}


def test_consensus_is_dropped_when_an_annotator_leaves_the_chip(crew, task, submit):
    for user in crew:
        submit(task, user, filled(4))
    services.consensus_recompute(task_ids=[task.pk])
    Assignment.objects.filter(user=crew[1]).update(ended_at="2026-01-01T00:00Z")
    assert services.consensus_recompute(task_ids=[task.pk]) == 1
    assert not ConsensusLabel.objects.filter(task=task).exists()


def test_frozen_chips_keep_their_consensus(crew, chip, task, submit):
    for user, value in zip(crew, (4, 4, 5)):
        submit(task, user, filled(value))
    services.consensus_recompute(task_ids=[task.pk])
    ChipFreeze.objects.create(chip=chip)
    Assignment.objects.filter(user=crew[2]).update(ended_at="2026-01-01T00:00Z")
    assert services.consensus_recompute() == 0
    assert ConsensusLabel.objects.filter(task=task).exists()


def test_an_unknown_method_is_refused(task):
    with pytest.raises(AppError, match="unknown consensus method"):
        services.consensus_recompute(method="median")


@override_settings(LCNET_CAMPAIGN={"consensus_method": "dawid-skene"})
def test_dawid_skene_method_holds_the_expert_label_as_truth_on_reference_tasks(
    crew, task, reference, submit, expert_submit, erin
):
    for t in (task, reference):
        for user, value in zip(crew, (5, 6, 6)):
            submit(t, user, filled(value))
    expert_submit(reference, erin, filled(5))
    services.task_consensus_recompute(task_id=task.pk)
    rows = {r.task_id: r for r in ConsensusLabel.objects.all()}
    assert rows[task.pk].method == rows[reference.pk].method == "dawid-skene"
    assert np.all(labels_from_bytes(rows[reference.pk].label) == 5)
    assert np.all(score_from_bytes(rows[reference.pk].score) == 1.0)
    assert rows[reference.pk].inputs["reference"]["revision"] == 1
    # Bob and Carol said 6 where the truth was 5: the same pattern elsewhere now reads 5.
    assert np.all(labels_from_bytes(rows[task.pk].label) == 5)


def test_refreshed_scores_reweigh_the_consensus_of_tasks_their_annotators_labeled(crew, task, reference, submit,
                                                                                 expert_submit, erin):
    for user, value in zip(crew, (5, 6, 7)):
        submit(task, user, filled(value))
        submit(reference, user, filled(value))
    services.consensus_recompute()
    assert np.all(labels_from_bytes(ConsensusLabel.objects.get(task=task).label) == 5)  # equal priors: smallest code
    expert_submit(reference, erin, filled(7))  # carol alone agrees with the expert
    assert services.annotator_accuracies_refresh() >= 1
    assert np.all(labels_from_bytes(ConsensusLabel.objects.get(task=task).label) == 7)
    assert services.annotator_accuracies_refresh() == 0  # nothing changed: nothing written


@override_settings(LCNET_CAMPAIGN={"consensus_method": "dawid-skene"})
def test_refreshed_scores_leave_dawid_skene_consensus_alone(crew, reference, submit, expert_submit, erin):
    expert_submit(reference, erin, filled(2))
    submit(reference, crew[0], filled(2))
    assert services.annotator_accuracies_refresh() == 0
    assert crew[0].annotator_accuracy.accuracy == 1.0  # the user's accuracy row, by its one name
