"""The GET side of the authorization matrix (run by tests/test_authz_matrix.py): every
page, export and download from every role, and the read rules that decide part of a
page. The roles and the world are those of tests/authz_cases.py.

A ``Page`` names a GET endpoint, arranges the object it shows and says who gets it:

* ``allowed`` roles get it (200) and ``shows`` holds of the response;
* ``redirected`` roles are sent elsewhere (302, not to the login page): a signed-in user
  on the login page, a platform admin on an organization's own pages;
* ``forbidden`` roles may know of the object (or of the page) but not use it (403 or 404);
* everyone else must not learn that the object exists (404); anonymous visitors go to
  the login page instead, unless the route is ``public`` (no sign-in needed), where a
  non-public object is simply not found.

A ``Part`` is a read rule inside a page that every role gets (200): the ``allowed``
roles see the arranged text, the others do not.
"""
import re
from dataclasses import dataclass
from datetime import date
from typing import Callable

import sqlalchemy as sa

from marketplace.db import beijing_today
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.proposals import services as proposals
from marketplace.releases import services as releases
from tests.authz_cases import (
    ADMINS, AUDITORS, BOTH_SIDES, COUNTERPART, ORG_USERS, OWNER_KIND, OWNERS, PLATFORM, REGION,
    REGION_ADMIN, REGION_ADMINS, ROLES, SIGNED_IN, World, draft_release, open_proposal,
    parties, recorded_pairing, revision, selected_pairing, unanswered_question)

EVERYONE = frozenset(ROLES)
ORGANIZATIONS = SIGNED_IN - ADMINS - AUDITORS  # every signed-in user of an organization
REVIEWERS = PLATFORM | REGION_ADMIN  # of the world's things, all in REGION
TITLE = "授权矩阵条目"  # of every arranged listing
RELEASE = "授权矩阵批次"


@dataclass(frozen=True)
class Page:
    endpoint: str
    allowed: frozenset
    arrange: Callable[[World], dict]  # URL values
    shows: Callable[[object], bool]
    kind: str = "enterprise"  # the owner organization's kind
    forbidden: frozenset = frozenset()
    redirected: frozenset = frozenset()
    public: bool = False
    variant: str = ""

    def __post_init__(self):
        # The auditor belongs to no organization and holds only the back office's read
        # permissions: unless a page allows it, it is sent away where administrators are
        # (pages of an organization's own), and refused where anyone signed in may be.
        if "auditor" in self.allowed | self.forbidden:  # said outright
            return
        if self.redirected & ADMINS:
            object.__setattr__(self, "redirected", self.redirected | AUDITORS)
        elif self.forbidden:
            object.__setattr__(self, "forbidden", self.forbidden | AUDITORS)

    @property
    def id(self) -> str:
        return self.endpoint + (f"[{self.variant}]" if self.variant else "")


@dataclass(frozen=True)
class Part:
    endpoint: str
    variant: str
    allowed: frozenset
    arrange: Callable[[World], tuple[dict, str]]  # URL values, the text the allowed see
    kind: str = "enterprise"

    @property
    def id(self) -> str:
        return f"{self.endpoint}[{self.variant}]"


# --- what a response must show -------------------------------------------------------
def _text(response) -> str:
    return response.get_data(as_text=True)


def titled(title: str):
    """The page's <title> is ``title`` (so the page meant, not another one, answered)."""
    return lambda response: f"<title>{title} - 场景对接平台</title>" in _text(response)


def title_has(text: str):
    def check(response):
        found = re.search(r"<title>(.*?)</title>", _text(response), re.S)
        return found is not None and text in found.group(1)
    return check


def has(text: str):
    return lambda response: text in _text(response)


def lacks(text: str):
    return lambda response: text not in _text(response)


def _is_own_data(response) -> bool:
    return response.mimetype == "application/json" and "账户" in response.get_json()


def _is_workbook(response) -> bool:
    return response.mimetype.endswith("spreadsheetml.sheet")


def _is_csv(response) -> bool:
    return response.mimetype == "text/csv" and response.get_data().startswith(b"\xef\xbb\xbf")


def _is_the_pdf(response) -> bool:
    return response.get_data().startswith(b"%PDF-1.4")


def no_values(w) -> dict:
    return {}


# --- arrangements --------------------------------------------------------------------
def listing(kind: str, status: str):
    """A ``kind`` listing of the owner organization in REGION, titled TITLE, taken to
    ``status``."""
    def arrange(w):
        return {"item_id": w.make.listing(kind, w.owner, status, title=TITLE,
                                          region_code=REGION).id}
    return arrange


