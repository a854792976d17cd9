"""The cases of the authorization matrix (run by tests/test_authz_matrix.py).

A ``Case`` names a POST endpoint, arranges a target owned by the *owner* organization, the
form it posts, the roles that may succeed and how to see that they did. The GET routes
and the read rules are in tests/authz_pages.py, built on the same world and helpers.

The roles (``World.users``):

* ``anonymous``;
* ``member`` and ``org_admin``: users of the owner organization;
* ``other_member`` and ``other_admin``: users of another verified organization of the same
  kind, a third party to everything the owner has;
* ``counterpart``: a member of a verified organization of the other kind (a department
  when the owner is an enterprise, else an enterprise). For two-sided objects it is the
  other party: a proposal's owner is the proposing enterprise and its counterpart the
  department whose opportunity it answers; a pairing has the two as its sides. Such cases
  can be seen from either side (``parties``): a ``department`` variant makes the
  department the owner, so that the third party is another department. Everywhere else
  the counterpart is one more outsider.
* ``platform_admin``;
* ``region_admin``: the administrator of 红谷滩区 (360113), the region of everything the
  world arranges (REGION), so in scope; ``other_region_admin``: 西湖区's (360103), a
  neighbouring district's, out of scope for all of it. Neither belongs to an
  organization; both are refused the platform's objects (its own release batches, a
  listing of the province).
* ``auditor``: reads the audit log and the account pages, changes nothing; of the POST
  routes it may use only those for its own account (password, second factor, logout,
  its own notifications).
"""
import io
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import FileStorage
from werkzeug.security import check_password_hash

from marketplace.accounts import otp
from marketplace.accounts.models import RecoveryCode, User
from marketplace.authz import region_scope
from marketplace.audit import AuditLog
from marketplace.db import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.listings import links as listing_links
from marketplace.listings import services as listing_services
from marketplace.listings.models import LISTING_MODELS, ListingLink
from marketplace.matching import pairings, signing
from marketplace.matching.models import Match, Recommendation
from marketplace.notifications.models import Notification, Subscription
from marketplace.notifications.services import email_enabled
from marketplace.opportunities import services as opportunities
from marketplace.proposals import queries as proposal_queries
from marketplace.proposals import services as proposals
from marketplace.proposals.models import Attachment, Proposal, Question
from marketplace.releases import services as releases
from marketplace.releases.models import Release
from marketplace.search.models import IndexTask, LanguageEntry
from marketplace.taxonomy.queries import field_by_name, tag_by_name
from tests.factories import PASSWORD
from tests.proposals.test_attachments import make_pdf

ROLES = ("anonymous", "other_member", "other_admin", "counterpart", "member", "org_admin",
         "platform_admin", "region_admin", "other_region_admin", "auditor")
SIGNED_IN = frozenset(ROLES[1:])
OWNERS = frozenset({"member", "org_admin"})
OTHERS = frozenset({"other_member", "other_admin"})
COUNTERPART = frozenset({"counterpart"})
BOTH_SIDES = OWNERS | COUNTERPART
ORG_USERS = OWNERS | OTHERS  # users of organizations of the owner's kind
PLATFORM = frozenset({"platform_admin"})
REGION_ADMIN = frozenset({"region_admin"})  # in scope: 红谷滩区, where the world's things are
REGION_ADMINS = frozenset({"region_admin", "other_region_admin"})
ADMINS = PLATFORM | REGION_ADMINS
AUDITORS = frozenset({"auditor"})
REGION, OTHER_REGION, PROVINCE = "360113", "360103", "360000"
# Self-service routes for anonymous visitors, with no target object.
PUBLIC_SELF_SERVICE = {"accounts.login", "accounts.register", "accounts.login_code"}
OWNER_KIND = {"opportunity": "department", "product": "enterprise"}
NEW_PASSWORD = "N3w-password-for-tests"
MULTIPART = "multipart/form-data"


