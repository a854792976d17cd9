"""The listing workflow: create, edit, submit, withdraw, review, close, revisions.

Shared by opportunities and products; each passes its own ``clean_specific`` for the
fields only it has. Every function checks permission and the transition table, changes
rows, writes the audit record and flushes — the caller commits.
"""
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from marketplace import audit, authz, signals
from marketplace.authz import LISTING_KINDS_BY_ORG_KIND, Permission, can_in_region, require
from marketplace.errors import PermissionDenied
from marketplace.db import utcnow
from marketplace.errors import Collector, IllegalTransition, ValidationError
from marketplace.extensions import db
from marketplace.listings.models import (
    EDITABLE_STATUSES, LISTING_MODELS, OUTCOMES, REVISION_STATUSES, REVISION_TRANSITIONS,
    STATUSES, TRANSITIONS, Revision)
from marketplace.listings.validation import clean_common
from marketplace.taxonomy.models import Tag
from marketplace.workflow import change_state, check_transition

REASON_MAX = 500
_SUBMITTABLE = {status: {"submitted"} for status in ("draft", "returned")}


def snapshot(item) -> dict:
    return audit.snapshot(item, item.content_fields + ("status",))


def transition(actor, item, target: str, action: str, **extra) -> None:
    """Move ``item`` to ``target`` if the table allows it; audit before/after."""
    change_state(actor, item, target, action, transitions=TRANSITIONS, labels=STATUSES,
                 noun=f"该{item.kind_label}", summary=item.title, **extra)


def clean(model, data: dict, clean_specific) -> dict:
    """Every field checked at once; raises one ValidationError listing all problems."""
    checks = Collector()
    clean_common(checks, data, title_label="产品名称" if model.kind == "product" else "标题")
    clean_specific(checks, data)
    return checks.result()


def _apply(item, values: dict) -> None:
    for key, value in values.items():
        if key == "tag_ids":
            item.tags = list(db.session.scalars(sa.select(Tag).where(Tag.id.in_(value))))
        else:
            setattr(item, key, value)


def _clean_imported(actor, model, data: dict, clean_specific, organization) -> dict:
    """``clean`` for a listing imported on ``organization``'s behalf, with two more checks
    reported alongside the fields' own problems (one ValidationError for all): the
    organization must be verified and post this kind of listing, and the listing's region
    must lie in the importing administrator's subtree (a region administrator's)."""
    errors = {}
    if not organization.is_verified or model.kind not in LISTING_KINDS_BY_ORG_KIND[
            organization.kind]:
        errors["organization"] = f"“{organization.name}”不能发布{model.list_label}。"
    region_code = (data.get("region_code") or "").strip()
    if region_code and not can_in_region(actor, Permission.LISTING_IMPORT, region_code):
        errors["region_code"] = (f"您只能导入{actor.admin_region.full_name}"
                                 "及其下辖地区的条目。")
    try:
        values = clean(model, data, clean_specific)
    except ValidationError as error:
        errors = {**error.errors, **errors}
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationError(message, field, errors)
    return values


def create_listing(actor, model, data: dict, clean_specific, organization=None):
    """Create a draft owned by the actor's organization (never one named in ``data``).

    An administrator importing lists passes ``organization`` explicitly; it must be a
    verified organization of a kind that posts this kind of listing, and a region
    administrator imports only listings of its subtree. Raises PermissionDenied, or one
    ValidationError naming every field's problem."""
    if organization is None:
        require(actor, Permission.LISTING_CREATE, kind=model.kind)
        organization_id = actor.organization_id
        values = clean(model, data, clean_specific)
    else:
        require(actor, Permission.LISTING_IMPORT)
        values = _clean_imported(actor, model, data, clean_specific, organization)
        organization_id = organization.id
    item = model(organization_id=organization_id, created_by_id=actor.id, status="draft")
    _apply(item, values)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, f"{model.kind}.create", item, after=snapshot(item), summary=item.title)
    return item


def update_listing(actor, item, data: dict, clean_specific):
    """Edit a listing. Drafts and returned items change in place; an approved item changes
    and goes back to review; a published item is not touched — the edit becomes a pending
    Revision (returned) that an admin must approve first. Raises IllegalTransition while
    the item is under review or closed, and while an approved item is in a draft release
    (it must stay approved until the release is published)."""
    require(actor, Permission.LISTING_EDIT, item)
    if item.status not in EDITABLE_STATUSES:
        raise IllegalTransition(
            f"该{item.kind_label}当前状态为“{item.status_label}”，不能修改。"
            + ("请先撤回审核申请。" if item.status == "submitted" else ""))
    _refuse_if_in_draft_release(item, "修改")
    values = clean(type(item), data, clean_specific)
    if item.status == "published":
        return _propose_revision(actor, item, values)
    before = snapshot(item)
    _apply(item, values)
    db.session.flush()
    audit.record(actor, f"{item.kind}.update", item, before=before, after=snapshot(item),
                 summary=item.title)
    if item.status == "approved":
        transition(actor, item, "submitted", "resubmit", submitted_at=utcnow())
    return item