def release(published: bool):
    """A release named RELEASE holding one of the owner's products."""
    def arrange(w):
        batch, _ = draft_release(w, with_item=True, title=RELEASE)
        if published:
            releases.publish_release(w.admin, batch, date(2031, 5, 1))
            db.session.commit()
        return {"release_id": batch.id}
    return arrange


def release_csv(published: bool):
    """``release``'s product list as .csv."""
    return lambda w: {**release(published)(w), "kind": "product"}


def _submitted_for_review(w):
    item = w.make.opportunity(w.owner, "submitted", title=TITLE)
    return {"kind": "opportunity", "item_id": item.id}


def _open_call(w):
    """A published opportunity of the department that the owner enterprise may answer."""
    return {"opportunity_id": w.make.opportunity(parties(w)[0], "published").id}


def _proposal_page(status: str = "submitted"):
    return lambda w: {"proposal_id": open_proposal(w, status).id}


def _evaluation_page_with(status: str):
    return lambda w: {"opportunity_id": open_proposal(w, status).opportunity_id}


_evaluation_page = _evaluation_page_with("submitted")


def _attachment_page(status: str = "submitted"):
    return lambda w: {"attachment_id": open_proposal(w, status, attachment=True)
                      .attachments[0].id}


def _designation(w):
    """A zone designated by the province (through the service)."""
    from marketplace.demonstrations import services as demonstrations
    designation = demonstrations.designate(w.admin, {
        "kind": "zone", "region_code": REGION, "year": str(beijing_today().year),
        "name": "授权矩阵示范区", "focus": "城市治理", "lead_unit": "省发改委"})
    db.session.commit()
    return designation


def _evidence(w):
    """A PDF attached to the world's designation (through the service)."""
    from werkzeug.datastructures import FileStorage

    from marketplace.demonstrations import services as demonstrations
    from tests.authz_cases import pdf_upload
    stream, name = pdf_upload("验收.pdf")
    evidence = demonstrations.add_evidence(w.admin, _designation(w),
                                           FileStorage(stream, filename=name))
    db.session.commit()
    return evidence


def _pairing_page(w):
    return {"match_id": selected_pairing(w).id}


_shows_proposal = has("授权矩阵揭榜方案")


def _recorded_pairing_page(w):
    return {"match_id": recorded_pairing(w).id}


def _result(w):
    """A selected proposal on a published opportunity titled TITLE (a public result)."""
    department, supplier = parties(w)
    opportunity = w.make.opportunity(department, "published", title=TITLE)
    w.make.proposal(opportunity, supplier, "selected")
    return {}


def listing_pages(kind: str) -> list[Page]:
    model = LISTING_MODELS[kind]
    endpoint, owner_kind = model.endpoint, OWNER_KIND[kind]
    # Organizations of the other kind and admins may not create this kind of listing.
    not_creators = COUNTERPART | ADMINS
    return [
        Page(f"{endpoint}.index", EVERYONE, listing(kind, "published"), has(TITLE),
             owner_kind, public=True),
        Page(f"{endpoint}.detail", EVERYONE, listing(kind, "published"), titled(TITLE),
             owner_kind, public=True, variant="published"),
        # Before publication: its organization and the reviewers only.
        Page(f"{endpoint}.detail", OWNERS | REVIEWERS, listing(kind, "draft"), titled(TITLE),
             owner_kind, public=True, variant="draft"),
        Page(f"{endpoint}.mine", ORG_USERS, no_values, titled(f"我的{model.list_label}"),
             owner_kind, forbidden=not_creators),
        Page(f"{endpoint}.create", ORG_USERS, no_values, titled(f"新建{model.kind_label}"),
             owner_kind, forbidden=not_creators),
        # A draft: admins see it but may not edit; a published one: everyone sees it.
        Page(f"{endpoint}.edit", OWNERS, listing(kind, "draft"), has(TITLE), owner_kind,
             forbidden=REVIEWERS, variant="draft"),
        Page(f"{endpoint}.edit", OWNERS, listing(kind, "published"), has(TITLE), owner_kind,
             forbidden=SIGNED_IN - OWNERS, variant="published"),
    ]


def admin_page(endpoint: str, shows, arrange=no_values, kind="enterprise",
               allowed=PLATFORM, variant="") -> Page:
    """A back-office page: platform admins (and region administrators where ``allowed``
    says); a fixed URL, so organizations' users may get a 403, and region administrators
    too on a page of the platform's. A region administrator refused an object of the page
    (outside its subtree) must not learn that it exists (404)."""
    forbidden = (ORGANIZATIONS | (REGION_ADMINS if not allowed & REGION_ADMINS else frozenset())
                 | (AUDITORS - allowed))
    return Page(endpoint, allowed, arrange, shows, kind, forbidden=forbidden, variant=variant)