class World:
    """The owning organization, a third party of the same kind, a counterpart of the
    other kind, a user per role."""

    def __init__(self, make, kind: str, owner_status: str):
        self.make = make
        self.admin = make.admin()
        self.owner = make.org(kind, owner_status)
        self.other = make.org(kind, "verified")
        self.counterpart = make.org("enterprise" if kind == "department" else "department")
        self.users = {
            "anonymous": None,
            "other_member": make.member(self.other),
            "other_admin": make.org_admin(self.other),
            "counterpart": make.member(self.counterpart),
            "member": make.member(self.owner),
            "org_admin": make.org_admin(self.owner),
            "platform_admin": self.admin,
            "region_admin": make.region_admin(REGION),
            "other_region_admin": make.region_admin(OTHER_REGION),
            "auditor": make.auditor(),
        }


@dataclass
class Target:
    values: dict  # URL values for the endpoint
    data: dict | Callable[[User | None], dict]  # the form posted (by whom, if it depends)
    check: Callable[[User | None], object]  # truthy once an allowed request took effect
    content_type: str | None = None  # MULTIPART for uploads


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


def reloaded(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def _attr_is(obj, name: str, value):
    """A check: ``obj`` (reloaded) has ``name`` == ``value``."""
    model, ident = type(obj), obj.id
    return lambda actor: getattr(reloaded(model, ident), name) == value


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
                    return listing_services.pending_revision(reloaded(model, ident)) is not None
            else:
                check = _attr_is(item, "title", "授权矩阵修改后")
            return Target({"item_id": ident}, form(w.make, title="授权矩阵修改后"), check)
        return arrange

    def contact_view(w):
        item = w.make.listing(kind, w.owner, "published")
        return Target({"item_id": item.id}, {}, lambda user: db.session.scalar(
            sa.select(AuditLog.id).filter_by(action=f"{kind}.contact_view",
                                             object_id=item.id, actor_id=user.id)))

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
        # One audited look at the full contact number: verified organizations and admins.
        Case(f"{endpoint}.contact", SIGNED_IN - AUDITORS, contact_view, owner_kind),
        # The permission table gives platform admins listing.close on any listing.
        Case(f"{endpoint}.close", OWNERS | PLATFORM,
             action("published", "closed", {"outcome": "已签约"}), owner_kind),
    ]


# --- admin ---------------------------------------------------------------------------
def review(kind, region: str = REGION):
    def arrange(w):
        item = w.make.listing(kind, w.owner, "submitted", region_code=region)
        return Target({"kind": kind, "item_id": item.id},
                      {"decision": "approve", "reason": ""}, _status_is(item, "approved"))
    return arrange


def mark_pair(w):
    """Two of the owner's opportunities in REGION under review, marked related."""
    first, second = (w.make.opportunity(w.owner, "submitted"),
                     w.make.opportunity(w.owner, "submitted"))
    return Target({"kind": "opportunity"},
                  {"item_id": first.id, "other_id": second.id, "decision": "related",
                   "note": "", "back": "report"},
                  lambda actor: db.session.scalar(sa.select(ListingLink.kind).where(
                      ListingLink.first_id == first.id, ListingLink.second_id == second.id))
                  == "related")


def unlink_pair(w):
    """A related mark between two of the owner's published opportunities, taken back."""
    first, second = (w.make.opportunity(w.owner, "published"),
                     w.make.opportunity(w.owner, "published"))
    link = listing_links.mark(w.admin, first, second, "related")
    db.session.commit()
    link_id = link.id
    return Target({"link_id": link_id}, {}, lambda actor: reloaded(ListingLink, link_id) is None)


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


def _zone_form(name: str) -> dict:
    return {"kind": "zone", "region_code": "360113", "year": str(beijing_today().year),
            "name": name, "focus": "城市治理", "lead_unit": "区科技局"}


def _designation_named(name: str):
    from marketplace.demonstrations.models import Designation
    return db.session.scalar(sa.select(Designation).where(Designation.name == name))


def designate_zone(w):
    return Target({"kind": "zone"}, _zone_form("授权矩阵认定"),
                  lambda actor: _designation_named("授权矩阵认定"))


