"""Context zoom, the pixel profile, autosave and save-on-leave, and the expert's reference tasks."""
import time

import numpy as np
import pytest
from playwright.sync_api import Error as PlaywrightError

from annotation.lib.labels import labels_from_bytes
from annotation.models import Annotation, ExpertLabel, ReferenceTask
from imagery.lib import render
from imagery.lib.domain import BAND_INDEX
from imagery.models import Task

from tests.frontend.conftest import canvas_pixels, click_pixel, fill_task, log_in
from tests.frontend.page_data import real_scenes

pytestmark = pytest.mark.browser



def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def test_zooming_out_shows_the_surrounding_area_with_the_task_inside_and_back(page, live_server, alice, alice_chip):
    task = Task.objects.get(chip=alice_chip, row=0, col=0)
    log_in(page, live_server, "alice")
    alone = canvas_pixels(page, "#image-layer")
    assert alone.shape == (32, 32, 4)  # the task view asks for the task's pixels only
    page.locator("[data-zoom='1']").click()  # the task with 8 px around it (clipped at the chip's top and left)
    page.wait_for_function("() => document.querySelector('#image-layer').width > 32")
    context = page.evaluate("lcnet.stage.camera.contextFor(lcnet.config.contexts)")
    wider = canvas_pixels(page, "#image-layer")
    assert wider.shape == (32 + context, 32 + context, 4)
    assert np.array_equal(wider[:32, :32], alone)  # the task sits at the top-left corner of the window
    stack = real_scenes()[0][1][:, : 32 + context, : 32 + context]
    assert np.array_equal(wider, render.render("rgb", stack, alice_chip.stretch_low, alice_chip.stretch_high))
    page.locator("[data-zoom='4']").click()
    page.wait_for_function("() => document.querySelector('#image-layer').width === 256")  # the whole chip
    assert canvas_pixels(page, "#minimap")[..., 3].any()  # the side context view is drawn too
    page.keyboard.press("0")
    page.wait_for_function("() => document.querySelector('#image-layer').width === 32")
    assert task.pk == int(page.evaluate("lcnet.state.task.id"))


def test_shift_click_plots_the_real_ndvi_of_that_pixel_over_the_year(page, live_server, alice, alice_chip):
    log_in(page, live_server, "alice")
    page.keyboard.down("Shift")
    click_pixel(page, 4, 7)
    page.keyboard.up("Shift")
    page.wait_for_function("() => lcnet.state.profileAt && lcnet.state.profileAt.series")
    series = page.evaluate("lcnet.state.profileAt.series")["series"]  # SeriesOut
    assert len(series) == len(real_scenes())
    for obs, (_, stack) in zip(series, real_scenes()):
        nir, red = (float(stack[BAND_INDEX[b], 4, 7]) for b in ("B08", "B04"))
        assert obs["ndvi"] == pytest.approx((nir - red) / (nir + red), abs=1e-5)
    assert "NDVI" in page.locator("#profile-title").inner_text()
    assert canvas_pixels(page, "#profile")[..., 3].any()


def test_edits_are_saved_as_a_draft_after_a_pause_and_when_leaving_the_page(page, live_server, alice, alice_chip):
    task = Task.objects.get(chip=alice_chip, row=0, col=0)
    log_in(page, live_server, "alice")
    fill_task(page, "2")  # Artificial Bareground: a class the rule-based guess never gives, so this is an edit
    page.wait_for_selector("#save-status[data-status=saved]")
    draft = Annotation.objects.get(task=task, annotator=alice)
    assert (draft.status, draft.revision) == ("draft", 1)
    assert (labels_from_bytes(draft.labels) == 2).all()

    page.keyboard.press("1")
    page.keyboard.press("b")
    click_pixel(page, 9, 9)
    page.on("dialog", lambda dialog: dialog.accept())  # the "leave with unsaved changes?" prompt
    page.goto(f"{live_server.url}/admin/login/")  # leave at once, well before the autosave pause ends

    def saved_on_leave():
        draft.refresh_from_db()
        return draft.revision == 2

    wait_until(saved_on_leave)
    labels = labels_from_bytes(draft.labels)
    assert labels[9, 9] == 1 and (labels == 2).sum() == 32 * 32 - 1


def test_an_expert_labels_a_reference_task_on_the_same_page(page, live_server, page_chip, erin):
    task = Task.objects.get(chip=page_chip, row=3, col=4)
    ReferenceTask.objects.create(task=task, expert=erin)
    log_in(page, live_server, "erin")
    assert page.evaluate("document.body.dataset.ready") == str(task.pk)
    assert "reference task" in page.locator("#task-where").inner_text()
    fill_task(page, "3")  # Natural Bareground
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-ready=done]")
    label = ExpertLabel.objects.get(task=task, expert=erin)
    assert label.status == "submitted"
    assert (labels_from_bytes(label.labels) == 3).all()
    assert not Annotation.objects.exists()


def test_labels_kept_while_offline_are_offered_back_from_the_browser_and_then_saved(
    page, live_server, alice, alice_chip
):
    task = Task.objects.get(chip=alice_chip, row=0, col=0)
    log_in(page, live_server, "alice")
    context = page.context
    context.set_offline(True)  # the network goes away, then the tab dies
    fill_task(page, "2")  # Artificial Bareground
    page.locator(".banner.error", has_text="network is unreachable").wait_for()  # the failed autosave is reported
    # The tab is killed, not closed: a closed tab's save-on-leave is a keepalive request that outlives the page and
    # its offline emulation, so it may still reach the server (the labels are then safe, and nothing is offered).
    with page.expect_event("crash", timeout=10_000):
        with pytest.raises(PlaywrightError):  # the navigation is aborted: its renderer is being killed
            page.goto("chrome://crash")
    page.close()
    context.set_offline(False)
    assert not Annotation.objects.exists()

    again = context.new_page()
    again.goto(f"{live_server.url}/label/")
    offer = again.locator(".banner.warn", has_text="unsaved labels")
    offer.wait_for()
    offer.get_by_role("button", name="Restore").click()
    again.wait_for_selector("#save-status[data-status=saved]")
    draft = Annotation.objects.get(task=task, annotator=alice)
    assert (labels_from_bytes(draft.labels) == 2).all()
    again.reload()
    again.wait_for_selector("body[data-ready]")
    assert again.locator(".banner.warn").count() == 0  # saved: nothing left to offer