def programme_page(endpoint: str, allowed: frozenset, shows, arrange) -> Page:
    """A 十百千 page: ``allowed`` see it; organization users and region administrators
    outside its region are refused with a 403."""
    return Page(endpoint, allowed, arrange, shows, forbidden=ORGANIZATIONS | REGION_ADMINS)


PAGES = [
    # Public pages.
    Page("home.index", EVERYONE, listing("opportunity", "published"), has(TITLE),
         "department", public=True),
    *listing_pages("opportunity"),
    *listing_pages("product"),
    Page("opportunities.detail", EVERYONE, listing("opportunity", "closed"), titled(TITLE),
         "department", public=True, variant="closed"),
    Page("products.detail", OWNERS | REVIEWERS, listing("product", "submitted"),
         titled(TITLE), public=True, variant="submitted"),
    Page("releases.index", EVERYONE, release(published=True), has(RELEASE), public=True),
    Page("releases.detail", EVERYONE, release(published=True), titled(RELEASE), public=True,
         variant="published"),
    # A release being composed is not public, not even to admins on this page.
    Page("releases.detail", frozenset(), release(published=False), titled(RELEASE),
         public=True, variant="draft"),
    Page("releases.print_view", EVERYONE, release(published=True),
         titled(f"{RELEASE}（打印版）"), public=True),
    Page("releases.export", EVERYONE, release(published=True), _is_workbook, public=True,
         variant="published"),
    Page("releases.export", frozenset(), release(published=False), _is_workbook, public=True,
         variant="draft"),
    Page("releases.export_csv", EVERYONE, release_csv(published=True), _is_csv, public=True,
         variant="published"),
    Page("releases.export_csv", frozenset(), release_csv(published=False), _is_csv,
         public=True, variant="draft"),
    Page("search.index", EVERYONE, no_values, titled("搜索"), public=True),
    Page("demonstrations.progress", EVERYONE, no_values, titled("十百千计划进展：江西省"),
         public=True),
    Page("accounts.login", frozenset({"anonymous"}), no_values, titled("登录"), public=True,
         redirected=SIGNED_IN),
    Page("accounts.register", EVERYONE, no_values, titled("单位注册"), public=True),
    # The signed-in user's own pages.
    Page("accounts.account", SIGNED_IN, no_values, titled("我的账号")),
    # Everyone signed in has a workbench of their own (tests/workbench: what it lists).
    Page("workbench.index", SIGNED_IN, no_values, titled("工作台")),
    Page("accounts.second_factor", SIGNED_IN, no_values, titled("二次验证")),
    # Only half-way through signing in (tests/accounts/test_second_factor.py); otherwise
    # back to the login page, or home when signed in.
    Page("accounts.login_code", frozenset(), no_values, titled("二次验证"),
         redirected=SIGNED_IN),
    Page("accounts.organization", ORGANIZATIONS, no_values, has('<th scope="col">电子邮箱</th>'),
         redirected=ADMINS),
    Page("notifications.index", SIGNED_IN, no_values, titled("通知")),
    Page("privacy.index", SIGNED_IN, no_values, titled("个人信息与账户注销")),
    Page("privacy.download", SIGNED_IN, no_values, _is_own_data),
    Page("notifications.settings", SIGNED_IN, no_values, titled("邮件提醒设置")),
    Page("notifications.subscription", ORG_USERS, no_values, titled("订阅新机会"),
         forbidden=COUNTERPART | ADMINS),
    Page("matching.mine", ORGANIZATIONS, no_values, titled("对接跟踪"), redirected=ADMINS),
    Page("proposals.mine", ORG_USERS, no_values, titled("我的揭榜"),
         forbidden=COUNTERPART | ADMINS),
    # Every organization that may ask has its list of questions; admins ask none.
    Page("proposals.my_questions", ORGANIZATIONS, no_values, titled("我的提问"),
         forbidden=ADMINS),
    Page("proposals.create", ORG_USERS, _open_call, titled("提交揭榜方案"),
         forbidden=COUNTERPART | ADMINS),
    # Proposals, their files and pairings: from the supplier's side (the default) and the
    # department's, so that the third party is an enterprise, then a department.
    Page("proposals.detail", BOTH_SIDES | PLATFORM, _proposal_page(), _shows_proposal),
    Page("proposals.detail", BOTH_SIDES | PLATFORM, _proposal_page(), _shows_proposal,
         "department", variant="department"),
    # A draft is the proposer's own: the department must not learn of it.
    Page("proposals.detail", OWNERS | PLATFORM, _proposal_page("draft"), _shows_proposal,
         variant="draft"),
    Page("proposals.edit", OWNERS, _proposal_page("draft"), _shows_proposal,
         forbidden=PLATFORM),
    Page("proposals.evaluate", COUNTERPART | PLATFORM, _evaluation_page, _shows_proposal),
    Page("proposals.evaluate", OWNERS | PLATFORM, _evaluation_page, _shows_proposal,
         "department", variant="department"),
    # The department's list holds no drafts (the page is there, the draft is not).
    Page("proposals.evaluate", COUNTERPART | PLATFORM, _evaluation_page_with("draft"),
         lacks("授权矩阵揭榜方案"), variant="draft"),
    Page("proposals.export", COUNTERPART | PLATFORM, _evaluation_page, _is_workbook),
    Page("proposals.export", OWNERS | PLATFORM, _evaluation_page, _is_workbook,
         "department", variant="department"),
    Page("proposals.export_csv", COUNTERPART | PLATFORM, _evaluation_page, _is_csv),
    Page("proposals.export_csv", OWNERS | PLATFORM, _evaluation_page, _is_csv,
         "department", variant="department"),
    Page("proposals.download", BOTH_SIDES | PLATFORM, _attachment_page(), _is_the_pdf),
    Page("proposals.download", BOTH_SIDES | PLATFORM, _attachment_page(), _is_the_pdf,
         "department", variant="department"),
    Page("proposals.download", OWNERS | PLATFORM, _attachment_page("withdrawn"), _is_the_pdf,
         variant="withdrawn"),
    # 选定 and 未入选 are confirmed on a page of the department's; the proposer and admins
    # see the proposal but may not decide it.
    Page("matching.confirm_select", COUNTERPART, _proposal_page(), titled("确认选定揭榜方案"),
         forbidden=OWNERS | PLATFORM),
    Page("proposals.confirm_decline", COUNTERPART, _proposal_page(), titled("确认标记为未入选"),
         forbidden=OWNERS | PLATFORM),
    # A recorded signing is confirmed by the other side; the recorder and admins are sent
    # to the pairing's page, which an auditor may not see (pairings are the two sides').
    Page("matching.signing_confirmation", OWNERS, _recorded_pairing_page, titled("确认签约"),
         redirected=COUNTERPART | PLATFORM, forbidden=AUDITORS),
    Page("matching.signing_confirmation", OWNERS, _recorded_pairing_page, titled("确认签约"),
         "department", redirected=COUNTERPART | PLATFORM, forbidden=AUDITORS,
         variant="department"),
    Page("results.index", EVERYONE, _result, has(TITLE), "department", public=True),
    Page("matching.detail", BOTH_SIDES | PLATFORM, _pairing_page, has("对接：")),
    Page("matching.detail", BOTH_SIDES | PLATFORM, _pairing_page, has("对接："),
         "department", variant="department"),
    # The back office.
    # An auditor reviews nothing: its back office starts at the audit log.
    Page("admin.index", ADMINS, no_values, titled("管理后台"), forbidden=ORGANIZATIONS,
         redirected=AUDITORS),
    admin_page("admin.audit", titled("审计日志"), allowed=PLATFORM | AUDITORS),
    admin_page("admin.organizations", titled("单位管理"), allowed=PLATFORM | AUDITORS),
    admin_page("admin.organization", title_has(" - 单位管理"), lambda w: {"org_id": w.owner.id},
               allowed=PLATFORM | AUDITORS),
    admin_page("admin.auditors", titled("审计员"), allowed=PLATFORM | AUDITORS),
    admin_page("admin.review", titled(f"审核：{TITLE}"), _submitted_for_review, "department",
               allowed=REVIEWERS),
    admin_page("admin.revision", title_has("修改审核："), lambda w: revision(w).values,
               "department", allowed=REVIEWERS),
    admin_page("admin.region_admins", titled("区域管理员"), allowed=PLATFORM | AUDITORS),
    admin_page("admin.duplicates_report", titled("重复线索：机会清单"), allowed=ADMINS),
    admin_page("admin.taxonomy", titled("领域与标签")),
    admin_page("matching.funnel_report", titled("对接漏斗")),
    admin_page("matching.manual", titled("录入对接")),
    admin_page("reminders.index", titled("待跟进提醒")),
    admin_page("releases.manage", titled("批次编排"), allowed=ADMINS),
    # The platform's batch is not found by region administrators; 红谷滩区's is its own.
    admin_page("releases.compose", title_has("编排："),
               lambda w: {"release_id": draft_release(w, with_item=True)[0].id}),
    admin_page("releases.compose", title_has("编排："),
               lambda w: {"release_id": draft_release(w, with_item=True, region=REGION)[0].id},
               allowed=REVIEWERS, variant="region"),
    admin_page("releases.confirm_publish", title_has("确认发布："),
               lambda w: {"release_id": draft_release(w, with_item=True)[0].id}),
    admin_page("releases.confirm_publish", title_has("确认发布："),
               lambda w: {"release_id": draft_release(w, with_item=True, region=REGION)[0].id},
               allowed=REVIEWERS, variant="region"),
    admin_page("search.language", titled("停用词"), lambda w: {"kind": "stopword"}),
    # The 十百千 programme: DASHBOARD_VIEW (platform admins; region administrators within
    # their subtree, 403 outside it).
    # The 十百千 programme: platform admins; a region administrator within its subtree
    # (红谷滩区's for the world's things), refused with a 403 naming the region elsewhere.
    programme_page("demonstrations.dashboard", REVIEWERS,
                   titled("十百千计划进展：江西省南昌市红谷滩区"), lambda w: {"region": REGION}),
    programme_page("demonstrations.designations", REVIEWERS, has("授权矩阵示范区"),
                   lambda w: {"region": _designation(w).region_code}),
    programme_page("demonstrations.designation", REVIEWERS, titled("示范区：授权矩阵示范区"),
                   lambda w: {"designation_id": _designation(w).id}),
    programme_page("demonstrations.evidence", REVIEWERS, _is_the_pdf,
                   lambda w: {"evidence_id": _evidence(w).id}),
    programme_page("demonstrations.new_designation", ADMINS, titled("认定示范区"),
                   lambda w: {"kind": "zone"}),
    programme_page("demonstrations.edit_target", PLATFORM, title_has("修改目标：江西省"),
                   lambda w: {"target_id": _province_target().id}),
    # 西湖区 (the other region administrator's) is where the seeded indicator table is.
    programme_page("demonstrations.indicator_table", PLATFORM | {"other_region_admin"},
                   titled("指标：江西省南昌市西湖区"), lambda w: {"region": "360103"}),
    programme_page("demonstrations.report", PLATFORM | {"other_region_admin"},
                   title_has("调度报告"), lambda w: {"region": "360103"}),
    programme_page("demonstrations.report_xlsx", PLATFORM | {"other_region_admin"},
                   _is_workbook, lambda w: {"region": "360103"}),
]


