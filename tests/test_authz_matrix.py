"""Authorization matrix: every state-changing route × every role, and every private page.

The cases live in ``tests/authz_cases.py`` (which also describes the roles): each names a
POST endpoint, arranges a target owned by the *owner* organization (the objects "of
another organization" for everyone outside it), the form it posts, the roles that may
succeed and how to see that they did. For every (case, role) cell:

* an allowed role gets a non-error response and the change it asked for;
* any other role gets a refusal — 302 to /login when anonymous, 403 or 404 when signed
  in — and every row of every table and every uploaded file is unchanged (only
  ``auth.*`` audit rows ignored).

For every (private page, role) cell, a role that may not see the object gets a 404 (it
must not learn that the object exists) or, anonymous, the login page.

``test_matrix_covers_every_post_route`` fails when a POST route is added without a case.
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
    CASES, NEW_PASSWORD, PAGES, PUBLIC_SELF_SERVICE, ROLES, Case, Page, World, reloaded,
    stored_files)
from tests.factories import valid_uscc


def _cells(cases):
    for case in cases:
        for role in ROLES:
            yield pytest.param(case, role, id=f"{case.id}-{role}")


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    """Uploaded files go to a directory of the test's own (and are part of snapshots)."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))


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
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True
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


def test_matrix_covers_every_post_route(app):
    post_routes = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    covered = {case.endpoint for case in CASES}
    assert post_routes - PUBLIC_SELF_SERVICE - covered == set(), "POST routes without a case"
    assert covered - post_routes == set(), "cases for routes that no longer exist"
    assert len({case.id for case in CASES}) == len(CASES)
    assert len({page.id for page in PAGES}) == len(PAGES)


@pytest.mark.parametrize("case, role", list(_cells(CASES)))
def test_authz_matrix(app, make, case: Case, role: str):
    world = World(make, case.kind, case.owner_status)
    target = case.arrange(world)
    user = world.users[role]
    response, before, after = attempt(app, user, build_url(app, case.endpoint, target.values),
                                      target.data, target.content_type)
    if role in case.allowed:
        assert response.status_code in (200, 302), response.status_code
        assert not is_login_redirect(response)
        assert changed_tables(before, after), "an allowed request changed nothing"
        assert target.check(user), "the allowed request did not take effect"
    else:
        assert_refused(response, user, before, after)


@pytest.mark.parametrize("page, role", list(_cells(PAGES)))
def test_private_pages(app, make, page: Page, role: str):
    world = World(make, page.kind, "verified")
    values = page.arrange(world)
    user = world.users[role]
    response = client_for(app, user).get(build_url(app, page.endpoint, values))
    if role in page.allowed:
        assert response.status_code == 200, response.status_code
        assert page.shows(response), "the page does not show the object"
    elif user is None:
        assert is_login_redirect(response), (response.status_code, response.location)
    else:
        expected = (403, 404) if role in page.forbidden else (404,)
        assert response.status_code in expected, response.status_code


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
