"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server on Postgres."""
import os

import numpy as np
import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between browser steps are
# still plain synchronous code, so Django's async guard must be told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def launch_chromium(playwright):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


def csp_violations(context) -> list[str]:
    """Chromium's console reports of what the site's Content-Security-Policy refused, in every tab of `context`."""
    refused = []

    def watch(page):
        page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)

    context.on("page", watch)
    return refused


@pytest.fixture
def page(browser, transactional_db, live_server):
    """A fresh browser tab. It depends on the database and live server so that it closes before they are torn
    down: the page saves on leave, and a save still running while the test database is flushed deadlocks."""
    context = browser.new_context(viewport={"width": 1440, "height": 920})
    refused = csp_violations(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    assert not refused, f"the Content-Security-Policy refused: {refused}"
    for open_page in context.pages:  # a test may have closed this tab and opened others
        open_page.goto("about:blank")  # fires the page's save-on-leave now, while the server still has its data
    if context.pages:
        context.pages[0].wait_for_timeout(500)  # let that last keepalive request finish on the live server
    context.close()


@pytest.fixture
def page_chip(transactional_db):
    from imagery.layer_cache import scene_cache

    from tests.frontend.page_data import make_page_chip

    scene_cache().clear()
    yield make_page_chip()
    scene_cache().clear()


@pytest.fixture
def alice_chip(page_chip, alice):
    from annotation.services import assignments_create

    assignments_create(chip_ids=[page_chip.pk], user_ids=[alice.pk])
    return page_chip


@pytest.fixture
def sceneless_chip(alice_chip):
    """Alice's chip with no scene rows left: the one case where a task has no guess at all (every chip with a scene
    gets at least the rule-based guess)."""
    from imagery.models import Scene

    Scene.objects.filter(chip=alice_chip).delete()
    return alice_chip


@pytest.fixture
def guess(alice_chip):
    """The chip's guess label (256×256), so tasks open pre-filled."""
    from tests.frontend.page_data import make_guess

    return make_guess(alice_chip)


def log_in(page, live_server, username, next_url="/label/"):
    """The real login form; returns once the labeling page has opened a task (or said there is none)."""
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-ready]")


def canvas_pixels(page, selector) -> np.ndarray:
    """A canvas's pixels as (h, w, 4) uint8, read back from the browser."""
    data = page.evaluate(
        """(sel) => { const c = document.querySelector(sel);
             const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             return [c.height, c.width, Array.from(data)]; }""",
        selector,
    )
    return np.array(data[2], dtype=np.uint8).reshape(data[0], data[1], 4)


def pixel_center(page, r, c):
    """Screen point of task pixel (r, c), wherever the camera has put the task (the label canvas covers it)."""
    box = page.locator("#label-layer").bounding_box()
    size = box["width"] / 32
    return box["x"] + (c + 0.5) * size, box["y"] + (r + 0.5) * size


def click_pixel(page, r, c, **kwargs):
    page.mouse.click(*pixel_center(page, r, c), **kwargs)


def artifact_path(name):
    """Where screenshots for review go: <repo>/artifacts (ignored by git)."""
    from lcnet_site.sample_data import REPO_ROOT

    folder = REPO_ROOT / "artifacts"
    folder.mkdir(exist_ok=True)
    return folder / name


def fill_task(page, key):
    """Class `key` over the whole task with the rectangle tool."""
    page.keyboard.press(key)
    page.keyboard.press("r")
    page.mouse.move(*pixel_center(page, 0, 0))
    page.mouse.down()
    page.mouse.move(*pixel_center(page, 31, 31), steps=3)
    page.mouse.up()