def _province_target():
    from marketplace.demonstrations.models import DemonstrationTarget
    return db.session.scalar(sa.select(DemonstrationTarget).where(
        DemonstrationTarget.region_code == "360000").order_by(DemonstrationTarget.id))


# --- read rules inside a public page -------------------------------------------------
QUESTION_ANSWER = "授权矩阵答复：可以对接。"


def _answered(w):
    question = unanswered_question(w)
    proposals.answer(w.owner.users[0], question, QUESTION_ANSWER)
    db.session.commit()
    return question


def _contact(w):
    item = w.make.opportunity(w.owner, "published")
    return {"item_id": item.id}, "查看完整号码"  # the button to see the full number


def _unanswered(w):
    question = unanswered_question(w)
    return {"item_id": question.opportunity_id}, question.text


def _answer(w):
    return {"item_id": _answered(w).opportunity_id}, QUESTION_ANSWER


def _asker(w):
    # The asker is the counterpart; its name stays with the department that answers.
    return {"item_id": _answered(w).opportunity_id}, f"（{w.counterpart.name}，"


PARTS = [
    # Full contact numbers for verified organizations and admins, one audited look at a
    # time; masked for everyone on the page itself, and no look for auditors (who read
    # the log, not people's phone numbers).
    Part("opportunities.detail", "contact", SIGNED_IN - AUDITORS, _contact, "department"),
    # Unanswered questions: the department, admins and the asking organization (the
    # counterpart), which checks that its question is waiting; nobody else.
    Part("opportunities.detail", "unanswered question", OWNERS | PLATFORM | COUNTERPART,
         _unanswered, "department"),
    # Answered: public, but who asked stays with the department.
    Part("opportunities.detail", "answer", EVERYONE, _answer, "department"),
    Part("opportunities.detail", "asker", OWNERS, _asker, "department"),
]
