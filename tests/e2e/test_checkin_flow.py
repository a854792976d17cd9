"""Check-in at the door in a real browser: staff type a short code (lower case, with a
space) and see the success and the counts move; the same code again is refused with the
time of the first check-in. The page's script does it without leaving the page, with no
console error and nothing refused by the Content-Security-Policy.

It sits with the other browser tests (their live server and Chromium) rather than in
tests/events: a second Playwright in the same run is refused.
"""
import re
import secrets

import pytest

from marketplace.extensions import db
from tests.e2e.axe import assert_accessible
from tests.e2e.test_publish_flow import login
from tests.events.checkin_helpers import give_codes
from tests.factories import Factory

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the ``browser`` fixture skips, or fails when REQUIRE_BROWSER=1
    Page = expect = None

pytestmark = pytest.mark.browser

WATCH_CSP = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});"""


@pytest.fixture
def door(live_server):
    """An event with one confirmed enterprise of two attendees: (event id, a code)."""
    make, token = Factory(), secrets.token_hex(3)
    with live_server.app.app_context():
        try:
            event = make.event(kind="roadshow", title=f"E2E产品路演{token}")
            registration = make.registration(event, make.org(name=f"E2E签到科技{token}"),
                                             ("张三", "李四"))
            give_codes(registration)
            return event.id, registration.attendees[0].code, f"E2E签到科技{token}"
        finally:
            db.session.remove()


def test_staff_check_in_by_code_then_a_second_try_is_refused(
        page: Page, live_server, door):
    event_id, code, organization = door
    problems = []
    page.on("console", lambda m: m.type == "error" and not m.location.get(
        "url", "").endswith("/favicon.ico") and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.add_init_script(WATCH_CSP)
    login(page, live_server.admin_email, live_server.admin_password)

    page.goto(f"/events/{event_id}/checkin")
    expect(page.get_by_role("heading", name="现场签到", level=1)).to_be_visible()
    checked_in = page.locator('[data-count="checked_in"]')
    expect(checked_in).to_have_text("0")
    expect(page.locator('[data-count="registered"]')).to_have_text("2")

    field = page.get_by_label("签到码（6 位，不区分大小写）")
    field.fill(f"{code[:3].lower()} {code[3:].lower()}")
    page.get_by_role("button", name="签到", exact=True).click()
    result = page.get_by_role("status").filter(has_text="签到")
    expect(result).to_have_text(f"签到成功：张三（{organization}）")
    expect(checked_in).to_have_text("1")
    expect(page.locator('[data-count="waiting"]')).to_have_text("1")
    expect(page.locator("[data-recent] tr")).to_have_count(1)
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    assert_accessible(page)  # the result and the recent list, written by the script
    assert page.url.endswith(f"/events/{event_id}/checkin")  # stayed on the page

    field.fill(code)
    page.get_by_role("button", name="签到", exact=True).click()
    expect(result).to_have_text(re.compile(
        rf"^张三（{organization}）已于 \d\d:\d\d 签到，不能重复签到。$"))
    expect(checked_in).to_have_text("1")

    # After a reload the page shows the same from the server.
    page.reload()
    expect(checked_in).to_have_text("1")
    expect(page.locator("[data-recent] tr").first).to_contain_text("张三")
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []
