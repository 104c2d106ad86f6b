"""Seeing the imagery under the labels: outline, pixel grid and differs-from-guess views, reset to the guess, the
profile with two axes and hover values, and a camera that pans and zooms like a map at integer scales."""
import numpy as np
import pytest

from imagery.lib import render
from imagery.lib.domain import CLASS_COLORS

from tests.frontend.conftest import artifact_path, canvas_pixels, click_pixel, log_in, pixel_center
from tests.frontend.page_data import real_scenes

pytestmark = pytest.mark.browser


OVERLAY_STATS = """(rgb) => {
  const c = document.querySelector('#overlay-layer');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let opaque = 0, colour = 0, sum = 0, r0 = 1e9, r1 = -1, c0 = 1e9, c1 = -1;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3]) opaque++;
    sum = (sum * 31 + d[i] + 3 * d[i + 1] + 7 * d[i + 2] + 11 * d[i + 3]) % 1000000007;
    if (d[i] === rgb[0] && d[i + 1] === rgb[1] && d[i + 2] === rgb[2] && d[i + 3] === 255) colour++;
    if (d[i] === 255 && d[i + 1] === 255 && d[i + 2] === 255 && d[i + 3] === 255) {
      const p = i / 4, row = Math.floor(p / c.width), col = p % c.width;
      r0 = Math.min(r0, row); r1 = Math.max(r1, row); c0 = Math.min(c0, col); c1 = Math.max(c1, col);
    }
  }
  return { opaque, colour, sum, white: [r0, c0, r1, c1] };
}"""


def overlay(page, rgb=(0, 0, 0)):
    """Summary of the overlay canvas, computed in the page (it is screen-sized: too big to ship pixel by pixel)."""
    return page.evaluate(OVERLAY_STATS, list(rgb))


def drag(page, start, end):
    page.mouse.move(*pixel_center(page, *start))
    page.mouse.down()
    page.mouse.move(*pixel_center(page, *end), steps=4)
    page.mouse.up()


def test_outline_grid_and_changed_pixels_views(page, live_server, alice, alice_chip, guess):
    log_in(page, live_server, "alice")
    page.wait_for_function("() => lcnet.state.guess !== null")
    page.screenshot(path=str(artifact_path("labeling_page_fill.png")))
    colour = CLASS_COLORS[int(guess[0, 0])][:3]
    plain = overlay(page, colour)
    page.keyboard.press("o")  # outlines: the filled label canvas goes, class borders are drawn over the imagery
    assert page.evaluate("getComputedStyle(document.querySelector('#label-layer')).visibility") == "hidden"
    outlined = overlay(page, colour)
    assert outlined["colour"] > plain["colour"] + 100
    page.screenshot(path=str(artifact_path("labeling_page_outline.png")))
    page.keyboard.press("o")

    page.keyboard.press("g")  # the pixel grid (the task view is well above the grid's minimum scale)
    gridded = overlay(page)
    assert gridded["opaque"] > plain["opaque"] + 1000
    page.screenshot(path=str(artifact_path("labeling_page_grid.png")))
    page.keyboard.press("g")

    page.keyboard.press("d")  # changed pixels: none yet, then exactly the painted block
    assert overlay(page)["sum"] == plain["sum"]
    page.keyboard.press("4")
    page.keyboard.press("r")
    drag(page, (10, 10), (13, 14))
    r0, c0, r1, c1 = overlay(page)["white"]  # where the white of the cross marks is
    box = page.locator("#label-layer").bounding_box()
    stage = page.locator("#overlay-layer").bounding_box()
    s = box["width"] / 32
    x0, y0 = box["x"] - stage["x"], box["y"] - stage["y"]
    assert y0 + 10 * s - 1 <= r0 < y0 + 10.5 * s and y0 + 13.5 * s < r1 <= y0 + 14 * s + 1
    assert x0 + 10 * s - 1 <= c0 < x0 + 10.5 * s and x0 + 14.5 * s < c1 <= x0 + 15 * s + 1
    page.screenshot(path=str(artifact_path("labeling_page_diff.png")))

    page.keyboard.press("x")  # reset a selection to the guess
    drag(page, (10, 10), (11, 14))
    labels = np.array(page.evaluate("Array.from(lcnet.state.session.labels)"), np.uint8).reshape(32, 32)
    expected = guess[:32, :32].copy()
    expected[12:14, 10:15] = 4
    assert np.array_equal(labels, expected)
    page.locator("#guess-reset").click()  # and the whole task
    labels = np.array(page.evaluate("Array.from(lcnet.state.session.labels)"), np.uint8).reshape(32, 32)
    assert np.array_equal(labels, guess[:32, :32])


