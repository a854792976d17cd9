"""Authorization matrix: every route × every role, and the read rules inside pages.

The cases live in ``tests/authz_cases.py`` (POST routes; it also describes the roles) and
``tests/authz_pages.py`` (GET routes and read rules). Each POST case arranges a target
owned by the *owner* organization (the objects "of another organization" for everyone
outside it), the form it posts, the roles that may succeed and how to see that they did.
For every (case, role) cell:

* an allowed role gets a non-error response and the change it asked for;
* any other role gets a refusal — 302 to /login when anonymous, 403 or 404 when signed
  in — and every row of every table and every uploaded file is unchanged (only
  ``auth.*`` audit rows ignored).

For every (page, role) cell the role gets the page, a redirect, a refusal or a 404 as the
page says (a role that may not see an object must not learn that it exists); for every
(part, role) cell the page shows the part to the allowed roles only.

``test_matrix_covers_every_route`` fails when a GET or POST route has no case, or a case
names a route that no longer exists.
"""
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from flask import g

from marketplace.accounts.models import Organization, User
from marketplace.audit import AuditLog
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from tests.authz_cases import (
    CASES, NEW_PASSWORD, PUBLIC_SELF_SERVICE, ROLES, Case, World, reloaded, stored_files)
from tests.authz_events import EVENT_CASES, EVENT_PAGES
from tests.authz_pages import PAGES, PARTS, Page, Part
from tests.authz_transfer import TRANSFER_CASES, TRANSFER_PAGES
from tests.factories import valid_uscc
from tests.signin import sign_in_session


CASES = CASES + EVENT_CASES + TRANSFER_CASES
PAGES = PAGES + EVENT_PAGES + TRANSFER_PAGES


