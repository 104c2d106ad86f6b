"""The work queue: the chip's task list (8×8), previous / next / skip, flags with a comment stored on the server,
active time recorded, the expert's lists, and admins and exporters without a labeling toolset."""
import pytest

from annotation.access import access_label_target
from annotation.models import ReferenceTask, TaskWork
from annotation.services import label_save
from imagery.models import Task

from tests.frontend.conftest import artifact_path, log_in, pixel_center

pytestmark = pytest.mark.browser


def test_the_task_list_shows_the_chip_and_opens_tasks(page, live_server, alice, alice_chip, guess):
    import numpy as np

    done = Task.objects.get(chip=alice_chip, row=0, col=1)
    draft = Task.objects.get(chip=alice_chip, row=0, col=2)
    label_save(user=alice, target=access_label_target(alice, done.pk), labels=guess[:32, 32:64], revision=0, submit=True)
    label_save(user=alice, target=access_label_target(alice, draft.pk), labels=np.full((32, 32), 7, np.uint8),
               revision=0, submit=False)
    log_in(page, live_server, "alice")  # opens (0, 0), the first unfinished task
    page.wait_for_selector("#task-list .cell.current")
    cells = page.locator("#task-list button.cell")
    assert cells.count() == 64
    assert page.locator(f"#task-list [data-task='{done.pk}']").get_attribute("class").split()[1] == "submitted"
    assert "draft" in page.locator(f"#task-list [data-task='{draft.pk}']").get_attribute("class")
    page.wait_for_function("() => performance.getEntriesByName('lcnet:task-list').length > 0")
    page.screenshot(path=str(artifact_path("labeling_page_task_list.png")))

    page.keyboard.press("Shift+ArrowRight")  # next task of the chip
    page.wait_for_function(f"() => document.body.dataset.ready === '{done.pk}'")
    page.locator("#task-prev").click()
    first = Task.objects.get(chip=alice_chip, row=0, col=0)
    page.wait_for_function(f"() => document.body.dataset.ready === '{first.pk}'")
    target = Task.objects.get(chip=alice_chip, row=5, col=6)
    page.locator(f"#task-list [data-task='{target.pk}']").click()
    page.wait_for_function(f"() => document.body.dataset.ready === '{target.pk}'")
    page.wait_for_function("() => document.querySelector('#progress').textContent.startsWith('Task 47 of 64')")
    page.keyboard.press("n")  # skip: the next unfinished task
    page.wait_for_function(f"() => document.body.dataset.ready !== '{target.pk}'")
    assert page.evaluate("document.body.dataset.ready") != str(done.pk)


def test_the_chip_overview_opens_the_task_clicked(page, live_server, alice, alice_chip):
    log_in(page, live_server, "alice")
    page.wait_for_selector("#task-list .cell.current")
    box = page.locator("#minimap").bounding_box()
    page.mouse.click(box["x"] + box["width"] * (3.5 / 8), box["y"] + box["height"] * (2.5 / 8))
    target = Task.objects.get(chip=alice_chip, row=2, col=3)
    page.wait_for_function(f"() => document.body.dataset.ready === '{target.pk}'")


def test_a_flag_with_a_comment_is_stored_and_shown(page, live_server, alice, alice_chip):
    task = Task.objects.get(chip=alice_chip, row=0, col=0)
    log_in(page, live_server, "alice")
    page.keyboard.press("m")
    dialog = page.locator("dialog#flag-dialog")
    assert dialog.is_visible()
    page.select_option("#flag-reason", "mixed_pixels")
    page.fill("#flag-comment", "hedges between fields")
    page.keyboard.press("Enter")  # in the comment field: a new line, not a submit
    page.locator("#flag-save").click()
    page.wait_for_function("() => document.querySelector('#flag-state').textContent.includes('Mixed pixels')")
    row = TaskWork.objects.get(task=task, user=alice)
    assert (row.flag, row.comment) == ("mixed_pixels", "hedges between fields")
    assert "flagged" in page.locator(f"#task-list [data-task='{task.pk}']").get_attribute("class")
    assert page.evaluate("document.body.dataset.ready") == str(task.pk)  # nothing was submitted


def test_active_time_is_recorded_when_the_task_is_left(page, live_server, alice, alice_chip):
    task = Task.objects.get(chip=alice_chip, row=0, col=0)
    log_in(page, live_server, "alice")
    for i in range(8):  # working: the pointer moves for about four seconds
        page.mouse.move(*pixel_center(page, i, i))
        page.wait_for_timeout(500)
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function(f"() => document.body.dataset.ready !== '{task.pk}'")
    page.wait_for_timeout(300)
    seconds = TaskWork.objects.get(task=task, user=alice).active_seconds
    assert 2 <= seconds <= 8


def test_an_expert_sees_their_reference_tasks_and_why_tasks_are_suggested(page, live_server, page_chip, erin, alice):
    import numpy as np
    from django.utils import timezone

    from consensus.models import ConsensusLabel

    task = Task.objects.get(chip=page_chip, row=3, col=4)
    ReferenceTask.objects.create(task=task, expert=erin)
    suggested = Task.objects.get(chip=page_chip, row=6, col=6)
    ConsensusLabel.objects.create(
        task=suggested, label=np.full((32, 32), 6, np.uint8).tobytes(), score=np.full((32, 32), 0.52, np.float32).tobytes(),
        method="bayes", inputs={}, mean_score=0.52, disagreement=0.31, computed_at=timezone.now(),
    )
    log_in(page, live_server, "erin")
    panel = page.locator("#expert-panel")
    panel.wait_for()
    page.wait_for_function("() => document.querySelector('#expert-suggested').textContent.includes('52%')")
    assert f"Task {task.pk}" in page.locator("#expert-references").inner_text()
    text = page.locator("#expert-suggested").inner_text()
    assert f"Task {suggested.pk}" in text and "disagree on 31%" in text
    page.screenshot(path=str(artifact_path("labeling_page_expert.png")))


@pytest.mark.parametrize("role", ["admin", "exporter"])
def test_admins_and_exporters_get_no_labeling_toolset(page, live_server, make_user, role):
    make_user("xavier", role)
    log_in(page, live_server, "xavier")
    assert page.locator("#stage, #tools, #submit").count() == 0
    assert page.locator("#elsewhere a").count() == 2