def revoke_designation(w):
    from marketplace.demonstrations import services as demonstrations
    made = demonstrations.designate(w.admin, _zone_form("授权矩阵待撤销"))
    db.session.commit()
    return Target({"designation_id": made.id}, {"reason": "复核未通过"},
                  _status_is(made, "revoked"))


def upload_evidence(w):
    from marketplace.demonstrations import services as demonstrations
    from marketplace.demonstrations.models import Designation
    made = demonstrations.designate(w.admin, _zone_form("授权矩阵证明"))
    db.session.commit()
    ident = made.id

    def check(actor):
        evidence = reloaded(Designation, ident).evidence
        return [e.original_name for e in evidence] == ["验收报告.pdf"] and stored_files()
    return Target({"designation_id": ident}, {"file": pdf_upload("验收报告.pdf")}, check,
                  content_type=MULTIPART)


def change_target(w):
    from marketplace.demonstrations.models import DemonstrationTarget
    target = db.session.scalar(sa.select(DemonstrationTarget).where(
        DemonstrationTarget.region_code == "360113", DemonstrationTarget.kind == "zone"))
    return Target({"target_id": target.id}, {"target": "11", "qualifier": "以上",
                                             "start_year": "2022", "end_year": "2025"},
                  _attr_is(target, "target", 11))


def enter_indicator_value(w):
    from marketplace.demonstrations.models import Indicator, IndicatorValue
    indicator = db.session.scalar(sa.select(Indicator).where(
        Indicator.region_code == "360103", Indicator.number == 1))
    return Target({"indicator_id": indicator.id}, {"year": "2025", "value": "123.4"},
                  lambda actor: db.session.scalar(sa.select(IndicatorValue).where(
                      IndicatorValue.indicator_id == indicator.id)))


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


def send_reminders(w):
    """Sending the follow-up reminders now: seen in its audit row."""
    return Target({}, {}, lambda actor: db.session.scalar(
        sa.select(AuditLog).where(AuditLog.action == "reminders.send")))


def update_term(kind, term_name):
    def arrange(w):
        term = field_by_name(term_name) if kind == "field" else tag_by_name(term_name)
        return Target({"kind": kind, "term_id": term.id}, {"name": "授权矩阵改名", "is_active": "1"},
                      _attr_is(term, "name", "授权矩阵改名"))
    return arrange


def admin_add_member(w):
    return _add_member({"org_id": w.owner.id}, "admin-added@test.cn", w.owner.id)


# --- releases ------------------------------------------------------------------------
def create_release(region_code: str = ""):
    """A new batch: of the region posted, or (none posted) of the actor's own region —
    the platform's for a platform admin."""
    def arrange(w):
        def check(actor):
            expected = region_code or region_scope(actor)
            return db.session.scalar(sa.select(Release.id).where(
                Release.year == 2031, Release.region_code.is_(None) if expected is None
                else Release.region_code == expected))
        return Target({}, {"year": "2031", "region_code": region_code}, check)
    return arrange


def draft_release(w, with_item: bool, title: str = "", region: str | None = None):
    """A draft batch of ``region`` (None: the platform's) holding, or ready to take, an
    approved product of the owner in REGION."""
    item = w.make.product(w.owner, "approved", region_code=REGION)
    release = releases.create_release(w.admin, {"year": 2031, "title": title,
                                                "region_code": region or ""})
    if with_item:
        releases.add_items(w.admin, release, "product", [item.id])
    db.session.commit()
    return release, item


def add_items(region: str | None):
    def arrange(w):
        release, item = draft_release(w, with_item=False, region=region)
        return Target({"release_id": release.id}, {"kind": "product", "ids": [str(item.id)]},
                      _attr_is(item, "release_id", release.id))
    return arrange


def remove_item(region: str | None):
    def arrange(w):
        release, item = draft_release(w, with_item=True, region=region)
        return Target({"release_id": release.id, "kind": "product", "item_id": item.id}, {},
                      _attr_is(item, "release_id", None))
    return arrange


