"""States the page must get right: a frozen chip is read only, a submitted task asks before it is edited and undo
restores it, a task without a guess says so, "task k of n" is the open task's place, and offline edits are saved
by themselves once the connection is back."""
import numpy as np
import pytest

from annotation.access import access_label_target
from annotation.lib.labels import labels_from_bytes
from annotation.models import Annotation
from annotation.services import chip_freeze, label_save
from imagery.lib.domain import CLASS_COLORS
from imagery.models import Task

from tests.frontend.conftest import artifact_path, canvas_pixels, click_pixel, fill_task, log_in

pytestmark = pytest.mark.browser


def test_a_frozen_chip_is_read_only_in_the_page(page, live_server, alice, alice_chip, guess):
    task = Task.objects.get(chip=alice_chip, row=1, col=1)
    chip_freeze(chip_id=alice_chip.pk)
    saves = []
    page.on("request", lambda r: r.method in ("PUT", "POST") and "/annotation/" in r.url and saves.append(r.url))
    log_in(page, live_server, "alice", next_url=f"/label/%3Ftask%3D{task.pk}")
    assert page.evaluate("document.body.dataset.ready") == str(task.pk)
    assert "frozen" in page.locator("#readonly").inner_text()
    assert page.locator("#submit").is_disabled()
    before = canvas_pixels(page, "#label-layer")
    fill_task(page, "4")
    click_pixel(page, 3, 3)
    page.keyboard.press("Enter")
    page.wait_for_timeout(1500)  # longer than the autosave pause
    assert np.array_equal(canvas_pixels(page, "#label-layer"), before)
    assert saves == [] and not Annotation.objects.exists()
    assert page.locator("#save-status").get_attribute("data-status") == "frozen"
    page.screenshot(path=str(artifact_path("labeling_page_frozen.png")))


def test_a_chip_frozen_while_editing_offers_to_discard(page, live_server, alice, alice_chip, guess):
    log_in(page, live_server, "alice")
    chip_freeze(chip_id=alice_chip.pk)
    fill_task(page, "4")
    notice = page.locator(".banner.error", has_text="frozen")
    notice.wait_for()
    notice.get_by_role("button", name="Discard my changes").click()
    assert page.locator("#save-status").get_attribute("data-status") == "frozen"
    colors = np.array([CLASS_COLORS[k] for k in range(8)], np.uint8)
    assert np.array_equal(canvas_pixels(page, "#label-layer"), colors[guess[:32, :32]])  # back to the server's
    assert page.locator("#submit").is_disabled()


def test_a_submitted_task_asks_before_editing_and_undo_restores_it(page, live_server, alice, alice_chip, guess):
    task = Task.objects.get(chip=alice_chip, row=0, col=0)
    submitted = np.full((32, 32), 7, np.uint8)
    label_save(user=alice, target=access_label_target(alice, task.pk), labels=submitted, revision=0, submit=True)
    log_in(page, live_server, "alice", next_url=f"/label/%3Ftask%3D{task.pk}")
    page.keyboard.press("1")
    click_pixel(page, 4, 4)
    dialog = page.locator("dialog#confirm-edit")
    assert dialog.is_visible() and "submitted" in dialog.inner_text()
    assert page.evaluate("lcnet.state.session.labels[4 * 32 + 4]") == 7  # the click painted nothing
    dialog.get_by_role("button", name="Edit it").click()
    click_pixel(page, 4, 4)
    assert page.locator("#save-status").get_attribute("data-status") == "edited-submitted"
    page.keyboard.press("Control+z")
    assert page.locator("#save-status").get_attribute("data-status") == "submitted"
    page.wait_for_timeout(1800)  # past the autosave pause: nothing was sent
    row = Annotation.objects.get(task=task)
    assert (row.status, row.revision) == ("submitted", 1)
    assert np.array_equal(labels_from_bytes(row.labels), submitted)


def test_a_task_without_a_guess_says_so_and_offers_fill_all(page, live_server, alice, sceneless_chip):
    bad_requests = []
    page.on("response", lambda r: r.status == 400 and bad_requests.append(r.url))
    log_in(page, live_server, "alice")
    assert page.locator("#no-guess").is_visible()
    assert not page.locator("#guess-note").is_visible()
    assert "no guess label" in page.locator("#no-guess").inner_text()
    assert "confirms the guess" not in page.locator("#side").inner_text()
    page.screenshot(path=str(artifact_path("labeling_page_no_guess.png")))
    page.keyboard.press("Enter")
    page.locator(".banner.warn", has_text="no guess label").wait_for()
    assert bad_requests == [] and not Annotation.objects.exists()
    page.keyboard.press("5")
    page.locator("#fill-all").click()
    assert (np.array(page.evaluate("Array.from(lcnet.state.session.labels)")) == 5).all()
    page.wait_for_selector("#save-status[data-status=saved]")
    assert (labels_from_bytes(Annotation.objects.get().labels) == 5).all()


def test_task_k_of_n_is_the_open_tasks_place_in_the_chip(page, live_server, alice, alice_chip):
    task = Task.objects.get(chip=alice_chip, row=0, col=5)
    log_in(page, live_server, "alice", next_url=f"/label/%3Ftask%3D{task.pk}")
    page.wait_for_function("() => document.querySelector('#progress').textContent.startsWith('Task 6 of 64')")


def test_offline_edits_are_saved_by_themselves_when_the_connection_is_back(page, live_server, alice, alice_chip):
    task = Task.objects.get(chip=alice_chip, row=0, col=0)
    log_in(page, live_server, "alice")
    page.context.set_offline(True)
    fill_task(page, "2")
    notice = page.locator(".banner.error", has_text="network is unreachable")
    notice.wait_for()
    text = notice.inner_text()
    assert ".." not in text and "saved as soon as the connection is back" in text
    assert page.locator("#save-status").get_attribute("data-status") == "offline"
    page.context.set_offline(False)
    page.wait_for_selector("#save-status[data-status=saved]", timeout=20_000)  # no click needed
    assert page.locator(".banner.error").count() == 0
    assert (labels_from_bytes(Annotation.objects.get(task=task).labels) == 2).all()