def _cells(cases):
    for case in cases:
        for role in ROLES:
            yield pytest.param(case, role, id=f"{case.id}-{role}")


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    """Uploaded files go to a directory of the test's own (and are part of snapshots), and
    so do the web import's kept files."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "IMPORT_DIR", str(tmp_path / "uploads" / "imports"))


# --- helpers -------------------------------------------------------------------------
def snapshot() -> dict[str, list]:
    """Every row of every table, by primary key (audit rows of auth.* events left out),
    and every file under UPLOAD_DIR with its content."""
    state = {}
    for table in db.metadata.sorted_tables:
        query = sa.select(table).order_by(*table.primary_key.columns)
        if table.name == AuditLog.__tablename__:
            query = query.where(sa.not_(table.c.action.like("auth.%")))
        state[table.name] = [tuple(row) for row in db.session.execute(query)]
    state["UPLOAD_DIR"] = sorted((str(path), path.read_bytes()) for path in stored_files())
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def client_for(app, user):
    """A fresh client signed in as ``user`` (None: anonymous)."""
    db.session.commit()
    client = app.test_client()
    if user is not None:
        sign_in_session(client, user)
    g.pop("_login_user", None)  # the test's app context outlives requests; so would g
    return client


def attempt(app, user, url: str, data: dict, content_type: str | None = None):
    """POST as ``user`` (None: anonymous) from a fresh client; returns (response, snapshot
    before, snapshot after)."""
    client = client_for(app, user)
    before = snapshot()
    response = client.post(url, data=data, content_type=content_type)
    db.session.rollback()  # what the request teardown does outside tests
    return response, before, snapshot()


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlparse(response.location).path == "/login"


def assert_refused(response, user, before, after):
    if user is None:
        assert is_login_redirect(response), (response.status_code, response.location)
    else:
        assert response.status_code in (403, 404), (response.status_code, response.location)
    assert not changed_tables(before, after), f"changed: {changed_tables(before, after)}"


def build_url(app, endpoint: str, values: dict) -> str:
    return app.url_map.bind("localhost").build(endpoint, values)


def _routes(app, method: str) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if method in rule.methods and rule.endpoint != "static"}


def test_matrix_covers_every_route(app):
    methods = set().union(*(rule.methods for rule in app.url_map.iter_rules()))
    assert methods <= {"GET", "HEAD", "OPTIONS", "POST"}, "a method the matrix does not try"
    covered = {"GET": {page.endpoint for page in PAGES}, "POST": {case.endpoint for case in CASES}}
    exempt = {"GET": set(), "POST": PUBLIC_SELF_SERVICE}
    for method, endpoints in covered.items():
        routes = _routes(app, method)
        assert routes - exempt[method] - endpoints == set(), f"{method} routes without a case"
        assert endpoints - routes == set(), f"{method} cases for routes that no longer exist"
    assert {part.endpoint for part in PARTS} <= _routes(app, "GET")
    for cases in (CASES, PAGES, PARTS):
        assert len({case.id for case in cases}) == len(cases), "two cases with one id"


@pytest.mark.parametrize("case, role", list(_cells(CASES)))
def test_authz_matrix(app, make, case: Case, role: str):
    world = World(make, case.kind, case.owner_status)
    target = case.arrange(world)
    user = world.users[role]
    data = target.data(user) if callable(target.data) else target.data
    response, before, after = attempt(app, user, build_url(app, case.endpoint, target.values),
                                      data, target.content_type)
    if role in case.allowed:
        assert response.status_code in (200, 302), response.status_code
        assert not is_login_redirect(response)
        assert changed_tables(before, after), "an allowed request changed nothing"
        assert target.check(user), "the allowed request did not take effect"
    else:
        assert_refused(response, user, before, after)


def get_as(app, world: World, role: str, endpoint: str, values: dict):
    return client_for(app, world.users[role]).get(build_url(app, endpoint, values))


@pytest.mark.parametrize("page, role", list(_cells(PAGES)))
def test_pages(app, make, page: Page, role: str):
    world = World(make, page.kind, "verified")
    response = get_as(app, world, role, page.endpoint, page.arrange(world))
    status = response.status_code
    if role in page.allowed:
        assert status == 200, status
        assert page.shows(response), "the page does not show what it should"
    elif role in page.redirected:
        assert status == 302 and not is_login_redirect(response), (status, response.location)
    elif role == "anonymous" and not page.public:
        assert is_login_redirect(response), (status, response.location)
    else:
        assert status in ((403, 404) if role in page.forbidden else (404,)), status


@pytest.mark.parametrize("part, role", list(_cells(PARTS)))
def test_read_rules_inside_pages(app, make, part: Part, role: str):
    world = World(make, part.kind, "verified")
    values, text = part.arrange(world)
    response = get_as(app, world, role, part.endpoint, values)
    assert response.status_code == 200, response.status_code
    shown = text in response.get_data(as_text=True)
    assert shown == (role in part.allowed), f"shown: {shown}"


@pytest.mark.parametrize("kind, org_kind, status", [
    ("opportunity", "department", "pending"), ("opportunity", "enterprise", "verified"),
    ("product", "enterprise", "rejected"), ("product", "department", "verified"),
])
def test_create_refused_for_unverified_or_wrong_kind(app, make, kind, org_kind, status):
    org = make.org(org_kind, status)
    data = getattr(make, f"{kind}_data")()
    url = build_url(app, f"{LISTING_MODELS[kind].endpoint}.create", {})
    for user in (make.org_admin(org), make.member(org)):
        response, before, after = attempt(app, user, url, data)
        assert_refused(response, user, before, after)


def test_register_ignores_tampered_fields(app, make):
    other = make.org("enterprise")
    data = {"name": "篡改注册单位", "kind": "enterprise", "region_code": "360113",
            "uscc": valid_uscc(7654321), "user_name": "注册人", "email": "tamper@test.cn",
            "password": NEW_PASSWORD, "status": "verified", "organization_id": str(other.id),
            "is_platform_admin": "1", "verified_at": "2026-01-01"}
    response, _, _ = attempt(app, None, "/register", data)
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organization).where(Organization.name == "篡改注册单位"))
    user = db.session.scalar(sa.select(User).where(User.email == "tamper@test.cn"))
    assert org.status == "pending" and org.verified_at is None
    assert user.organization_id == org.id and not user.is_platform_admin
    assert [u.id for u in reloaded(Organization, other.id).users] == [other.users[0].id]