def publish(region: str | None):
    def arrange(w):
        release, _ = draft_release(w, with_item=True, region=region)
        return Target({"release_id": release.id},
                      {"published_on": "2031-05-01", "confirmed": "yes"},
                      _status_is(release, "published"))
    return arrange


# --- region administrators (platform admins open them) --------------------------------
def create_region_admin(w):
    return Target({}, {"region_code": REGION, "user_name": "授权矩阵区域管理员",
                       "email": "matrix-region@test.cn", "password": NEW_PASSWORD},
                  lambda actor: db.session.scalar(sa.select(User.id).where(
                      User.email == "matrix-region@test.cn", User.admin_region_code == REGION,
                      User.organization_id.is_(None))))


def set_region_admin_active(w):
    user = w.make.region_admin(REGION)
    return Target({"user_id": user.id}, {"active": "0"}, _attr_is(user, "active", False))


def create_auditor(w):
    return Target({}, {"user_name": "授权矩阵审计员", "email": "matrix-auditor@test.cn",
                       "password": NEW_PASSWORD},
                  lambda actor: db.session.scalar(sa.select(User.id).where(
                      User.email == "matrix-auditor@test.cn", User.is_auditor.is_(True),
                      User.organization_id.is_(None))))


def set_auditor_active(w):
    user = w.make.auditor()
    return Target({"user_id": user.id}, {"active": "0"}, _attr_is(user, "active", False))


# The second factor: one secret for every user of the world (the form posted is the same
# whoever posts it), put in place by hand.
MATRIX_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _with_matrix_secret(w, enabled: bool) -> None:
    for user in w.users.values():
        if user is not None:
            user.totp_secret = otp.seal(MATRIX_TOTP_SECRET)
            user.totp_enabled_at = utcnow() if enabled else None
    db.session.commit()


def _matrix_code() -> dict:
    return {"code": otp.code_at(MATRIX_TOTP_SECRET, time.time())}


def begin_second_factor(w):
    return Target({}, {}, lambda actor: reloaded(User, actor.id).totp_secret is not None)


def confirm_second_factor(w):
    _with_matrix_secret(w, enabled=False)
    return Target({}, _matrix_code(),
                  lambda actor: reloaded(User, actor.id).second_factor_enabled)


def disable_second_factor(w):
    _with_matrix_secret(w, enabled=True)
    return Target({}, _matrix_code(),
                  lambda actor: not reloaded(User, actor.id).second_factor_enabled)


def renew_recovery_codes(w):
    _with_matrix_secret(w, enabled=True)  # no recovery codes yet: renewing makes them
    return Target({}, {"renew-code": _matrix_code()["code"]},
                  lambda actor: db.session.scalar(sa.select(sa.func.count(RecoveryCode.id))
                                                  .where(RecoveryCode.user_id == actor.id)))


def reset_second_factor(w):
    user = w.make.member(w.owner)
    user.totp_secret, user.totp_enabled_at = otp.seal(MATRIX_TOTP_SECRET), utcnow()
    db.session.commit()
    return Target({"user_id": user.id}, {},
                  lambda actor: not reloaded(User, user.id).second_factor_enabled)


# --- accounts ------------------------------------------------------------------------
def account_add_member(w):
    # No target in the URL: an organization admin adds to their own organization.
    return _add_member({}, "org-added@test.cn")


def set_member_active(w):
    user = w.make.member(w.owner)
    return Target({"user_id": user.id}, {"active": "0"}, _attr_is(user, "active", False))


