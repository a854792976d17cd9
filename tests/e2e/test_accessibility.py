"""Accessibility checked, not assumed: axe-core over every page kind, as every role.

The pages are those of the authorization matrix (its ``PAGES``: tests/authz_pages.py,
tests/authz_events.py, …), which must name every GET route (test_matrix_covers_every_route),
so a new page is crawled here without anyone remembering to add it. Each page's
arrangement runs once, in a fresh ``World`` of its own, on a live server whose database
holds the demo seed (so lists, dashboards and charts are populated as in a demonstration).

A *page kind* is an endpoint. The matrix's roles fold into the personas a person would
name: anonymous visitor, enterprise staff, department staff, institute staff, platform
admin, region administrator and auditor. Each (endpoint, persona) pair is visited once, signed in
as the first allowed matrix role for that persona (the organization's admin before a plain
member: admins see more of a page), and must answer 200; pages that answer anything but
HTML (exports, calendars, PDFs, JSON) are not pages for axe and are passed over.

On each page axe runs at 1366×900; on the first visit of each page kind it runs again at
390×844 (the same document, resized: the phone layout is CSS media queries; what differs
between roles is content, not layout). Any serious or critical violation fails the test.

``AXE_FINDINGS=/tmp/axe.jsonl`` also writes every finding of every impact to that file.
"""
import json
import os

import pytest
import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError

from marketplace.extensions import db
from marketplace.releases.models import Release
from tests.authz_cases import ROLES, World
from tests.authz_pages import RELEASE, Page
from tests.e2e.axe import describe, failing, violations
from tests.e2e.conftest import serving
from tests.factories import Factory
from tests.signin import sign_in_session
# Every page of the matrix, whichever module of the catalogue it comes from.
from tests.test_authz_matrix import PAGES as ALL_PAGES

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
PERSONAS = ("anonymous", "enterprise", "department", "institute", "platform_admin",
            "region_admin", "auditor")
# For each persona, the matrix roles that stand for it, in order of preference.
_ROLE_ORDER = ("anonymous", "org_admin", "member", "other_admin", "other_member",
               "counterpart", "platform_admin", "region_admin", "other_region_admin",
               "auditor")


def persona_of(role: str, owner_kind: str) -> str:
    """The persona a matrix role is, in a world whose owner is of ``owner_kind``."""
    if role in ("anonymous", "platform_admin", "auditor"):
        return role
    if role in ("region_admin", "other_region_admin"):
        return "region_admin"
    if role == "counterpart":
        return "department" if owner_kind == "enterprise" else "enterprise"
    return owner_kind


def institute_may(page: Page) -> bool:
    """An institute may post products and proposals and subscribe, like an enterprise
    (authz.ORG_KIND_LISTINGS): it gets the pages a third-party enterprise gets."""
    return page.kind == "enterprise" and "other_admin" in page.allowed


def plan() -> list[tuple[str, str, Page, str]]:
    """(endpoint, persona, page, matrix role): each endpoint once per persona that may see
    it, through its first page variant that persona may see."""
    visits, seen = [], set()
    for page in ALL_PAGES:
        for role in sorted(page.allowed, key=_ROLE_ORDER.index):
            key = (page.endpoint, persona_of(role, page.kind))
            if key not in seen:
                seen.add(key)
                visits.append((*key, page, role))
        if institute_may(page) and (page.endpoint, "institute") not in seen:
            seen.add((page.endpoint, "institute"))
            visits.append((page.endpoint, "institute", page, "institute"))
    return visits


VISITS = plan()
# Shown only half-way through signing in (password given, code not yet), a state no matrix
# role is in; not crawled. It is a one-field form like the login page.
HALF_SIGNED_IN = {"accounts.login_code"}
PHONE_CHECKED: set[str] = set()  # endpoints whose phone layout has been checked


def test_every_page_kind_is_visited(app):
    """Every GET endpoint of the app is visited by at least one persona, and every
    persona visits pages (a catalogue that lost its arrangements would fail here)."""
    routes = {rule.endpoint for rule in app.url_map.iter_rules()
              if "GET" in rule.methods and rule.endpoint != "static"}
    visited = {endpoint for endpoint, *_ in VISITS} | HALF_SIGNED_IN
    assert routes - visited == set(), "GET routes without a page in tests/authz_pages.py"
    assert {persona for _, persona, *_ in VISITS} == set(PERSONAS)
    assert set(ROLES) >= {role for *_, role in VISITS} - {"institute"}


def _seed_demo():
    from marketplace.seeding.demo import load_demo
    from marketplace.seeding.demo_events import run_demo_day
    from marketplace.seeding.reference import load_reference
    load_reference()
    load_demo()
    db.session.commit()
    run_demo_day()


