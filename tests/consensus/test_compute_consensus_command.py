"""python manage.py compute_consensus: everything, by tile, by method; bad input is a clear error."""
import numpy as np
import pytest
from django.core.management import CommandError, call_command

from consensus.models import ConsensusLabel
from annotation.lib.labels import labels_from_bytes
from imagery.models import Task

from tests.consensus.conftest import filled


@pytest.fixture
def labeled(crew, chip, submit):
    tasks = list(Task.objects.filter(chip=chip)[:5])
    for task in tasks:
        for user, value in zip(crew, (1, 1, 2)):
            submit(task, user, filled(value))
    return tasks


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("compute_consensus", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_command_computes_every_complete_task_and_a_second_run_writes_nothing(labeled):
    assert "5 consensus labels written" in run()
    assert ConsensusLabel.objects.count() == 5
    assert all(np.all(labels_from_bytes(c.label) == 1) for c in ConsensusLabel.objects.all())
    assert "0 consensus labels written" in run()


def test_the_command_limits_itself_to_a_tile_and_takes_a_method(labeled, make_chip):
    make_chip("33ABC_00")
    assert "0 consensus labels written" in run("--tile", "33ABC")
    assert "dawid-skene: " in run("--tile", "32NLP", "--method", "dawid-skene")
    assert set(ConsensusLabel.objects.values_list("method", flat=True)) == {"dawid-skene"}
    assert "; 0 tasks have consensus\n" in run("--tile", "33ABC")  # 32NLP's five are not this tile's
    assert "; 5 tasks have consensus\n" in run()


def test_an_unknown_tile_is_a_clear_error(db):
    with pytest.raises(CommandError, match="unknown tile"):
        run("--tile", "99XXX")


def test_an_unknown_method_is_refused_by_the_parser(db):
    with pytest.raises(CommandError, match="invalid choice"):
        run("--method", "median")


def test_a_rerun_recomputes_only_changed_tasks_drops_incomplete_ones_and_reads_no_labels_otherwise(
        labeled, crew, chip, submit, make_chip, alice, bob, carol):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from annotation.models import Assignment, ChipFreeze

    other = make_chip("33ABC_00")
    for slot, user in enumerate((alice, bob, carol), start=1):
        Assignment.objects.create(chip=other, user=user, slot=slot)
    theirs = list(Task.objects.filter(chip=other)[:2])
    for task in theirs:
        for user in crew:
            submit(task, user, filled(3))
    assert "7 consensus labels written" in run()
    with CaptureQueriesContext(connection) as nothing:
        assert "0 consensus labels written" in run()
    sql = [q["sql"] for q in nothing.captured_queries]
    # found from revisions alone: no consensus row read, annotation labels only of reference tasks (accuracy and
    # calibration, a fixed number of queries)
    assert not any('"consensus_consensuslabel"."label"' in q or '"consensus_consensuslabel"."score"' in q for q in sql)
    assert sum('"annotation_annotation"."labels"' in q for q in sql) <= 2
    submit(labeled[0], crew[2], filled(1))  # a resubmission: that task only (now unanimous)
    Assignment.objects.filter(chip=other, user=bob).update(ended_at="2026-01-01T00:00Z")  # the other chip's two
    assert "3 consensus labels written or removed; 5 tasks have consensus" in run()
    assert ConsensusLabel.objects.get(task=labeled[0]).mean_score == 1.0
    assert "dawid-skene: 0 annotator accuracies changed; 5 consensus labels" in run("--method", "dawid-skene")
    assert set(ConsensusLabel.objects.values_list("method", flat=True)) == {"dawid-skene"}
    ChipFreeze.objects.create(chip=chip)  # final: left as it is even when an annotator leaves
    Assignment.objects.filter(chip=chip, user=bob).update(ended_at="2026-01-01T00:00Z")
    assert "0 consensus labels written or removed; 5 tasks have consensus" in run("--method", "dawid-skene")