def change_password(w):
    return Target({}, {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                  lambda actor: check_password_hash(reloaded(User, actor.id).password_hash,
                                                    NEW_PASSWORD))


def erase_account(w):
    w.make.admin()  # the platform admin erasing theirs is not the last one
    return Target({}, {"password": PASSWORD, "confirm": "注销"},
                  lambda actor: not reloaded(User, actor.id).active
                  and reloaded(User, actor.id).name == "已注销用户")


def logout(w):
    return Target({}, {}, lambda actor: db.session.scalar(sa.select(AuditLog.id).where(
        AuditLog.action == "auth.logout", AuditLog.actor_id == actor.id)) is not None)


# --- questions, proposals and pairings -----------------------------------------------
PROPOSAL = {"summary": "授权矩阵揭榜方案", "approach": "地磁+视频桩，三个月完成部署。",
            "timeline": "签约后 90 天", "price_wan": "280"}
CONSORTIUM_FORM = {"member_name-0": "授权矩阵联合体成员", "member_role-0": "软件开发"}


def parties(w):
    """(department, supplier) of a two-sided object: one is the world's owner, the
    other its counterpart."""
    if w.owner.kind == "department":
        return w.owner, w.counterpart
    return w.counterpart, w.owner


def pdf_upload(name: str = "授权矩阵附件.pdf") -> tuple:
    return io.BytesIO(make_pdf()), name


def stored_files() -> list[Path]:
    return [path for path in Path(current_app.config["UPLOAD_DIR"]).rglob("*")
            if path.is_file()]


def unanswered_question(w) -> Question:
    """An unanswered question of the counterpart on the owner department's opportunity."""
    opportunity = w.make.opportunity(w.owner, "published")
    question = proposals.ask(w.counterpart.users[0], opportunity, "是否需要对接现有停车场？")
    db.session.commit()
    return question


def open_proposal(w, status: str = "submitted", attachment: bool = False) -> Proposal:
    """The supplier's proposal on a published opportunity of the department, taken to
    ``status`` (draft, submitted, withdrawn) through the services."""
    department, supplier = parties(w)
    opportunity = w.make.opportunity(department, "published")
    proposer = supplier.users[0]
    proposal = proposals.create_proposal(proposer, opportunity, PROPOSAL)
    if attachment:
        proposals.add_attachment(proposer, proposal, FileStorage(*pdf_upload()))
    if status in ("submitted", "withdrawn"):
        proposals.submit(proposer, proposal)
    if status == "withdrawn":
        proposals.withdraw(proposer, proposal)
    db.session.commit()
    return proposal


def selected_pairing(w) -> Match:
    """The department selected the supplier's proposal: a pairing at 已对接."""
    proposal = open_proposal(w)
    match = pairings.select_proposal(parties(w)[0].users[0], proposal)
    db.session.commit()
    return match


def _pairing_of(opportunity_id: int, supplier_id: int) -> Match | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Match).where(Match.opportunity_id == opportunity_id,
                                                    Match.supplier_id == supplier_id))


def ask(w):
    opportunity = w.make.opportunity(w.owner, "published")

    def check(actor):  # asked in the actor's name, whatever the form says
        return db.session.scalar(sa.select(Question).where(
            Question.opportunity_id == opportunity.id, Question.text == "授权矩阵提问",
            Question.organization_id == actor.organization_id))
    return Target({"opportunity_id": opportunity.id},
                  {"text": "授权矩阵提问", "organization_id": str(w.owner.id)}, check)


def answer(w):
    question = unanswered_question(w)
    return Target({"question_id": question.id}, {"answer": "授权矩阵答复"},
                  _attr_is(question, "answer", "授权矩阵答复"))


def propose(w):
    opportunity = w.make.opportunity(parties(w)[0], "published")
    # Tampered fields: the proposal is the actor's organization's, as a draft.
    data = {**PROPOSAL, **CONSORTIUM_FORM, "organization_id": str(w.owner.id),
            "status": "submitted"}

    def check(actor):
        proposal = proposal_queries.own_proposal(opportunity, actor.organization_id)
        return (proposal is not None and proposal.status == "draft"
                and [m.name for m in proposal.members] == ["授权矩阵联合体成员"])
    return Target({"opportunity_id": opportunity.id}, data, check)


def edit_proposal(w):
    proposal = open_proposal(w, "draft")
    return Target({"proposal_id": proposal.id}, {**PROPOSAL, "summary": "授权矩阵修改后"},
                  _attr_is(proposal, "summary", "授权矩阵修改后"))


def proposal_action(status: str, after: str, data: dict | None = None):
    def arrange(w):
        proposal = open_proposal(w, status)
        return Target({"proposal_id": proposal.id}, data or {}, _status_is(proposal, after))
    return arrange


