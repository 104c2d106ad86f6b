"""A task's first save keeps its guess: annotation calls guesslabels.services.guess_keep (a downward call)."""
from guesslabels import services
from guesslabels.models import KeptGuess


def test_no_task_is_kept_before_anyone_saves(db, make_chip):
    chip = make_chip()
    assert services._edited_task_ids([chip]) == set()


def test_guess_keep_marks_the_task_once(db, make_chip):
    chip = make_chip()
    task = chip.tasks.first()
    services.guess_keep(task_id=task.pk)
    services.guess_keep(task_id=task.pk)  # idempotent: a second first-save race changes nothing
    assert KeptGuess.objects.filter(task=task).count() == 1
    assert services._edited_task_ids([chip]) == {task.pk}
