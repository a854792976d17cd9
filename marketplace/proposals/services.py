"""Questions and proposals (揭榜). Each function checks permission and state, changes
rows, writes the audit record, announces it (``signals``) and flushes."""
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace import audit, signals
from marketplace.authz import Permission, belongs_to, require
from marketplace.db import BEIJING, lock_row, utcnow
from marketplace.errors import Collector, IllegalTransition, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.products.models import Product
from marketplace.proposals.models import (
    PROPOSAL_STATUSES, PROPOSAL_TRANSITIONS, ConsortiumMember, Proposal, Question)
from marketplace.proposals.queries import has_selection
from marketplace.validators import as_id, text, wan_amount
from marketplace.workflow import change_state

MAX_MEMBERS = 10
QUESTION_MAX = 1000


def deadline_instant(opportunity) -> datetime | None:
    """The last moment to submit: the end of the deadline day in Beijing time, as naive UTC."""
    if opportunity.deadline is None:
        return None
    end = datetime.combine(opportunity.deadline + timedelta(days=1), time(), tzinfo=BEIJING)
    return end.astimezone(timezone.utc).replace(tzinfo=None)


def is_open(opportunity, now: datetime | None = None) -> bool:
    closes = deadline_instant(opportunity)
    return opportunity.status == "published" and (closes is None or (now or utcnow()) < closes)


def _require_open(opportunity) -> None:
    """Proposals are made while the call is open: published, before its deadline, and
    not yet decided (once a proposal is selected the call stops inviting others)."""
    if opportunity.status != "published":
        raise IllegalTransition("该机会未在征集中，不能揭榜或提问。")
    if not is_open(opportunity):
        raise IllegalTransition(
            f"该机会已于 {opportunity.deadline:%Y年%m月%d日} 截止征集，不能再提交方案。")
    if has_selection(opportunity.id):
        raise IllegalTransition("该机会已选定揭榜单位，不再征集揭榜方案。")


# -- questions --------------------------------------------------------------------------
def ask(actor, opportunity, question_text: str) -> Question:
    """A verified organization (not the owner) asks a question on a published opportunity."""
    require(actor, Permission.QUESTION_ASK)
    if belongs_to(actor, opportunity):
        raise PermissionDenied("不能对本单位发布的机会提问。")
    if opportunity.status != "published":
        raise IllegalTransition("该机会未在征集中，不能提问。")
    body = text({"text": question_text}, "text", "问题", QUESTION_MAX)
    question = Question(opportunity_id=opportunity.id, organization_id=actor.organization_id,
                        asked_by_id=actor.id, text=body)
    db.session.add(question)
    db.session.flush()
    audit.record(actor, "question.ask", question, after={"text": body},
                 summary=opportunity.title)
    signals.question_asked.send(question, actor=actor)
    return question


def answer(actor, question: Question, answer_text: str) -> None:
    """The owning department answers; the answer (not the asker) becomes public."""
    require(actor, Permission.QUESTION_ANSWER, question.opportunity)
    if question.is_answered:
        raise IllegalTransition("该问题已答复。")
    body = text({"answer": answer_text}, "answer", "答复", QUESTION_MAX * 2)
    before = {"answer": question.answer}
    question.answer, question.answered_by_id, question.answered_at = body, actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "question.answer", question, before=before, after={"answer": body},
                 summary=question.opportunity.title)
    signals.question_answered.send(question, actor=actor)


# -- proposals --------------------------------------------------------------------------
def _products(actor, raw_ids) -> list[Product]:
    ids = {as_id(i) for i in raw_ids or []} - {None}
    if not ids:
        return []
    products = db.session.scalars(sa.select(Product).where(Product.id.in_(ids))).all()
    if len(products) != len(ids) or any(
            p.organization_id != actor.organization_id or p.status != "published"
            for p in products):
        raise ValidationError("只能选择本单位已发布的产品。", field="product_ids")
    return list(products)


def _members(rows) -> list[dict]:
    members = []
    for number, row in enumerate(rows or [], start=1):
        name, role = (row.get("name") or "").strip(), (row.get("role") or "").strip()
        if not name and not role:
            continue
        if not name or not role:
            raise ValidationError(f"联合体第 {number} 行需同时填写成员单位和分工。",
                                  field="members")
        if len(name) > 100 or len(role) > 50:
            raise ValidationError(f"联合体第 {number} 行过长（单位名称 100 字、分工 50 字以内）。",
                                  field="members")
        members.append({"name": name, "role": role})
    if len(members) > MAX_MEMBERS:
        raise ValidationError(f"联合体成员最多 {MAX_MEMBERS} 家。", field="members")
    return members


def _clean(actor, data: dict) -> dict:
    checks = Collector()
    checks.run("summary", text, data, "summary", "方案摘要", 300)
    checks.run("approach", text, data, "approach", "实施方案", 10000)
    checks.run("timeline", text, data, "timeline", "交付周期", 200)
    checks.run("price_wan", wan_amount, data.get("price_wan"), "price_wan", "报价")
    checks.run("product_ids", _products, actor, data.get("product_ids"))
    checks.run("members", _members, data.get("members"))
    return checks.result()


def _apply(proposal: Proposal, values: dict) -> None:
    from marketplace.accounts.models import Organization

    proposal.summary, proposal.approach = values["summary"], values["approach"]
    proposal.timeline, proposal.price_wan = values["timeline"], values["price_wan"]
    proposal.products = values["product_ids"]
    proposal.members = [
        ConsortiumMember(name=m["name"], role=m["role"], organization_id=db.session.scalar(
            sa.select(Organization.id).where(Organization.name == m["name"])))
        for m in values["members"]]


