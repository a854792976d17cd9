"""Pairings (matches) through the funnel 推荐 → 已对接 → 洽谈中 → 已签约 → 已落地 / 终止.

A pairing starts from a system suggestion (either side), a selected proposal, an event
(a 1:1 meeting rated 有合作可能, or a contract recorded at a 项目签约) or an admin's manual
entry; one per opportunity and supplier. Every stage change is dated (MatchStageChange),
audited, and told to the other side. The signing itself (洽谈中 → 待确认签约 → 已签约)
takes both sides and lives in matching.signing.
"""
import sqlalchemy as sa

from marketplace import audit, signals
from marketplace.authz import Permission, belongs_to, can, require
from marketplace.db import utcnow
from marketplace.errors import Collector, IllegalTransition, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.matching.models import (
    MATCH_STAGES, MATCH_TRANSITIONS, SIGNING_STAGES, Match, MatchStageChange, Recommendation)
from marketplace.proposals import services as proposals
from marketplace.validators import text
from marketplace.workflow import change_state, check_transition

AUDITED = ("stage", "contract_date", "contract_amount_wan", "delivery_note",
           "termination_reason", "proposal_id", "product_id")


def existing(opportunity_id: int, supplier_id: int) -> Match | None:
    return db.session.scalar(sa.select(Match).where(Match.opportunity_id == opportunity_id,
                                                    Match.supplier_id == supplier_id))


def record_step(actor, match: Match, before_stage: str, note: str = "") -> None:
    match.stage_changed_at = utcnow()
    match.changes.append(MatchStageChange(from_stage=before_stage, to_stage=match.stage,
                                          actor_id=getattr(actor, "id", None), note=note[:500]))
    db.session.flush()


def start(actor, opportunity, supplier, origin: str, stage: str, product=None,
          proposal=None, why: str = "揭榜方案选定") -> Match:
    match = existing(opportunity.id, supplier.id)
    if match is not None:
        if match.stage == "terminated":
            raise IllegalTransition("双方的对接已终止，如需重新对接请联系平台管理员。")
        before = audit.snapshot(match, AUDITED)
        match.product_id = match.product_id or getattr(product, "id", None)
        match.proposal_id = match.proposal_id or getattr(proposal, "id", None)
        if match.stage == "recommended" and stage == "contacted":
            match.stage = "contacted"
            record_step(actor, match, "recommended", why)
        db.session.flush()
        audit.record(actor, "match.update", match, before=before,
                     after=audit.snapshot(match, AUDITED), summary=opportunity.title)
        return match
    match = Match(opportunity=opportunity, supplier=supplier, origin=origin, stage=stage,
                  product_id=getattr(product, "id", None),
                  proposal_id=getattr(proposal, "id", None),
                  created_by_id=getattr(actor, "id", None))
    db.session.add(match)
    record_step(actor, match, "")
    audit.record(actor, "match.start", match, after=audit.snapshot(match, AUDITED),
                 summary=f"{opportunity.title} ↔ {supplier.name}")
    signals.match_advanced.send(match, actor=actor)
    return match


def start_from_recommendation(actor, recommendation: Recommendation) -> Match:
    """Either side turns a system suggestion into a pairing (stage 推荐)."""
    opportunity, product = recommendation.opportunity, recommendation.product
    if not (can(actor, Permission.MATCH_CREATE, opportunity)
            or can(actor, Permission.MATCH_CREATE, product)):
        raise PermissionDenied()
    if opportunity.status != "published" or product.status != "published":
        raise IllegalTransition("机会或产品已不在发布状态，不能发起对接。")
    return start(actor, opportunity, product.organization, "suggestion", "recommended",
                  product=product)


def select_proposal(actor, proposal, reason: str = "") -> Match:
    """The department selects a proposal: it becomes 已选定 and its pairing 已对接."""
    proposals.decide(actor, proposal, "select", reason)
    return start(actor, proposal.opportunity, proposal.organization, "proposal", "contacted",
                  proposal=proposal)


