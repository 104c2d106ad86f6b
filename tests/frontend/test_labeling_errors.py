"""Conflicts, validation errors and other annotators' tasks are shown plainly; nothing is lost or leaked."""
import numpy as np
import pytest

from annotation.access import access_label_target
from annotation.lib.labels import labels_from_bytes
from annotation.models import Annotation
from annotation.services import label_save
from imagery.models import Task

from tests.frontend.conftest import canvas_pixels, click_pixel, fill_task, log_in
from tests.frontend.page_data import make_guess

pytestmark = pytest.mark.browser



def test_a_stale_revision_shows_a_conflict_and_keep_mine_then_submits_the_page_labels(
    page, live_server, alice, alice_chip
):
    task = Task.objects.get(chip=alice_chip, row=0, col=0)
    log_in(page, live_server, "alice")
    other_tab = np.full((32, 32), 3, np.uint8)  # another tab of alice's saves first
    label_save(user=alice, target=access_label_target(alice, task.pk), labels=other_tab, revision=0, submit=False)

    fill_task(page, "6")  # Cultivated Vegetation everywhere
    page.keyboard.press("Enter")
    conflict = page.locator(".banner.error", has_text="Conflict")
    conflict.wait_for()
    conflict_text = conflict.inner_text()
    assert "revision 1" in conflict_text
    assert page.locator("#save-status").get_attribute("data-status") == "conflict"
    stored = Annotation.objects.get(task=task, annotator=alice)
    assert (stored.revision, stored.status) == (1, "draft")
    assert np.array_equal(labels_from_bytes(stored.labels), other_tab)  # the page's submit stored nothing

    conflict.get_by_role("button", name="Keep mine (overwrite)").click()
    if "Conflict on save" in conflict_text:  # a slow machine let the autosave meet the conflict first: submit now
        page.wait_for_selector("#save-status[data-status=saved]")
        page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.body.dataset.ready !== '{task.pk}'")
    stored.refresh_from_db()
    assert stored.status == "submitted"
    assert np.array_equal(labels_from_bytes(stored.labels), np.full((32, 32), 6, np.uint8))


def test_a_validation_error_is_shown_with_the_server_message_and_the_labels_stay(page, live_server, alice, alice_chip):
    make_guess(alice_chip, np.zeros((256, 256), np.uint8))  # a model's guess with no class anywhere (0, no data)
    log_in(page, live_server, "alice")
    page.keyboard.press("1")
    click_pixel(page, 3, 4)  # one water pixel; the rest is still 0 (no data) on a task that has data
    page.keyboard.press("Enter")
    error = page.locator(".banner.error", has_text="did not accept")
    error.wait_for()
    assert "no data" in error.inner_text().lower()
    assert not Annotation.objects.filter(status="submitted").exists()
    labels = np.array(page.evaluate("Array.from(lcnet.state.session.labels)"), np.uint8).reshape(32, 32)
    assert labels[3, 4] == 1 and labels.sum() == 1  # still on screen, not lost


def test_an_annotator_cannot_open_another_annotators_task(page, live_server, alice_chip, bob):
    task = Task.objects.get(chip=alice_chip, row=2, col=2)
    log_in(page, live_server, "bob", next_url=f"/label/%3Ftask%3D{task.pk}")
    assert page.evaluate("document.body.dataset.ready") == "error"
    assert "not one of your tasks" in page.locator(".banner.error").inner_text()
    assert page.evaluate("lcnet.state.session") is None  # no labels of anyone were loaded
    assert not canvas_pixels(page, "#image-layer").any()  # no imagery drawn


def test_the_keyboard_help_opens_on_question_mark_and_lists_the_shortcuts(page, live_server, alice, alice_chip):
    log_in(page, live_server, "alice")
    page.keyboard.press("?")
    help_ = page.locator("dialog#help")
    assert help_.is_visible()
    text = help_.inner_text()
    for phrase in ("undo", "redo", "submit", "previous date", "flood fill", "Water"):
        assert phrase in text
    page.keyboard.press("Escape")
    assert not help_.is_visible()