def pending_revision(item) -> Revision | None:
    return db.session.scalar(sa.select(Revision).where(
        Revision.listing_kind == item.kind, Revision.listing_id == item.id,
        Revision.status == "pending"))


def _propose_revision(actor, item, values: dict) -> Revision:
    revision = pending_revision(item)
    if revision is None:
        revision = Revision(listing_kind=item.kind, listing_id=item.id, created_by_id=actor.id)
        db.session.add(revision)
    revision.data = {key: audit.jsonable(value) for key, value in values.items()}
    revision.created_at = utcnow()
    db.session.flush()
    audit.record(actor, f"{item.kind}.revision_propose", revision, before=snapshot(item),
                 after=revision.data, summary=item.title)
    return revision


def _refuse_if_in_draft_release(item, doing: str) -> None:
    if item.status == "approved" and item.release_id is not None:
        raise IllegalTransition(f"该{item.kind_label}已编入待发布批次，"
                                f"请联系管理员从批次中移出后再{doing}。")


def submit(actor, item) -> None:
    """Send a draft or returned listing to review. Raises IllegalTransition from any other
    status (an approved listing goes back to review only by being edited)."""
    require(actor, Permission.LISTING_SUBMIT, item)
    # The table's approved → submitted move belongs to update_listing, not to this button.
    check_transition(item, "submitted", transitions=_SUBMITTABLE, labels=STATUSES,
                     noun=f"该{item.kind_label}")
    transition(actor, item, "submitted", "submit", submitted_at=utcnow(), return_reason="")


def submit_imported(actor, item) -> None:
    """Send an imported draft to review on its organization's behalf (an administrator's
    bulk import); audited as ``<kind>.import_submit``."""
    require(actor, Permission.LISTING_IMPORT, item)
    if item.status != "draft":
        raise IllegalTransition(f"只有草稿状态的{item.kind_label}可以代为提交。")
    transition(actor, item, "submitted", "import_submit", submitted_at=utcnow(),
               return_reason="")


def withdraw(actor, item) -> None:
    """Take a listing back from review into draft."""
    require(actor, Permission.LISTING_WITHDRAW, item)
    if item.status != "submitted":
        raise IllegalTransition(f"只有待审核的{item.kind_label}可以撤回。")
    transition(actor, item, "draft", "withdraw")


