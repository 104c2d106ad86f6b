"""The page holds still: the canvas, the Submit button and the timeline keep their boxes to the pixel across a
hover over every pixel, a date step, a banner, a 409 and a submit; nothing scrolls the page; Submit is on screen at
1280×720 and nothing scrolls sideways at 1024×700."""
import numpy as np
import pytest

from annotation.access import access_label_target
from annotation.models import Annotation
from annotation.services import label_save
from imagery.models import Task

from tests.frontend.conftest import fill_task, log_in

pytestmark = pytest.mark.browser

BOXES = """() => {
  const box = (sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                         return [r.x, r.y, r.width, r.height]; };
  return { stage: box('#stage'), submit: box('#submit'), timeline: box('#timeline'),
           scroll: [window.scrollX, window.scrollY, document.scrollingElement.scrollTop] };
}"""


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_nothing_moves_across_hover_date_step_banner_conflict_and_submit(
    page, live_server, alice, alice_chip, guess, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    task = Task.objects.get(chip=alice_chip, row=0, col=0)
    log_in(page, live_server, "alice")
    page.wait_for_function("() => document.querySelector('#progress').textContent.startsWith('Task 1 of')")
    start = page.evaluate(BOXES)
    assert start["scroll"] == [0, 0, 0]

    def still(what):
        assert page.evaluate(BOXES) == start, f"the layout moved after {what}"

    box = page.locator("#label-layer").bounding_box()  # the task on screen (it must not move either)
    size = box["width"] / 32
    for r in range(32):  # the hover read-out changes on every pixel
        for c in range(32):
            page.mouse.move(box["x"] + (c + 0.5) * size, box["y"] + (r + 0.5) * size)
    still("hovering every pixel")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => performance.getEntriesByName('lcnet:date-step').length > 0")
    still("a date step")

    other_tab = np.full((32, 32), 3, np.uint8)  # another tab saves first: the page's save is a 409
    label_save(user=alice, target=access_label_target(alice, task.pk), labels=other_tab, revision=0, submit=False)
    fill_task(page, "4")  # Permanent Snow/Ice everywhere
    conflict = page.locator(".banner.error", has_text="Conflict")
    conflict.wait_for()
    still("a 409 and its banner")
    conflict.get_by_role("button", name="Keep mine (overwrite)").click()
    page.wait_for_selector("#save-status[data-status=saved]")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.body.dataset.ready !== '{task.pk}'")
    page.locator(".banner.info", has_text="submitted").wait_for()
    still("a submit and the next task's banner")
    assert Annotation.objects.get(task=task, annotator=alice).status == "submitted"


def test_submit_is_on_screen_at_1280x720(page, live_server, alice, alice_chip, guess):
    page.set_viewport_size({"width": 1280, "height": 720})
    log_in(page, live_server, "alice")
    box = page.locator("#submit").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 720 and box["x"] + box["width"] <= 1280
    stage = page.locator("#stage").bounding_box()
    assert stage["y"] + stage["height"] <= 720 - 66  # the timeline fits below it too


def test_no_sideways_scroll_at_1024x700_and_the_stage_grows_with_the_window(page, live_server, alice, alice_chip):
    page.set_viewport_size({"width": 1024, "height": 700})
    log_in(page, live_server, "alice")
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("document.scrollingElement.scrollHeight <= window.innerHeight")
    small = page.evaluate("lcnet.stage.camera.scale")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function(f"() => lcnet.stage.camera.scale > {small}")
    scale = page.evaluate("lcnet.stage.camera.scale")
    assert scale == int(scale)  # every ground pixel the same size on screen
    assert page.locator("#label-layer").bounding_box()["width"] == 32 * scale
