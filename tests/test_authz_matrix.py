"""Authorization matrix: every state-changing route × every role.

Each ``Case`` names a POST endpoint, arranges a target owned by the *owner* organization
(the objects "of another organization" for everyone outside it), the form it posts, the
roles that may succeed and how to see that they did. For every (case, role) cell:

* an allowed role gets a non-error response and the change it asked for;
* any other role gets a refusal — 302 to /login when anonymous, 403 or 404 when signed
  in — and every row of every table is unchanged (only ``auth.*`` audit rows ignored).

``test_matrix_covers_every_post_route`` fails when a POST route is added without a case.
"""
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from flask import g
from werkzeug.security import check_password_hash

from marketplace.accounts.models import Organization, User
from marketplace.audit import AuditLog
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.listings import services as workflow
from marketplace.listings.models import LISTING_MODELS
from marketplace.opportunities import services as opportunities
from marketplace.releases import services as releases
from marketplace.releases.models import Release
from marketplace.search.models import IndexTask, LanguageEntry
from marketplace.taxonomy.queries import field_by_name, tag_by_name
from tests.factories import PASSWORD, valid_uscc

ROLES = ("anonymous", "other_member", "other_admin", "member", "org_admin", "platform_admin")
SIGNED_IN = frozenset(ROLES[1:])
OWNERS = frozenset({"member", "org_admin"})
ORG_USERS = frozenset({"other_member", "other_admin", "member", "org_admin"})
PLATFORM = frozenset({"platform_admin"})
# Self-service routes for anonymous visitors, with no target object (tested at the end).
PUBLIC_SELF_SERVICE = {"accounts.login", "accounts.register"}
OWNER_KIND = {"opportunity": "department", "product": "enterprise"}
NEW_PASSWORD = "N3w-password-for-tests"


class World:
    """The owning organization, another verified one of the same kind, a user per role."""

    def __init__(self, make, kind: str, owner_status: str):
        self.make = make
        self.admin = make.admin()
        self.owner = make.org(kind, owner_status)
        self.other = make.org(kind, "verified")
        self.users = {
            "anonymous": None,
            "other_member": make.member(self.other),
            "other_admin": make.org_admin(self.other),
            "member": make.member(self.owner),
            "org_admin": make.org_admin(self.owner),
            "platform_admin": self.admin,
        }


@dataclass
class Target:
    values: dict  # URL values for the endpoint
    data: dict  # the form posted
    check: Callable[[User | None], object]  # truthy once an allowed request took effect


@dataclass(frozen=True)
class Case:
    endpoint: str
    allowed: frozenset
    arrange: Callable[[World], Target]
    kind: str = "enterprise"  # the owner organization's kind
    owner_status: str = "verified"
    variant: str = ""

    @property
    def id(self) -> str:
        return self.endpoint + (f"[{self.variant}]" if self.variant else "")


