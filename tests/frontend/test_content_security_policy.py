"""The Content-Security-Policy (lcnet_site/csp.py) in a real browser: the labeling page, the Django admin and the
API docs work under it (the `page` fixture fails a test on any refusal), and an injected inline script does not
run."""
import pytest

from tests.frontend.conftest import log_in

pytestmark = pytest.mark.browser


def test_the_admin_and_the_api_docs_work_under_the_policy(page, live_server, admin_user):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "admin")
    page.click("input[type=submit]")
    page.locator("#site-name").wait_for()
    page.goto(f"{live_server.url}/admin/imagery/chip/")
    page.locator("#changelist").wait_for()
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "lcnet API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() > 10  # the operations were read from /api/schema/


def test_an_injected_inline_script_does_not_run(browser, live_server, transactional_db, alice, alice_chip):
    from tests.frontend.conftest import csp_violations

    context = browser.new_context()
    refused = csp_violations(context)
    page = context.new_page()
    try:
        log_in(page, live_server, "alice")
        page.evaluate("""() => { const s = document.createElement('script');
                                 s.textContent = 'window.injected = true'; document.head.append(s); }""")
        page.wait_for_timeout(200)
        assert page.evaluate("window.injected === undefined")
        assert any("script-src" in text for text in refused), refused
    finally:
        page.goto("about:blank")
        context.close()