def upload(w):
    proposal = open_proposal(w, "draft")
    ident = proposal.id

    def check(actor):
        attachments = reloaded(Proposal, ident).attachments
        return [a.original_name for a in attachments] == ["授权矩阵.pdf"] and stored_files()
    return Target({"proposal_id": ident}, {"file": pdf_upload("授权矩阵.pdf")}, check,
                  content_type=MULTIPART)


def delete_attachment(w):
    attachment = open_proposal(w, "draft", attachment=True).attachments[0]
    ident = attachment.id
    assert stored_files()
    return Target({"attachment_id": ident}, {},
                  lambda actor: reloaded(Attachment, ident) is None and not stored_files())


def start_pairing(w):
    department, supplier = parties(w)
    opportunity = w.make.opportunity(department, "published")
    product = w.make.product(supplier, "published")
    recommendation = Recommendation(
        opportunity_id=opportunity.id, product_id=product.id, score=0.6, band="strong",
        evidence={"terms": ["停车"]}, in_opportunity_list=True, in_product_list=True)
    db.session.add(recommendation)
    db.session.commit()
    return Target({"recommendation_id": recommendation.id}, {},
                  lambda actor: _pairing_of(opportunity.id, supplier.id))


def select(w):
    proposal = open_proposal(w)
    opportunity_id, supplier_id = proposal.opportunity_id, proposal.organization_id

    def check(actor):
        match = _pairing_of(opportunity_id, supplier_id)
        return match and match.stage == "contacted" and match.proposal.status == "selected"
    return Target({"proposal_id": proposal.id}, {"reason": "", "confirmed": "yes"}, check)


def decline(w):
    proposal = open_proposal(w)
    return Target({"proposal_id": proposal.id},
                  {"decision": "decline", "reason": "报价超出预算", "confirmed": "yes"},
                  _status_is(proposal, "not_selected"))


def negotiating_pairing(w) -> Match:
    match = selected_pairing(w)
    pairings.advance(w.admin, match, "negotiating")
    db.session.commit()
    return match


def recorded_pairing(w) -> Match:
    """The counterpart recorded the signing: the owner's side is to confirm it."""
    match = negotiating_pairing(w)
    signing.record(w.counterpart.users[0], match, SIGNING)
    db.session.commit()
    return match


SIGNING = {"contract_date": beijing_today().isoformat(), "contract_amount_wan": "120"}


def record_signing(w):
    match = negotiating_pairing(w)
    return Target({"match_id": match.id}, {**SIGNING, "confirmed": "yes"},
                  _attr_is(match, "stage", "signing"))


def confirm_signing(w):
    match = recorded_pairing(w)
    return Target({"match_id": match.id}, {"disclose_amount": "y", "confirmed": "yes"},
                  _attr_is(match, "stage", "signed"))


def dispute_signing(w):
    match = recorded_pairing(w)
    return Target({"match_id": match.id}, {"reason": "金额有误"},
                  _attr_is(match, "stage", "negotiating"))


def advance(w):
    match = selected_pairing(w)
    return Target({"match_id": match.id}, {"stage": "negotiating"},
                  _attr_is(match, "stage", "negotiating"))


def manual_pairing(w):
    department, supplier = parties(w)
    opportunity = w.make.opportunity(department, "published")
    return Target({}, {"opportunity": opportunity.public_number, "supplier": supplier.name,
                       "product": ""},
                  lambda actor: _pairing_of(opportunity.id, supplier.id))


# --- notifications (each user's own) -----------------------------------------------
def _notify(user) -> Notification:
    notification = Notification(user_id=user.id, event="question_asked", title="授权矩阵通知",
                                link="/notifications")
    db.session.add(notification)
    return notification


def mark_read(w):
    notification = _notify(w.users["member"])  # one user's; not even a colleague's
    db.session.commit()
    return Target({"notification_id": notification.id}, {},
                  lambda actor: reloaded(Notification, notification.id).read_at is not None)


