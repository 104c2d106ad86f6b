"""Keys: classes on 1–7 (the LandCoverNet codes), a key meant for a focused control or dialog never reaches the
task shortcuts (Enter on a focused button does not submit), the help lists every key and closes with Enter."""
import pytest

from annotation.models import Annotation
from imagery.lib.domain import CLASS_NAMES

from tests.frontend.conftest import log_in

pytestmark = pytest.mark.browser


def test_number_keys_choose_the_landcovernet_class_and_letters_the_layer(page, live_server, alice, alice_chip):
    log_in(page, live_server, "alice")
    for code in range(1, 8):
        page.keyboard.press(str(code))
        assert page.evaluate("lcnet.state.cls") == code
        assert page.locator("#current-class").inner_text() == CLASS_NAMES[code]
    legend = page.locator("#classes").inner_text()
    assert all(f"{CLASS_NAMES[c]}\n{c}" in legend or f"{CLASS_NAMES[c]} {c}" in legend for c in range(1, 8))
    page.keyboard.press("e")
    page.wait_for_function("() => lcnet.state.layer === 'ndvi'")
    assert "(B08 − B04) / (B08 + B04)" in page.locator("#legend").inner_text()
    assert page.locator("#legend .ramp").count() == 1  # the NDVI colour bar
    page.keyboard.press("w")
    page.wait_for_function("() => lcnet.state.layer === 'false_color'")
    assert "R B08 · G B04 · B B03" in page.locator("#legend").inner_text()


def test_enter_on_a_focused_button_presses_the_button_and_submits_nothing(page, live_server, alice, alice_chip, guess):
    log_in(page, live_server, "alice")
    ready = page.evaluate("document.body.dataset.ready")
    page.focus("[data-tool=fill]")
    page.keyboard.press("Enter")
    assert page.evaluate("lcnet.state.tool") == "fill"
    page.focus("#layers [data-layer=swir]")
    page.keyboard.press(" ")
    page.wait_for_function("() => lcnet.state.layer === 'swir'")
    page.wait_for_timeout(400)
    assert page.evaluate("document.body.dataset.ready") == ready
    assert not Annotation.objects.exists()  # nothing was submitted (nor saved)


def test_the_help_lists_the_keys_takes_no_shortcuts_and_closes_with_enter(page, live_server, alice, alice_chip):
    log_in(page, live_server, "alice")
    page.keyboard.press("?")
    help_ = page.locator("dialog#help")
    assert help_.is_visible()
    text = help_.inner_text()
    for phrase in ("undo", "redo", "submit", "previous date", "flood fill", "Water", "outlines", "flag", "skip"):
        assert phrase in text
    page.keyboard.press("3")  # a class key while the dialog is open does nothing to the task
    assert page.evaluate("lcnet.state.cls") == 1
    page.keyboard.press("Enter")  # the dialog's Close button has the focus
    assert not help_.is_visible()
    page.keyboard.press("?")
    page.keyboard.press("Escape")
    assert not help_.is_visible()
