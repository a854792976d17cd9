"""Reflected XSS in a real browser: the payloads of test_xss.py through every query
parameter a GET page reads, opened in Chromium anonymously and as a platform admin.

The parameters are those the views read (``request.args`` and the ``from_args`` /
``*_context(args)`` helpers they hand it to): search words, filters, sort, page, dates,
region/field/tag/release ids, event and programme filters, admin filters, ``next=`` and
the check-in token. Every page gets all of them at once, each parameter every payload in
turn (a page ignores what it does not read; a page that does read one must show it
escaped). On top of the pages named here, every other GET page without URL values gets
a few such visits, so a parameter read by a page not listed is exercised too.

On every visit: no 5xx, and on HTML pages no dialog, no CSP violation, no injected
element, ``window.__xss`` unset. Signing in with a hostile ``next=`` lands on this site.
"""
from urllib.parse import urlencode, urlsplit

import pytest

from marketplace.extensions import db
from tests.e2e.test_publish_flow import login
from tests.e2e.test_xss import PAYLOADS, WATCH, script_problems
from tests.factories import Factory

try:
    from playwright.sync_api import Page
except ImportError:  # the ``browser`` fixture skips, or fails when REQUIRE_BROWSER=1
    Page = None

pytestmark = pytest.mark.browser

# Every query parameter a GET view reads (grep request.args / args.get in marketplace/).
PARAMS = ("q", "kind", "field", "tag", "region", "release", "sort", "page", "status",
          "year", "span", "from", "to", "own", "quarter", "match", "category", "action",
          "object_type", "list", "start", "end", "published_on", "t", "next")
PUBLIC = ("/search", "/opportunities/", "/results/", "/events/", "/progress", "/login")
ADMIN = ("/search", "/programme/", "/programme/designations",
         "/programme/designations/new/project", "/programme/indicators", "/programme/report",
         "/admin/organizations", "/admin/audit", "/admin/duplicates", "/admin/funnel",
         "/notifications")
HOSTILE_NEXT = ("javascript:alert(6)", "//evil.example/", "https://evil.example/",
                "/\\evil.example", "%2F%2Fevil.example", "\\\\evil.example",
                "<script>alert(1)</script>")




def _query(turn: int) -> str:
    """Every parameter a payload; parameter j gets payload turn + j, so that over
    len(PAYLOADS) turns each parameter has had every payload."""
    return urlencode({name: PAYLOADS[(turn + j) % len(PAYLOADS)]
                      for j, name in enumerate(PARAMS)})


def _check_any(page: Page, url: str, dialogs: list) -> list[str]:
    """``_check`` for a page that may be a download: fetched first (it must not be a
    5xx), opened in the browser only if it is HTML."""
    fetched = page.request.get(url, max_redirects=0)
    if fetched.status >= 500:
        return [f"{url}: status {fetched.status}"]
    if not fetched.headers.get("content-type", "").startswith("text/html"):
        return []
    return _check(page, url, dialogs)


def _check(page: Page, url: str, dialogs: list) -> list[str]:
    """Problems with the HTML page at ``url`` opened in the browser."""
    response = page.goto(url)
    problems = [] if response and response.status < 500 else [f"{url}: status {response}"]
    return problems + script_problems(page, url, dialogs)


def _sweep(page: Page, paths, dialogs: list) -> list[str]:
    problems = []
    for path in paths:
        for turn in range(len(PAYLOADS)):
            problems += _check(page, f"{path}?{_query(turn)}", dialogs)
    return problems


def _other_pages(live_server, done) -> list[str]:
    """GET pages without URL values that the lists above do not name."""
    skip = ("/static/", "/logout")
    return sorted({rule.rule for rule in live_server.app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments
                   and not rule.rule.startswith(skip)} - set(done))


@pytest.fixture
def event_id(live_server) -> int:
    with live_server.app.app_context():
        try:
            return Factory().event(title="反射型XSS测试活动").id
        finally:
            db.session.remove()


def test_query_parameters_are_never_reflected_as_markup(page: Page, live_server, event_id):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(WATCH)
    problems = _sweep(page, PUBLIC, dialogs)
    login(page, live_server.admin_email, live_server.admin_password)
    problems += _sweep(page, (*ADMIN, f"/events/{event_id}/checkin"), dialogs)
    for path in _other_pages(live_server, {*PUBLIC, *ADMIN}):
        for turn in (0, len(PAYLOADS) // 2):
            problems += _check_any(page, f"{path}?{_query(turn)}", dialogs)
    assert problems == []


def test_signing_in_with_a_hostile_next_stays_on_the_site(page: Page, live_server):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    origin = urlsplit(live_server.url).netloc
    landed = []
    for target in HOSTILE_NEXT:
        page.context.clear_cookies()
        page.goto(f"/login?{urlencode({'next': target})}")
        page.get_by_label("电子邮箱").fill(live_server.admin_email)
        page.get_by_label("密码").fill(live_server.admin_password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        landed.append((target, urlsplit(page.url).netloc))
    assert [(t, host) for t, host in landed if host != origin] == []
    assert dialogs == []