def _get(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def _attr_is(obj, name: str, value):
    """A check: ``obj`` (reloaded) has ``name`` == ``value``."""
    model, ident = type(obj), obj.id
    return lambda actor: getattr(_get(model, ident), name) == value


def _status_is(obj, status: str):
    return _attr_is(obj, "status", status)


def _add_member(values: dict, email: str, org_id: int | None = None) -> Target:
    """Post the member form; the new user must land in ``org_id`` (or the actor's own)."""
    def check(actor):
        user = db.session.scalar(sa.select(User).where(User.email == email))
        return user and user.organization_id == (org_id or actor.organization_id)
    return Target(values, {"user_name": "新成员", "email": email, "password": NEW_PASSWORD,
                           "org_role": "member"}, check)


# --- listings: the shared routes, once per kind -------------------------------------
def listing_cases(kind: str) -> list[Case]:
    model = LISTING_MODELS[kind]
    endpoint, owner_kind = model.endpoint, OWNER_KIND[kind]

    def form(make, **overrides):
        return getattr(make, f"{kind}_data")(**overrides)

    def create(w):
        # Tampered fields: a new listing belongs to the actor's organization, as a draft.
        data = form(w.make, title="授权矩阵新建条目", organization_id=str(w.owner.id),
                    status="published")

        def check(actor):
            item = db.session.scalar(sa.select(model).where(model.title == "授权矩阵新建条目"))
            return (item is not None and item.organization_id == actor.organization_id
                    and item.status == "draft")
        return Target({}, data, check)

    def edit(status):
        def arrange(w):
            item = w.make.listing(kind, w.owner, status)
            ident = item.id
            if status == "published":  # not changed in place: the edit awaits review
                def check(actor):
                    return workflow.pending_revision(_get(model, ident)) is not None
            else:
                check = _attr_is(item, "title", "授权矩阵修改后")
            return Target({"item_id": ident}, form(w.make, title="授权矩阵修改后"), check)
        return arrange

    def action(status, after, data=None):
        def arrange(w):
            item = w.make.listing(kind, w.owner, status)
            return Target({"item_id": item.id}, data or {}, _status_is(item, after))
        return arrange

    return [
        Case(f"{endpoint}.create", ORG_USERS, create, owner_kind),
        Case(f"{endpoint}.edit", OWNERS, edit("draft"), owner_kind, variant="draft"),
        Case(f"{endpoint}.edit", OWNERS, edit("published"), owner_kind, variant="published"),
        Case(f"{endpoint}.submit", OWNERS, action("draft", "submitted"), owner_kind),
        Case(f"{endpoint}.withdraw", OWNERS, action("submitted", "draft"), owner_kind),
        # The permission table gives platform admins listing.close on any listing.
        Case(f"{endpoint}.close", OWNERS | PLATFORM,
             action("published", "closed", {"outcome": "已签约"}), owner_kind),
    ]


# --- admin ---------------------------------------------------------------------------
def review(kind):
    def arrange(w):
        item = w.make.listing(kind, w.owner, "submitted")
        return Target({"kind": kind, "item_id": item.id},
                      {"decision": "approve", "reason": ""}, _status_is(item, "approved"))
    return arrange


def revision(w):
    item = w.make.opportunity(w.owner, "published")
    rev = opportunities.update(w.owner.users[0], item,
                               w.make.opportunity_data(title="修改申请后的标题"))
    db.session.commit()
    return Target({"revision_id": rev.id}, {"decision": "approve", "reason": ""},
                  _status_is(rev, "approved"))


def organization_review(w):
    return Target({"org_id": w.owner.id}, {"decision": "verify", "reason": ""},
                  _status_is(w.owner, "verified"))


def unlock(w):
    user = w.make.member(w.owner)
    user.locked_until, user.failed_logins = utcnow() + timedelta(hours=1), 5
    return Target({"user_id": user.id}, {}, _attr_is(user, "locked_until", None))


def create_field(w):
    return Target({}, {"name": "授权矩阵领域"}, lambda actor: field_by_name("授权矩阵领域"))


def create_tag(w):
    return Target({}, {"name": "授权矩阵标签", "kind": "technology"},
                  lambda actor: tag_by_name("授权矩阵标签"))


def edit_language(w):
    return Target({"kind": "stopword"}, {"content": "平台\n授权矩阵停用词"},
                  lambda actor: db.session.scalar(sa.select(LanguageEntry).where(
                      LanguageEntry.value == "授权矩阵停用词")))


def request_reindex(w):
    return Target({}, {}, lambda actor: db.session.scalar(
        sa.select(IndexTask).where(IndexTask.kind == "rebuild")))


def update_term(kind, term_name):
    def arrange(w):
        term = field_by_name(term_name) if kind == "field" else tag_by_name(term_name)
        return Target({"kind": kind, "term_id": term.id}, {"name": "授权矩阵改名", "is_active": "1"},
                      _attr_is(term, "name", "授权矩阵改名"))
    return arrange


def admin_add_member(w):
    return _add_member({"org_id": w.owner.id}, "admin-added@test.cn", w.owner.id)


# --- releases ------------------------------------------------------------------------
def create_release(w):
    return Target({}, {"year": "2031"}, lambda actor: db.session.scalar(
        sa.select(Release.id).where(Release.year == 2031)))


def _draft_release(w, with_item: bool):
    item = w.make.product(w.owner, "approved")
    release = releases.create_release(w.admin, {"year": 2031})
    if with_item:
        releases.add_items(w.admin, release, "product", [item.id])
    db.session.commit()
    return release, item


def add_items(w):
    release, item = _draft_release(w, with_item=False)
    return Target({"release_id": release.id}, {"kind": "product", "ids": [str(item.id)]},
                  _attr_is(item, "release_id", release.id))


def remove_item(w):
    release, item = _draft_release(w, with_item=True)
    return Target({"release_id": release.id, "kind": "product", "item_id": item.id}, {},
                  _attr_is(item, "release_id", None))


def publish(w):
    release, _ = _draft_release(w, with_item=True)
    return Target({"release_id": release.id}, {"published_on": "2031-05-01"},
                  _status_is(release, "published"))


# --- accounts ------------------------------------------------------------------------
def account_add_member(w):
    # No target in the URL: an organization admin adds to their own organization.
    return _add_member({}, "org-added@test.cn")


def set_member_active(w):
    user = w.make.member(w.owner)
    return Target({"user_id": user.id}, {"active": "0"}, _attr_is(user, "active", False))


def change_password(w):
    return Target({}, {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                  lambda actor: check_password_hash(_get(User, actor.id).password_hash,
                                                    NEW_PASSWORD))


def logout(w):
    return Target({}, {}, lambda actor: db.session.scalar(sa.select(AuditLog.id).where(
        AuditLog.action == "auth.logout", AuditLog.actor_id == actor.id)) is not None)


CASES = [
    *listing_cases("opportunity"),
    *listing_cases("product"),
    Case("admin.review", PLATFORM, review("opportunity"), "department", variant="opportunity"),
    Case("admin.review", PLATFORM, review("product"), "enterprise", variant="product"),
    Case("admin.revision", PLATFORM, revision, "department"),
    # The owner organization is pending: its own admin must not be able to verify it.
    Case("admin.organization", PLATFORM, organization_review, owner_status="pending"),
    Case("admin.unlock", PLATFORM, unlock),
    Case("admin.create_field", PLATFORM, create_field),
    Case("admin.create_tag", PLATFORM, create_tag),
    Case("admin.update_term", PLATFORM, update_term("field", "交通出行"), variant="field"),
    Case("admin.update_term", PLATFORM, update_term("tag", "物联网"), variant="tag"),
    Case("admin.add_member", PLATFORM, admin_add_member, "department"),
    Case("search.language", PLATFORM, edit_language),
    Case("search.reindex", PLATFORM, request_reindex),
    Case("releases.manage", PLATFORM, create_release),
    Case("releases.add_items", PLATFORM, add_items),
    Case("releases.remove_item", PLATFORM, remove_item),
    Case("releases.publish", PLATFORM, publish),
    Case("accounts.add_member", frozenset({"org_admin", "other_admin"}), account_add_member),
    # org.manage is in the platform admin's permissions and admins skip the ownership rule.
    Case("accounts.set_member_active", frozenset({"org_admin", "platform_admin"}),
         set_member_active),
    # These act on the signed-in user only: every signed-in role may, anonymous may not.
    Case("accounts.account", SIGNED_IN, change_password),
    Case("accounts.logout", SIGNED_IN, logout),
]

def _cells():
    for case in CASES:
        for role in ROLES:
            yield pytest.param(case, role, id=f"{case.id}-{role}")


# --- helpers -------------------------------------------------------------------------
def snapshot() -> dict[str, list]:
    """Every row of every table, by primary key (audit rows of auth.* events left out)."""
    state = {}
    for table in db.metadata.sorted_tables:
        query = sa.select(table).order_by(*table.primary_key.columns)
        if table.name == AuditLog.__tablename__:
            query = query.where(sa.not_(table.c.action.like("auth.%")))
        state[table.name] = [tuple(row) for row in db.session.execute(query)]
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def attempt(app, user, url: str, data: dict):
    """POST as ``user`` (None: anonymous) from a fresh client; returns (response, snapshot
    before, snapshot after)."""
    db.session.commit()
    client = app.test_client()
    if user is not None:
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True
    before = snapshot()
    g.pop("_login_user", None)  # the test's app context outlives requests; so would g
    response = client.post(url, data=data)
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


@pytest.mark.parametrize("case, role", list(_cells()))
def test_authz_matrix(app, make, case: Case, role: str):
    world = World(make, case.kind, case.owner_status)
    target = case.arrange(world)
    user = world.users[role]
    response, before, after = attempt(app, user, build_url(app, case.endpoint, target.values),
                                      target.data)
    if role in case.allowed:
        assert response.status_code in (200, 302), response.status_code
        assert not is_login_redirect(response)
        assert changed_tables(before, after), "an allowed request changed nothing"
        assert target.check(user), "the allowed request did not take effect"
    else:
        assert_refused(response, user, before, after)


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
    assert [u.id for u in _get(Organization, other.id).users] == [other.users[0].id]
