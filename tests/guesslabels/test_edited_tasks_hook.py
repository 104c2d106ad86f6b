"""A task's first save keeps its guess: annotation calls guesslabels.services.guess_keep (a downward call)."""
from guesslabels import services
from guesslabels.models import GuessSource, KeptGuess


def test_no_task_is_kept_before_anyone_saves(db, make_chip):
    make_chip()
    assert not KeptGuess.objects.exists()


def test_guess_keep_marks_the_task_once(db, make_chip):
    chip = make_chip()
    task = chip.tasks.first()
    services.guess_keep(task_id=task.pk, source=GuessSource.RULE, run_id=None)
    services.guess_keep(task_id=task.pk, source=GuessSource.TILE, run_id=None)  # a racing first save changes nothing
    kept = KeptGuess.objects.get(task=task)
    assert kept.source == GuessSource.RULE and kept.run is None
