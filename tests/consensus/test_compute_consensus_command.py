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