def create_proposal(actor, opportunity, data: dict) -> Proposal:
    """A draft answer to an open opportunity; one per organization (a second attempt,
    even a concurrent one, finds the first). Raises ValidationError/IllegalTransition."""
    require(actor, Permission.PROPOSAL_CREATE, kind="proposal")
    _require_open(opportunity)
    values = _clean(actor, data)
    existing = db.session.scalar(sa.select(Proposal).where(
        Proposal.opportunity_id == opportunity.id,
        Proposal.organization_id == actor.organization_id))
    if existing is not None:
        raise IllegalTransition("本单位已对该机会提交过方案，请在原方案上修改。")
    proposal = Proposal(opportunity_id=opportunity.id, organization_id=actor.organization_id,
                        created_by_id=actor.id, status="draft")
    _apply(proposal, values)
    try:
        with db.session.begin_nested():
            db.session.add(proposal)
            db.session.flush()
    except IntegrityError:
        raise IllegalTransition("本单位已对该机会提交过方案，请在原方案上修改。") from None
    audit.record(actor, "proposal.create", proposal,
                 after=audit.snapshot(proposal, Proposal.audit_fields),
                 summary=opportunity.title)
    return proposal


def update_proposal(actor, proposal: Proposal, data: dict) -> None:
    require(actor, Permission.PROPOSAL_EDIT, proposal)
    if proposal.status != "draft":
        raise IllegalTransition("只有草稿状态的方案可以修改；已提交的方案请先撤回。")
    values = _clean(actor, data)
    before = audit.snapshot(proposal, Proposal.audit_fields)
    _apply(proposal, values)
    db.session.flush()
    audit.record(actor, "proposal.update", proposal, before=before,
                 after=audit.snapshot(proposal, Proposal.audit_fields))


def _transition(actor, proposal: Proposal, target: str, action: str, **extra) -> None:
    change_state(actor, proposal, target, action, transitions=PROPOSAL_TRANSITIONS,
                 labels=PROPOSAL_STATUSES, noun="方案", summary=proposal.opportunity.title,
                 **extra)


def submit(actor, proposal: Proposal) -> None:
    """Submit before the deadline (end of the deadline day, Beijing time). The row is
    locked first, so a double click or two tabs submit once."""
    require(actor, Permission.PROPOSAL_SUBMIT, proposal)
    lock_row(db.session, proposal)
    _require_open(proposal.opportunity)
    _transition(actor, proposal, "submitted", "submit", submitted_at=utcnow())
    signals.proposal_submitted.send(proposal, actor=actor)


def withdraw(actor, proposal: Proposal) -> None:
    require(actor, Permission.PROPOSAL_WITHDRAW, proposal)
    _transition(actor, proposal, "withdrawn", "withdraw")


def reopen(actor, proposal: Proposal) -> None:
    """A withdrawn proposal becomes a draft again (while the call is open)."""
    require(actor, Permission.PROPOSAL_EDIT, proposal)
    _require_open(proposal.opportunity)
    _transition(actor, proposal, "draft", "reopen")


DECISIONS = {"shortlist": "shortlisted", "select": "selected", "decline": "not_selected"}


def decide(actor, proposal: Proposal, decision: str, reason: str = "") -> None:
    """The department shortlists, selects or declines (with a reason) a proposal.
    Selecting starts a pairing in the funnel (see matching.pairings)."""
    require(actor, Permission.PROPOSAL_EVALUATE, proposal.opportunity)
    target = DECISIONS.get(decision)
    if target is None:
        raise ValidationError("请选择评审结果。", field="decision")
    reason = (reason or "").strip()
    if target == "not_selected" and not reason:
        raise ValidationError("请填写未入选的原因，便于企业改进。", field="reason")
    if len(reason) > 500:
        raise ValidationError("原因不能超过 500 个字。", field="reason")
    _transition(actor, proposal, target, decision, decided_at=utcnow(),
                decline_reason=reason if target == "not_selected" else "")
    signals.proposal_decided.send(proposal, actor=actor)


MAX_ATTACHMENTS = 10


def add_attachment(actor, proposal: Proposal, file_storage):
    """Attach a checked file to a draft proposal (see attachments.py for the checks)."""
    from marketplace.proposals.attachments import save_upload

    require(actor, Permission.PROPOSAL_EDIT, proposal)
    if proposal.status != "draft":
        raise IllegalTransition("只有草稿状态的方案可以添加附件。")
    if len(proposal.attachments) >= MAX_ATTACHMENTS:
        raise ValidationError(f"每个方案最多 {MAX_ATTACHMENTS} 个附件。", field="attachments")
    if file_storage is None or not file_storage.filename:
        raise ValidationError("请选择要上传的文件。", field="attachments")
    attachment = save_upload(file_storage, proposal.id, actor.id)
    proposal.attachments.append(attachment)
    db.session.flush()
    audit.record(actor, "proposal.attachment_add", proposal,
                 after={"file": attachment.original_name, "sha256": attachment.sha256})
    return attachment


def remove_attachment(actor, attachment) -> None:
    from marketplace.proposals.attachments import remove_file

    proposal = db.session.get(Proposal, attachment.proposal_id)
    require(actor, Permission.PROPOSAL_EDIT, proposal)
    if proposal.status != "draft":
        raise IllegalTransition("只有草稿状态的方案可以删除附件。")
    name = attachment.original_name
    proposal.attachments.remove(attachment)
    db.session.flush()
    remove_file(attachment)
    audit.record(actor, "proposal.attachment_remove", proposal, before={"file": name})
