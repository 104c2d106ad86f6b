"""The labeling page in real Chromium: the task on the canvas, layers and dates, painting, undo, submit."""
import numpy as np
import pytest

from annotation.lib.labels import labels_from_bytes
from annotation.models import Annotation
from imagery.lib import render
from imagery.lib.domain import CLASS_COLORS
from imagery.models import Task

from tests.frontend.conftest import artifact_path, canvas_pixels, click_pixel, log_in, pixel_center
from tests.frontend.page_data import real_scenes

pytestmark = pytest.mark.browser


def expected_layer(chip, task, layer, scene_index):
    """What the canvas must show, rendered here from the real source stack (independently of the HTTP layer)."""
    r0, c0, h, w = task.window
    stack = real_scenes()[scene_index][1][:, r0 : r0 + h, c0 : c0 + w]
    return render.render(layer, stack, chip.stretch_low, chip.stretch_high)


def drag(page, start, end):
    page.mouse.move(*pixel_center(page, *start))
    page.mouse.down()
    page.mouse.move(*pixel_center(page, *end), steps=4)
    page.mouse.up()


def test_an_annotator_sees_the_task_paints_undoes_and_submits_exactly_what_was_painted(
    page, live_server, alice, alice_chip, guess
):
    task = Task.objects.get(chip=alice_chip, row=0, col=0)
    log_in(page, live_server, "alice")
    assert page.evaluate("document.body.dataset.ready") == str(task.pk)
    colors = np.array([CLASS_COLORS[k] for k in range(8)], np.uint8)

    rgb0 = canvas_pixels(page, "#image-layer")
    assert rgb0.shape == (32, 32, 4)
    assert np.array_equal(rgb0, expected_layer(alice_chip, task, "rgb", 0))
    start = guess[:32, :32]
    assert np.array_equal(canvas_pixels(page, "#label-layer"), colors[start])  # pre-filled from the guess

    page.keyboard.press("w")  # false color
    page.wait_for_function("() => performance.getEntriesByName('lcnet:layer-switch').length > 0")
    false0 = canvas_pixels(page, "#image-layer")
    assert np.array_equal(false0, expected_layer(alice_chip, task, "false_color", 0))
    assert not np.array_equal(false0, rgb0)

    page.keyboard.press("ArrowRight")  # next date
    page.wait_for_function("() => performance.getEntriesByName('lcnet:date-step').length > 0")
    false1 = canvas_pixels(page, "#image-layer")
    assert np.array_equal(false1, expected_layer(alice_chip, task, "false_color", 1))
    assert not np.array_equal(false1, false0)

    page.mouse.move(*pixel_center(page, 12, 3))
    from imagery.lib.domain import CLASS_NAMES

    assert f"guess: {CLASS_NAMES[start[12, 3]]}" in page.locator("#hover").inner_text()

    page.keyboard.press("4")  # Permanent Snow/Ice in a rectangle
    page.keyboard.press("r")
    drag(page, (28, 28), (30, 31))
    page.keyboard.press("1")  # Water, brush size 1
    page.keyboard.press("b")
    for r, c in [(5, 5), (5, 6), (20, 10)]:
        click_pixel(page, r, c)
    page.keyboard.press("Control+z")  # undo the last click

    expected = start.copy()
    expected[28:31, 28:32] = 4
    expected[5, 5] = expected[5, 6] = 1
    assert np.array_equal(canvas_pixels(page, "#label-layer"), colors[expected])
    page.keyboard.down("Shift")
    click_pixel(page, 16, 16)  # a pixel profile, for the screenshot
    page.keyboard.up("Shift")
    page.wait_for_function("() => lcnet.state.profileAt && lcnet.state.profileAt.series")
    page.mouse.move(*pixel_center(page, 16, 16))
    page.screenshot(path=str(artifact_path("labeling_page.png")))

    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.body.dataset.ready && document.body.dataset.ready !== '{task.pk}'")
    saved = Annotation.objects.get(task=task, annotator=alice)
    assert saved.status == "submitted"
    assert np.array_equal(labels_from_bytes(saved.labels), expected)
    next_task = Task.objects.get(chip=alice_chip, row=0, col=1)
    assert page.evaluate("document.body.dataset.ready") == str(next_task.pk)
    page.wait_for_function("() => document.querySelector('#progress').textContent.startsWith('Task 2 of 64')")
    assert "1 chip with work left" in page.locator("#progress").inner_text()