def start_manual(actor, opportunity, supplier, product=None) -> Match:
    """A platform admin records a pairing made elsewhere (e.g. at a 供需对接会)."""
    require(actor, Permission.MATCH_MANUAL)
    if supplier.kind == "department" or not supplier.is_verified:
        raise ValidationError("供给方应为已认证的企业或科研院所/服务机构。", field="supplier")
    if product is not None and product.organization_id != supplier.id:
        raise ValidationError("所选产品不属于该单位。", field="product_id")
    if opportunity.status not in ("published", "closed"):
        raise ValidationError("请选择已发布的机会。", field="opportunity")
    return start(actor, opportunity, supplier, "manual", "contacted", product=product)


def _stage_values(target: str, data: dict) -> dict:
    checks = Collector()
    if target == "delivered":
        checks.run("delivery_note", text, data, "delivery_note", "落地情况说明", 2000)
    elif target == "terminated":
        checks.run("termination_reason", text, data, "termination_reason", "终止原因", 500)
    return checks.result()


def advanced_by_hand(match: Match, target: str) -> bool:
    """Whether ``advance`` makes this move: the signing's own moves (登记签约, 确认签约,
    异议 back to 洽谈中) go through matching.signing, which asks both sides."""
    return target not in SIGNING_STAGES and not (match.awaits_confirmation
                                                 and target == "negotiating")


def advance(actor, match: Match, target: str, data: dict | None = None) -> None:
    """Move a pairing one stage on (or terminate it): 已落地 needs a short evidence note,
    终止 a reason. Either side or an admin. A signing is recorded and confirmed by the two
    sides through matching.signing: asked for here it raises IllegalTransition."""
    require(actor, Permission.MATCH_ADVANCE, match)
    if not advanced_by_hand(match, target):
        raise IllegalTransition("签约须由一方登记、另一方确认，请使用“登记签约”或“确认签约”。")
    step(actor, match, target, data or {})


def step(actor, match: Match, target: str, data: dict) -> None:
    previous = match.stage
    check_transition(match, target, transitions=MATCH_TRANSITIONS, labels=MATCH_STAGES,
                     noun="对接", field="stage")  # before the stage's own input checks
    values = _stage_values(target, data)
    change_state(actor, match, target, target, field="stage", transitions=MATCH_TRANSITIONS,
                 labels=MATCH_STAGES, noun="对接", summary=match.opportunity.title, **values)
    record_step(actor, match, previous, values.get("delivery_note") or values.get(
        "termination_reason") or "")
    signals.match_advanced.send(match, actor=actor)


# --- pairings made at events (called by marketplace.events.outcomes) ----------------------
def _may_act_at(actor, event, opportunity, supplier) -> bool:
    """A side of the pairing, or an organizer of the event it comes from."""
    return (belongs_to(actor, opportunity) or belongs_to(actor, supplier)
            or can(actor, Permission.EVENT_MANAGE, event))


def start_from_event(actor, event, opportunity, supplier, product=None
                     ) -> tuple[Match | None, str | None]:
    """A meeting at ``event`` was rated 有合作可能: the pairing of ``opportunity`` and
    ``supplier`` starts at 已对接 with origin 对接活动, or an existing one at 推荐 moves
    to 已对接. Returns (match, "created" | "advanced"), or (the existing match, None)
    when it is already further on or terminated (it is left as it is), or (None, None)
    when the opportunity is not public (no pairing is started from it)."""
    if not _may_act_at(actor, event, opportunity, supplier):
        raise PermissionDenied()
    match = existing(opportunity.id, supplier.id)
    if match is not None and match.stage != "recommended":
        return match, None
    if match is None and not opportunity.is_public:
        return None, None
    action = "created" if match is None else "advanced"
    return start(actor, opportunity, supplier, "event", "contacted", product=product,
                 why=f"对接活动：{event.title}"), action
