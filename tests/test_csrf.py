"""CSRF on every state-changing route, in an app with the production setting (the unit
tests' app turns CSRF off; this one keeps the default, on).

Every POST case of the authorization matrix (tests/authz_cases.py, authz_events.py), and
the two anonymous self-service forms (login, register), is posted by a user whose role
may make the change:

* without a token, with a made-up one, and with a real token of another session: each
  refused with 400 and the CSRF page, and every row of every table (audit records of
  sign-ins included) and every uploaded file unchanged;
* then with the token the user's own pages carry: the change takes effect, so the
  refusals above came from the missing or forged token and from nothing else.

``test_every_mutating_route_has_a_case`` fails for a POST, PUT, PATCH or DELETE route
without a case.
"""
import io
import re
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from flask import g, request_started

from marketplace import create_app
from marketplace.accounts.models import Organization, User
from marketplace.audit import AuditLog
from marketplace.config import TestConfig
from marketplace.extensions import db
from tests.accounts.test_second_factor import enrol, next_code
from tests.authz_cases import PUBLIC_SELF_SERVICE, Case, Target, reloaded
from tests.conftest import _fresh_request_globals
from tests.factories import PASSWORD, valid_uscc
from tests.signin import sign_in_session
from tests.test_authz_matrix import CASES, build_url, changed_tables, snapshot

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_PAGE = "页面已过期或表单校验失败"
# Who posts: the first role in this order that the case allows.
PREFERENCE = ("member", "org_admin", "counterpart", "other_member", "other_admin",
              "region_admin", "platform_admin", "other_region_admin", "anonymous")


def _login(w):
    user = w.users["member"]
    ident = user.id
    return Target({}, {"email": user.email, "password": PASSWORD},
                  lambda actor: reloaded(User, ident).last_login_at is not None)


def _register(w):
    data = {"name": "跨站校验注册单位", "kind": "enterprise", "region_code": "360113",
            "uscc": valid_uscc(7654329), "user_name": "注册人", "email": "csrf@test.cn",
            "password": "N3w-password-for-tests"}
    return Target({}, data, lambda actor: db.session.scalar(
        sa.select(Organization).where(Organization.name == "跨站校验注册单位")) is not None)


ANONYMOUS = frozenset({"anonymous"})
SELF_SERVICE = [Case("accounts.login", ANONYMOUS, _login),
                Case("accounts.register", ANONYMOUS, _register)]
ALL_CASES = CASES + SELF_SERVICE


def _fresh_token(sender, **extra):
    # Flask-WTF keeps the token of the request in g; the test's app context outlives
    # requests (see in_csrf_app), so each request must start without the previous one's.
    g.pop("csrf_token", None)


@pytest.fixture(scope="module")
def csrf_app(app):
    """The app as deployed: CSRF left at its default. It shares the session database, so
    the per-test transaction (and the factories) serve it too."""
    protected = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config[
        "SQLALCHEMY_DATABASE_URI"], SEARCH_INDEX_DIR=app.config["SEARCH_INDEX_DIR"])
    request_started.connect(_fresh_request_globals, protected)
    request_started.connect(_fresh_token, protected)
    assert protected.config["WTF_CSRF_ENABLED"] is True
    return protected


@pytest.fixture(autouse=True)
def in_csrf_app(app, csrf_app, tmp_path, monkeypatch):
    """The test runs in an app context of ``csrf_app`` that its requests reuse (as the
    unit tests' requests reuse the session app's): the session is not closed after each
    request, and objects arranged before stay usable."""
    monkeypatch.setitem(csrf_app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(csrf_app.config, "IMPORT_DIR", str(tmp_path / "uploads" / "imports"))
    with csrf_app.app_context():
        yield


def everything() -> dict:
    """The matrix's snapshot, and the audit records of sign-ins it leaves out."""
    state = snapshot()
    state["auth_audit"] = db.session.scalar(sa.select(sa.func.count(AuditLog.id)))
    return state


def copied(data: dict) -> dict:
    """``data`` with fresh file streams (a posted stream is read to its end)."""
    return {key: (io.BytesIO(value[0].getvalue()), value[1]) if isinstance(value, tuple)
            else value for key, value in data.items()}


def own_token(client, anonymous: bool) -> str:
    """The token a page of this session carries (the logout form of every signed-in page,
    the login form for visitors)."""
    html = client.get("/login" if anonymous else "/").get_data(as_text=True)
    found = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _role(case: Case) -> str:
    return next(role for role in PREFERENCE if role in case.allowed)


def test_every_mutating_route_has_a_case(csrf_app):
    routes = {rule.endpoint for rule in csrf_app.url_map.iter_rules()
              if rule.methods & MUTATING}
    covered = {case.endpoint for case in ALL_CASES} | OWN_TESTS
    assert routes - covered == set(), "state-changing routes without a CSRF case"
    assert {case.endpoint for case in SELF_SERVICE} | OWN_TESTS == PUBLIC_SELF_SERVICE


# The second sign-in step needs a session half-way through signing in: its own test below.
OWN_TESTS = {"accounts.login_code"}


def test_the_second_sign_in_step_needs_its_sessions_token(csrf_app, make):
    user = make.org().users[0]
    secret, _ = enrol(user)
    client = csrf_app.test_client()
    token = own_token(client, anonymous=True)
    step = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "csrf_token": token})
    db.session.rollback()
    assert urlparse(step.location).path == "/login/code"
    code = next_code(secret)
    before = everything()
    for label, forged in (("none", None), ("made up", "forged-" + token[::-1])):
        data = {"code": code} if forged is None else {"code": code, "csrf_token": forged}
        response = client.post("/login/code", data=data)
        db.session.rollback()
        assert response.status_code == 400, (label, response.status_code)
        assert CSRF_PAGE in response.get_data(as_text=True), label
        assert not changed_tables(before, everything()), label
    page = client.get("/login/code").get_data(as_text=True)  # signing in began a session
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)
    done = client.post("/login/code", data={"code": code, "csrf_token": token})
    db.session.rollback()
    assert done.status_code == 302 and client.get("/account").status_code == 200


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_a_post_without_its_sessions_token_is_refused(app, csrf_app, make, case):
    from tests.authz_cases import World

    world = World(make, case.kind, case.owner_status)
    target = case.arrange(world)
    role = _role(case)
    user = world.users[role]
    url = build_url(app, case.endpoint, target.values)
    db.session.commit()
    client = csrf_app.test_client()
    if user is not None:
        sign_in_session(client, user)
    stranger = csrf_app.test_client()  # another visitor: a genuine token, not this session's
    foreign = own_token(stranger, anonymous=True)
    token = own_token(client, anonymous=user is None)
    form = target.data(user) if callable(target.data) else target.data
    before = everything()
    for label, forged in (("none", None), ("made up", "forged-" + token[::-1]),
                          ("another session's", foreign)):
        data = copied(form)
        if forged is not None:
            data["csrf_token"] = forged
        response = client.post(url, data=data, content_type=target.content_type)
        db.session.rollback()
        assert response.status_code == 400, (label, response.status_code)
        assert CSRF_PAGE in response.get_data(as_text=True), label
        after = everything()
        assert not changed_tables(before, after), (label, changed_tables(before, after))
    response = client.post(url, data={**copied(form), "csrf_token": token},
                           content_type=target.content_type)
    db.session.rollback()
    assert response.status_code in (200, 302), response.status_code
    assert target.check(user), f"with its own token the {role}'s request did not take effect"