def _note(endpoint: str, persona: str, viewport: str, found: list[dict]) -> None:
    """With AXE_FINDINGS=path, every finding of every impact (minor and moderate too) is
    appended there as JSON lines: one per (page kind, persona, viewport, rule)."""
    path = os.environ.get("AXE_FINDINGS")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        for v in found:
            out.write(json.dumps({
                "endpoint": endpoint, "persona": persona, "viewport": viewport,
                "rule": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
                "targets": [" ".join(map(str, n["target"])) for n in v["nodes"][:5]]},
                ensure_ascii=False) + "\n")


@pytest.fixture(scope="module")
def crawl_server():
    """A live server of its own (the crawl's arrangements would disturb the other flows'
    expectations, e.g. search result counts), populated with the demo seed."""
    with serving(_seed_demo) as server:
        yield server


def arrangement(page: Page) -> tuple:
    """What ``page.arrange`` does, as a key: its code, the values it closes over and the
    world's kind. Pages with the same arrangement (a published release for its list, its
    page, its print view) share one, as they would share the object in real life; the
    matrix arranges each in a database of its own, the crawl in one database where some
    arrangements cannot be repeated (two batches may not have one name)."""
    function = page.arrange
    cells = tuple(cell.cell_contents for cell in function.__closure__ or ())
    try:
        hash(cells)
    except TypeError:
        cells = (id(function),)
    return page.kind, function.__code__, cells


def _free_release_name() -> None:
    """Batch names are unique, and the catalogue names every batch it arranges RELEASE
    (each matrix cell has a database of its own). The crawl has one: earlier batches of
    that name are renamed (their pages keep answering) so the next arrangement may use
    it."""
    db.session.execute(sa.update(Release).where(Release.title == RELEASE).values(
        title=Release.title + "#" + sa.cast(Release.id, sa.String)))
    db.session.commit()


class Arranged:
    """Each arrangement made once, on demand, in a fresh world; a signed session cookie
    per (page, role)."""

    def __init__(self, server):
        self.app, self.make, self.done = server.app, Factory(), {}

    def url_and_cookie(self, page: Page, role: str) -> tuple[str, str | None]:
        key = arrangement(page)
        with self.app.app_context():
            try:
                if key not in self.done:
                    _free_release_name()
                    world = World(self.make, page.kind, "verified")
                    values = page.arrange(world)
                    world.users["institute"] = self.make.org_admin(self.make.org("institute"))
                    self.done[key] = (world, values)
                world, values = self.done[key]
                user = world.users[role]
                url = self.app.url_map.bind("localhost").build(page.endpoint, values)
                return url, self._cookie(user)
            finally:
                db.session.remove()

    def _cookie(self, user) -> str | None:
        if user is None:
            return None
        client = self.app.test_client()
        sign_in_session(client, db.session.merge(user))
        return client.get_cookie(self.app.config["SESSION_COOKIE_NAME"]).value


@pytest.fixture(scope="module")
def arranged(crawl_server):
    return Arranged(crawl_server)


@pytest.fixture(scope="module")
def crawler(browser, crawl_server):
    context = browser.new_context(base_url=crawl_server.url, locale="zh-CN",
                                  viewport=VIEWPORTS["desktop"])
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.mark.parametrize("endpoint, persona, page_case, role",
                         [pytest.param(*visit, id=f"{visit[0]}-{visit[1]}")
                          for visit in VISITS])
def test_page_is_accessible(crawler, crawl_server, arranged, endpoint, persona,
                            page_case, role):
    url, cookie = arranged.url_and_cookie(page_case, role)
    crawler.clear_cookies()
    if cookie is not None:
        crawler.add_cookies([{"name": crawl_server.app.config["SESSION_COOKIE_NAME"],
                              "value": cookie, "url": crawl_server.url}])
    page = crawler.new_page()
    try:
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" not in error.message:
                raise
            return  # an attachment (export, calendar, PDF): not a page for axe
        assert response.request.redirected_from is None, f"{url} as {role}: redirected"
        assert response.status == 200, f"{url} as {role}: {response.status}"
        if not response.headers.get("content-type", "").startswith("text/html"):
            return  # JSON: not a page for axe
        page.wait_for_load_state("load")
        checks = ["desktop"]
        if endpoint not in PHONE_CHECKED:  # the phone layout: once per page kind
            PHONE_CHECKED.add(endpoint)
            checks.append("phone")
        found = {}
        for name in checks:
            page.set_viewport_size(VIEWPORTS[name])
            every = violations(page)
            _note(endpoint, persona, name, every)
            found[name] = failing(every)
        problems = [describe(v, f" @ {url} ({name}, {persona}/{role})")
                    for name, v in found.items() if v]
        assert not problems, "\n\n".join(problems)
    finally:
        page.close()