def _reason(reason: str, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError("请填写退回原因，便于提交单位修改。", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(f"原因不能超过 {REASON_MAX} 个字。", field="reason")
    return reason


def review(actor, item, decision: str, reason: str = "") -> None:
    """Approve a submitted listing or return it (submitted or approved) with a reason.
    A region administrator reviews listings of its subtree only."""
    require(actor, Permission.LISTING_REVIEW, item)
    if decision == "approve":
        if item.status != "submitted":
            raise IllegalTransition(f"只有待审核的{item.kind_label}可以审核通过。")
        transition(actor, item, "approved", "approve", return_reason="")
        signals.listing_approved.send(item, actor=actor)
    elif decision == "return":
        if item.release_id is not None and item.status == "approved":
            raise IllegalTransition("该条目已编入待发布批次，请先从批次中移出再退回。")
        transition(actor, item, "returned", "return", return_reason=_reason(reason, True))
        signals.listing_returned.send(item, actor=actor)
    else:
        raise ValidationError("请选择审核结果。", field="decision")


def close(actor, item, outcome: str) -> None:
    """Close a published listing with an outcome; any pending revision is discarded."""
    require(actor, Permission.LISTING_CLOSE, item)
    if outcome not in OUTCOMES:
        raise ValidationError("请选择关闭原因（对接结果）。", field="outcome")
    transition(actor, item, "closed", "close", outcome=outcome, closed_at=utcnow())
    _discard_revision(actor, item)


def _discard_revision(actor, item) -> None:
    """A closed listing takes no more edits: its pending revision, if any, becomes
    discarded (audited as ``<kind>.revision_discard``)."""
    revision = pending_revision(item)
    if revision is not None:
        _revision_transition(actor, revision, item, "discarded", "revision_discard")


def _revision_transition(actor, revision: Revision, item, target: str, action: str,
                         **extra) -> None:
    """Move ``revision`` to ``target`` through its table; audited on the revision under its
    listing's kind (``<kind>.<action>``), like the ``<kind>.revision_propose`` record."""
    change_state(actor, revision, target, action, transitions=REVISION_TRANSITIONS,
                 labels=REVISION_STATUSES, noun="该修改申请", summary=item.title,
                 audit_prefix=item.kind, **extra)


def _restore(model, data: dict) -> dict:
    """Turn a revision's JSON back into column values."""
    values = dict(data)
    if values.get("budget_wan") is not None and "budget_wan" in values:
        values["budget_wan"] = Decimal(values["budget_wan"])
    if values.get("deadline"):
        values["deadline"] = date.fromisoformat(values["deadline"])
    return {k: v for k, v in values.items() if k in model.content_fields}


def decide_revision(actor, revision: Revision, decision: str, reason: str = "") -> None:
    """Approve a pending revision, applying it to its published listing (public number
    unchanged), or return it with a reason. Audited on the revision as
    ``<kind>.revision_approve`` / ``<kind>.revision_return`` (status, decider, time,
    reason), and an approval on the listing as ``<kind>.revision_apply`` (content before
    and after). Raises PermissionDenied, ValidationError, or IllegalTransition when the
    revision is no longer pending."""
    item = revision_item(revision)
    require(actor, Permission.LISTING_REVIEW, item)
    if revision.status != "pending":
        raise IllegalTransition("该修改申请已处理。")
    decided = {"decided_by_id": actor.id, "decided_at": utcnow()}
    if decision == "approve":
        _revision_transition(actor, revision, item, "approved", "revision_approve", **decided)
        _apply_revision(actor, revision, item)
    elif decision == "return":
        _revision_transition(actor, revision, item, "returned", "revision_return",
                             reason=_reason(reason, True), **decided)
    else:
        raise ValidationError("请选择审核结果。", field="decision")


def _apply_revision(actor, revision: Revision, item) -> None:
    before = snapshot(item)
    _apply(item, _restore(type(item), revision.data))
    db.session.flush()
    audit.record(actor, f"{item.kind}.revision_apply", item, before=before,
                 after=snapshot(item), summary=item.title)


def revision_item(revision: Revision):
    return db.session.get(LISTING_MODELS[revision.listing_kind], revision.listing_id)


def publish(actor, item, public_number: str, release) -> None:
    """Publish an approved listing in ``release`` (called only by the releases service)."""
    require(actor, Permission.RELEASE_MANAGE, item)
    transition(actor, item, "published", "publish", public_number=public_number,
               published_at=utcnow(), release_id=release.id)
    signals.listing_published.send(item, actor=actor)


def reveal_contact(actor, item) -> str:
    """The full number of ``item``'s contact for one look, recorded in the audit log as
    ``<kind>.contact_view`` (个人信息保护法: who saw whose number, and when). Raises
    PermissionDenied for someone ``authz.can_reveal_contact`` does not allow."""
    if not authz.can_reveal_contact(actor, item):
        raise PermissionDenied("您无权查看该联系人的完整电话。")
    audit.record(actor, f"{item.kind}.contact_view", item,
                 summary=f"查看「{item.title}」联系人的完整电话")
    db.session.flush()
    return item.contact_phone


def erase_contact(actor, phone: str, organization_id: int) -> int:
    """Remove a person's name and number from every listing of their organization that
    gives ``phone`` as its contact, and from those listings' revisions, even published
    ones (a deletion request overrides "published listings change only by revision").
    Audited per listing as ``<kind>.contact_erase``; the outbox re-indexes them. Returns
    how many listings changed."""
    if not phone:
        return 0
    erased = 0
    for model in LISTING_MODELS.values():
        for item in db.session.scalars(sa.select(model).where(
                model.organization_id == organization_id)):
            erased += _erase_item_contact(actor, item, phone)
    db.session.flush()
    return erased


def _erase_item_contact(actor, item, phone: str) -> int:
    blank = {"contact_name": "", "contact_phone": "", "contact_consent": False}
    for revision in db.session.scalars(sa.select(Revision).filter_by(
            listing_kind=item.kind, listing_id=item.id)):
        if revision.data.get("contact_phone") == phone:
            revision.data = {**revision.data, **blank}
    if item.contact_phone != phone:
        return 0
    audit.record(actor, f"{item.kind}.contact_erase", item,
                 before=audit.snapshot(item, ("contact_name", "contact_phone")),
                 summary=f"应联系人要求删除「{item.title}」的联系人信息")
    for key, value in blank.items():
        setattr(item, key, value)
    return 1