def test_the_profile_has_two_axes_and_shows_the_date_under_the_pointer(page, live_server, alice, alice_chip):
    log_in(page, live_server, "alice")
    page.keyboard.down("Shift")
    click_pixel(page, 4, 7)
    page.keyboard.up("Shift")
    page.wait_for_function("() => lcnet.state.profileAt && lcnet.state.profileAt.series")
    page.locator("#profile").scroll_into_view_if_needed()  # the task panel scrolls inside itself
    box = page.locator("#profile").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.99, box["y"] + box["height"] / 2)  # the end of the year
    last = real_scenes()[-1][0].isoformat()
    page.wait_for_function(f"() => document.querySelector('#profile-readout').textContent.startsWith('{last}')")
    readout = page.locator("#profile-readout").inner_text()
    assert "NDVI" in readout and "B08" in readout
    series = page.evaluate("lcnet.state.profileAt.series")
    assert series["bands"][3] == "B08"
    stack = real_scenes()[-1][1]
    assert series["series"][-1]["reflectance"][3] == pytest.approx(stack[3, 4, 7] / 10000, abs=1e-4)
    page.screenshot(path=str(artifact_path("labeling_page_profile.png")))


def test_pan_and_zoom_like_a_map_at_integer_scales(page, live_server, alice, alice_chip):
    log_in(page, live_server, "alice")
    start = page.evaluate("lcnet.stage.camera.scale")
    stage = page.locator("#stage").bounding_box()
    cx, cy = stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2
    for _ in range(3):
        page.mouse.move(cx, cy)
        page.mouse.wheel(0, 200)  # zoom out
        page.wait_for_timeout(50)
    scale = page.evaluate("lcnet.stage.camera.scale")
    assert scale < start and scale == int(scale)
    page.wait_for_function("() => document.querySelector('#image-layer').width > 32")  # a wider image was fetched
    shown = canvas_pixels(page, "#image-layer")  # one read: a later, wider fetch may still replace the canvas
    width = shown.shape[1]
    stack = real_scenes()[0][1][:, :width, :width]  # task (0, 0): its context window starts at the chip corner
    assert np.array_equal(shown, render.render("rgb", stack, alice_chip.stretch_low, alice_chip.stretch_high))
    before = page.locator("#label-layer").bounding_box()
    page.mouse.move(cx, cy)
    page.mouse.down(button="middle")
    page.mouse.move(cx + 40, cy + 25, steps=5)
    page.mouse.up(button="middle")
    after = page.locator("#label-layer").bounding_box()
    assert (after["x"] - before["x"], after["y"] - before["y"]) == (40, 25)
    page.keyboard.down(" ")  # space + drag pans too
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx - 40, cy - 25, steps=5)
    page.mouse.up()
    page.keyboard.up(" ")
    assert page.locator("#label-layer").bounding_box() == before
    assert page.evaluate("performance.getEntriesByName('lcnet:frame').length") > 5
    page.locator("[data-zoom='4']").click()  # the whole chip
    page.wait_for_function("() => document.querySelector('#image-layer').width === 256")
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifact_path("labeling_page_context.png")))
    page.keyboard.press("0")
    page.wait_for_function(f"() => lcnet.stage.camera.scale === {start}")