def read_all(w):
    ids = {role: _notify(user) for role, user in w.users.items() if user is not None}
    db.session.commit()
    ids = {role: n.id for role, n in ids.items()}

    def check(actor):  # the actor's notifications only
        return all((reloaded(Notification, ident).read_at is not None)
                   == (w.users[role].id == actor.id) for role, ident in ids.items())
    return Target({}, {}, check)


def email_settings(w):
    return Target({}, {"events": ["question_asked"]}, lambda actor: (
        email_enabled(actor, "question_asked") and not email_enabled(actor, "digest")))


def subscription(w):
    return Target({}, {"frequency": "daily", "region_codes": ["360113"]},
                  lambda actor: db.session.scalar(sa.select(Subscription).where(
                      Subscription.user_id == actor.id, Subscription.frequency == "daily")))


CASES = [
    *listing_cases("opportunity"),
    *listing_cases("product"),
    # Reviews: platform admins, and the region administrator of the listing's region.
    Case("admin.review", PLATFORM | REGION_ADMIN, review("opportunity"), "department",
         variant="opportunity"),
    Case("admin.review", PLATFORM | REGION_ADMIN, review("product"), "enterprise",
         variant="product"),
    # A listing of the province is above every district.
    Case("admin.review", PLATFORM, review("product", PROVINCE), "enterprise",
         variant="province"),
    Case("admin.revision", PLATFORM | REGION_ADMIN, revision, "department"),
    # Look-alikes: both listings must be within the administrator's reach.
    Case("admin.mark_pair", PLATFORM | REGION_ADMIN, mark_pair, "department"),
    Case("admin.unlink_pair", PLATFORM | REGION_ADMIN, unlink_pair, "department"),
    # The owner organization is pending: its own admin must not be able to verify it.
    Case("admin.organization", PLATFORM, organization_review, owner_status="pending"),
    Case("admin.unlock", PLATFORM, unlock),
    # 十百千: the world's region (红谷滩区) for designations and targets; the seeded
    # indicator table is 西湖区's, the other region administrator's.
    Case("demonstrations.new_designation", PLATFORM | REGION_ADMIN, designate_zone),
    Case("demonstrations.revoke", PLATFORM | REGION_ADMIN, revoke_designation),
    Case("demonstrations.upload_evidence", PLATFORM | REGION_ADMIN, upload_evidence),
    Case("demonstrations.edit_target", PLATFORM | REGION_ADMIN, change_target),
    Case("demonstrations.enter_value", PLATFORM | {"other_region_admin"},
         enter_indicator_value),
    Case("admin.create_field", PLATFORM, create_field),
    Case("admin.create_tag", PLATFORM, create_tag),
    Case("admin.update_term", PLATFORM, update_term("field", "交通出行"), variant="field"),
    Case("admin.update_term", PLATFORM, update_term("tag", "物联网"), variant="tag"),
    Case("admin.add_member", PLATFORM, admin_add_member, "department"),
    Case("search.language", PLATFORM, edit_language),
    Case("search.reindex", PLATFORM, request_reindex),
    Case("reminders.send", PLATFORM, send_reminders),
    # A batch of one's own region (each region administrator its own); of 红谷滩区 named
    # in the form: not by 西湖区's administrator.
    Case("releases.manage", ADMINS, create_release()),
    Case("releases.manage", PLATFORM | REGION_ADMIN, create_release(REGION), variant="region"),
    # The platform's batches are the platform admins'; 红谷滩区's also its administrator's.
    Case("releases.add_items", PLATFORM, add_items(None)),
    Case("releases.add_items", PLATFORM | REGION_ADMIN, add_items(REGION), variant="region"),
    Case("releases.remove_item", PLATFORM, remove_item(None)),
    Case("releases.remove_item", PLATFORM | REGION_ADMIN, remove_item(REGION),
         variant="region"),
    Case("releases.publish", PLATFORM, publish(None)),
    Case("releases.publish", PLATFORM | REGION_ADMIN, publish(REGION), variant="region"),
    Case("admin.region_admins", PLATFORM, create_region_admin),
    Case("admin.set_region_admin_active", PLATFORM, set_region_admin_active),
    Case("admin.auditors", PLATFORM, create_auditor),
    Case("admin.set_auditor_active", PLATFORM, set_auditor_active),
    Case("admin.reset_second_factor", PLATFORM, reset_second_factor),
    Case("accounts.begin_second_factor", SIGNED_IN, begin_second_factor),
    Case("accounts.confirm_second_factor", SIGNED_IN, confirm_second_factor),
    Case("accounts.disable_second_factor", SIGNED_IN, disable_second_factor),
    Case("accounts.renew_recovery_codes", SIGNED_IN, renew_recovery_codes),
    Case("accounts.add_member", frozenset({"org_admin", "other_admin"}), account_add_member),
    # org.manage is in the platform admin's permissions and admins skip the ownership rule.
    Case("accounts.set_member_active", frozenset({"org_admin", "platform_admin"}),
         set_member_active),
    # These act on the signed-in user only: every signed-in role may, anonymous may not.
    Case("accounts.account", SIGNED_IN, change_password),
    Case("accounts.logout", SIGNED_IN, logout),
    Case("privacy.erase", SIGNED_IN, erase_account),
    # Questions: the owner is the department. Any other verified organization may ask
    # (not the department itself, nor admins); only the department answers.
    Case("proposals.ask", OTHERS | COUNTERPART, ask, "department"),
    Case("proposals.answer", OWNERS, answer, "department"),
    # Proposals: the owner is the proposing enterprise, the counterpart the department,
    # which may see and decide but never edit.
    Case("proposals.create", ORG_USERS, propose),
    Case("proposals.edit", OWNERS, edit_proposal),
    Case("proposals.submit", OWNERS, proposal_action("draft", "submitted")),
    Case("proposals.withdraw", OWNERS, proposal_action("submitted", "withdrawn")),
    Case("proposals.reopen", OWNERS, proposal_action("withdrawn", "draft")),
    Case("proposals.upload", OWNERS, upload),
    Case("proposals.delete_attachment", OWNERS, delete_attachment),
    Case("proposals.decide", COUNTERPART,
         proposal_action("submitted", "shortlisted", {"decision": "shortlist"})),
    Case("proposals.decide", OWNERS,
         proposal_action("submitted", "shortlisted", {"decision": "shortlist"}),
         "department", variant="department"),
    Case("proposals.decide", COUNTERPART, decline, variant="decline"),
    Case("matching.select", COUNTERPART, select),
    Case("matching.select", OWNERS, select, "department", variant="department"),
    # The signing is the two sides' own: either records (admins may not), and only the
    # side that did not record it confirms or disputes.
    Case("matching.record_signing", BOTH_SIDES, record_signing),
    Case("matching.record_signing", BOTH_SIDES, record_signing, "department",
         variant="department"),
    Case("matching.confirm_signing", OWNERS, confirm_signing),
    Case("matching.confirm_signing", OWNERS, confirm_signing, "department",
         variant="department"),
    Case("matching.dispute_signing", OWNERS, dispute_signing),
    Case("matching.dispute_signing", OWNERS, dispute_signing, "department",
         variant="department"),
    # Pairings: either side (and for advance, admins); the third party of each kind never.
    Case("matching.start", BOTH_SIDES, start_pairing),
    Case("matching.start", BOTH_SIDES, start_pairing, "department", variant="department"),
    Case("matching.advance", BOTH_SIDES | PLATFORM, advance),
    Case("matching.advance", BOTH_SIDES | PLATFORM, advance, "department",
         variant="department"),
    Case("matching.manual", PLATFORM, manual_pairing),
    # Notifications are the user's own: another user's is not found, even a colleague's.
    Case("notifications.mark_read", frozenset({"member"}), mark_read),
    Case("notifications.read_all", SIGNED_IN, read_all),
    Case("notifications.settings", SIGNED_IN, email_settings),
    # Digest subscriptions to new opportunities are for enterprises and institutes.
    Case("notifications.subscription", ORG_USERS, subscription),
]

