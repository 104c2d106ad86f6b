"""What the page says when there is nothing to open: a clear title, pointers for admins and exporters, and no
needless request (a chip without a guess label logs no 404)."""
import pytest

from imagery.models import Task

from tests.frontend.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_task_that_is_not_yours_gets_a_clear_title(page, live_server, alice_chip, bob):
    task = Task.objects.get(chip=alice_chip, row=2, col=2)
    log_in(page, live_server, "bob", next_url=f"/label/%3Ftask%3D{task.pk}")
    assert page.evaluate("document.body.dataset.ready") == "error"
    assert page.locator("#task-title").inner_text() == f"Task {task.pk} is not available"


@pytest.mark.parametrize(
    ("role", "shown", "not_shown"),
    [
        ("exporter", ["/api/export/chips/", "/api/docs/"], ["/admin/", "/api/stats/dashboard/"]),
        ("admin", ["/admin/", "/api/stats/dashboard/"], ["/api/export/chips/", "/api/docs/"]),
    ],
)
def test_admins_and_exporters_are_pointed_to_what_they_can_use(page, live_server, make_user, role, shown, not_shown):
    make_user("xavier", role)
    log_in(page, live_server, "xavier")
    assert page.evaluate("document.body.dataset.ready") == "done"
    assert page.locator("#task-title").inner_text() == "No labeling work"
    assert page.locator("#banners, #stage, #tools").count() == 0  # no labeling toolset, no "no pending tasks"
    links = page.locator("#elsewhere a")
    assert page.locator("#elsewhere").is_visible()
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == shown and not set(hrefs) & set(not_shown)


def test_an_annotator_with_nothing_left_gets_no_pointers(page, live_server, alice):
    log_in(page, live_server, "alice")
    assert page.locator("#task-title").inner_text() == "All done"
    assert page.locator("#elsewhere").count() == 0


def _watch(page):
    """Console errors and guess requests. The first image is asked for before the scene list arrives (the fast
    path): on a chip without scenes that one answers 404, which is expected and not counted."""
    seen = {"errors": [], "guess_requests": []}

    def error(msg):
        if msg.type == "error" and "/layers/" not in (msg.location or {}).get("url", ""):
            seen["errors"].append(msg.text)

    page.on("console", error)
    page.on("request", lambda req: "/guess/" in req.url and seen["guess_requests"].append(req.url))
    return seen


def test_a_chip_without_a_guess_label_opens_without_a_console_error(page, live_server, alice, sceneless_chip):
    seen = _watch(page)
    log_in(page, live_server, "alice")
    page.wait_for_function("() => document.querySelector('#progress').textContent.startsWith('Task 1 of 64')")
    page.wait_for_timeout(300)  # anything afterOpen started has had its answer
    assert page.evaluate("lcnet.state.guess") is None
    assert seen == {"errors": [], "guess_requests": []}


def test_a_chip_with_a_guess_label_still_fetches_it_for_the_hover(page, live_server, alice, guess):
    seen = _watch(page)
    log_in(page, live_server, "alice")
    page.wait_for_function("() => lcnet.state.guess !== null")
    assert len(seen["guess_requests"]) == 1 and seen["errors"] == []
