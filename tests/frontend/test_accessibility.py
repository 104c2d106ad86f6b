"""axe-core (tests/frontend/package.json, injected by Playwright) finds no serious or critical violation on /label/,
and every control can be reached with Tab and used with the keyboard."""
from pathlib import Path

import pytest

from annotation.models import ReferenceTask
from imagery.models import Task

from tests.frontend.conftest import log_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/frontend` (bin/test does)", pytrace=False)
    page.evaluate(AXE.read_text())  # evaluated by the devtools protocol: a <script> tag would meet the page's CSP
    result = page.evaluate("async () => (await axe.run(document)).violations"
                           ".map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' '))}))")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def test_no_serious_accessibility_violation_for_annotators(page, live_server, alice, alice_chip, guess):
    log_in(page, live_server, "alice")
    page.wait_for_selector("#task-list .cell.current")
    assert serious_violations(page) == []
    page.keyboard.press("?")
    assert serious_violations(page) == []  # with the help dialog open


def test_no_serious_accessibility_violation_for_experts_and_on_an_empty_page(page, live_server, page_chip, erin, alice):
    ReferenceTask.objects.create(task=Task.objects.get(chip=page_chip, row=1, col=1), expert=erin)
    log_in(page, live_server, "erin")
    page.wait_for_selector("#expert-panel:not([hidden])")
    assert serious_violations(page) == []


def test_every_control_is_reachable_with_tab_and_works_with_the_keyboard(page, live_server, alice, alice_chip):
    log_in(page, live_server, "alice")
    page.wait_for_selector("#task-list .cell.current")
    controls = page.evaluate("""() => [...document.querySelectorAll('button, input, select, textarea, a[href]')]
        .filter((e) => !e.closest('dialog') && !e.disabled && e.getClientRects().length)
        .map((e) => { e.dataset.probe = e.dataset.probe || Math.random().toString(36).slice(2); return e.dataset.probe; })""")
    reached = set()
    for _ in range(len(controls) + 40):
        page.keyboard.press("Tab")
        probe = page.evaluate("document.activeElement.dataset.probe || null")
        if probe:
            reached.add(probe)
    missing = page.evaluate("(ids) => ids.map((id) => document.querySelector(`[data-probe='${id}']`).outerHTML.slice(0, 80))",
                            [c for c in controls if c not in reached])
    assert missing == []
    # and used: a tool, a class, a date, a task of the list, with Enter / Space on the focused control
    for selector, check in [("[data-tool=rect]", "lcnet.state.tool === 'rect'"), ("[data-cls='6']", "lcnet.state.cls === 6"),
                            ("#next", "lcnet.state.pos === 1"), ("#outline", "lcnet.state.outline === true")]:
        page.focus(selector)
        page.keyboard.press("Enter" if "cls" not in selector else " ")
        page.wait_for_function(f"() => {check}")
    second = Task.objects.get(chip=alice_chip, row=0, col=1)
    page.focus(f"#task-list [data-task='{second.pk}']")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.body.dataset.ready === '{second.pk}'")
