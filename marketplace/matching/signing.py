"""Signing a pairing takes both sides: 洽谈中 → 待确认签约 → 已签约.

One side (the department or the supplier) records the contract — its date, its amount in
万元 and whether that side agrees to show the amount in public. The other side then
confirms it (stating its own consent), which makes the pairing 已签约, or disputes it
with a reason, which takes it back to 洽谈中 and clears what was recorded. Only a
confirmed signing counts (SIGNED_STAGES: the funnel, indicators, the results list), and
the amount is public only when both sides agreed.

An event's organizer recording a contract signed at a 项目签约 witnessed both signatures:
that signing is confirmed at once (``sign_witnessed``).

Platform admins may advance other stages, but a signing is the two sides' own act: they
are refused here. Every step is checked against MATCH_TRANSITIONS, dated
(MatchStageChange), audited, and told to the side concerned.
"""
from datetime import date

from marketplace import signals
from marketplace.authz import Permission, require
from marketplace.db import beijing_today, lock_row, utcnow
from marketplace.errors import Collector, IllegalTransition, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.matching import pairings
from marketplace.matching.models import FUNNEL, MATCH_STAGES, MATCH_TRANSITIONS, Match
from marketplace.validators import text, wan_amount
from marketplace.workflow import change_state, check_transition

DISPUTE_MAX = 500
# What a recorded signing sets; a dispute clears it again.
RECORDED = ("contract_date", "contract_amount_wan", "signing_recorded_by_org_id",
            "signing_recorded_by_id", "signing_recorded_at", "demand_discloses_amount",
            "supply_discloses_amount")
CONSENT = {"demand": "demand_discloses_amount", "supply": "supply_discloses_amount"}


def contract_date(raw) -> date:
    """The contract's date: ISO, not after today (China's date)."""
    if isinstance(raw, date):
        return raw
    try:
        value = date.fromisoformat((raw or "").strip())
    except ValueError:
        raise ValidationError("请填写签约日期，格式如 2026-12-31。", field="contract_date") from None
    if value > beijing_today():
        raise ValidationError("签约日期不能晚于今天。", field="contract_date")
    return value


def contract_amount(raw):
    """The contract's amount in 万元 (validators.wan_amount), required."""
    value = wan_amount(raw, "contract_amount_wan", "合同金额")
    if value is None:
        raise ValidationError("请填写合同金额（万元）。", field="contract_amount_wan")
    return value


def consent(raw) -> bool:
    """A form's checkbox: ticked ("y", "1", "on", True) or not."""
    return raw is True or str(raw or "").strip().lower() in ("y", "1", "on", "true", "yes")


def check_contract(data: dict) -> dict:
    """``contract_date`` and ``contract_amount_wan`` checked together (ValidationError
    with every field's problem); nothing is changed. Views use it to preview a signing
    before it is confirmed."""
    checks = Collector()
    checks.run("contract_date", contract_date, data.get("contract_date"))
    checks.run("contract_amount_wan", contract_amount, data.get("contract_amount_wan"))
    return checks.result()


def _side(actor, match: Match) -> str:
    """The actor's side of ``match``; admins and outsiders are refused."""
    require(actor, Permission.MATCH_ADVANCE, match)
    side = match.side_of(getattr(actor, "organization_id", None))
    if side is None:
        raise PermissionDenied("签约须由对接双方登记和确认，管理员不能代为登记或确认。")
    return side


def _check(match: Match, target: str) -> None:
    check_transition(match, target, transitions=MATCH_TRANSITIONS, labels=MATCH_STAGES,
                     noun="对接", field="stage")


def _move(actor, match: Match, target: str, action: str, note: str = "", **values) -> None:
    previous = match.stage
    change_state(actor, match, target, action, field="stage", transitions=MATCH_TRANSITIONS,
                 labels=MATCH_STAGES, noun="对接", summary=match.opportunity.title, **values)
    pairings.record_step(actor, match, previous, note)


def check_record(actor, match: Match, data: dict) -> dict:
    """What ``record`` checks, without changing anything: the checked contract values
    (for the confirmation page). Raises as ``record``."""
    _side(actor, match)
    _check(match, "signing")
    return check_contract(data)


def record(actor, match: Match, data: dict) -> None:
    """One side records the contract (``contract_date``, ``contract_amount_wan``,
    ``disclose_amount``: its consent to show the amount): 洽谈中 → 待确认签约, and the
    other side is asked to confirm (signal ``signing_recorded``). Raises
    PermissionDenied (not a side, admins included), IllegalTransition (not 洽谈中),
    ValidationError with every field's problem; nothing changes then."""
    side = _side(actor, match)
    lock_row(db.session, match)  # two tabs, or both sides at once: one record
    values = check_record(actor, match, data)
    own = consent(data.get("disclose_amount"))
    _move(actor, match, "signing", "sign_record", **values,
          signing_recorded_by_org_id=actor.organization_id, signing_recorded_by_id=actor.id,
          signing_recorded_at=utcnow(),
          demand_discloses_amount=own if side == "demand" else False,
          supply_discloses_amount=own if side == "supply" else False)
    signals.signing_recorded.send(match, actor=actor)


def _other_side(actor, match: Match) -> str:
    """The confirming side: the side that did not record the signing."""
    side = _side(actor, match)
    lock_row(db.session, match)  # a confirmation and a dispute at once: one wins
    if not match.awaits_confirmation:
        raise IllegalTransition(f"对接当前阶段为“{match.stage_label}”，没有待确认的签约。")
    if actor.organization_id == match.signing_recorded_by_org_id:
        # A permission, not a state: the recorder may never confirm its own record.
        raise PermissionDenied("签约由本单位登记，须由对方单位确认或提出异议。")
    return side


def confirm(actor, match: Match, disclose_amount=False) -> None:
    """The other side confirms the recorded signing, stating its own consent to show the
    amount: 待确认签约 → 已签约 (it now counts); the recording side is told
    (``match_advanced``). Raises PermissionDenied (not a side, or the side that recorded
    it), IllegalTransition (no signing awaits confirmation)."""
    side = _other_side(actor, match)
    _move(actor, match, "signed", "sign_confirm", signing_confirmed_by_id=actor.id,
          signing_confirmed_at=utcnow(), **{CONSENT[side]: consent(disclose_amount)})
    signals.match_advanced.send(match, actor=actor)


def dispute(actor, match: Match, reason: str) -> None:
    """The other side disputes the recorded signing with ``reason`` (required, at most
    500 characters): back to 洽谈中, what was recorded cleared (kept in the audit
    record), the recording side told (``signing_disputed``). Raises PermissionDenied,
    IllegalTransition as ``confirm``, ValidationError for the reason."""
    _other_side(actor, match)
    reason = text({"reason": reason}, "reason", "异议原因", DISPUTE_MAX)
    recorder_id = match.signing_recorded_by_org_id
    _move(actor, match, "negotiating", "sign_dispute", note=f"对签约登记有异议：{reason}",
          **{name: (False if name.endswith("_amount") else None) for name in RECORDED})
    signals.signing_disputed.send(match, actor=actor, reason=reason,
                                  recorder_id=recorder_id)


def sign_witnessed(actor, match: Match, values: dict, note: str) -> None:
    """An event's organizer, having witnessed both signatures, records the contract
    (``values``: checked ``contract_date``, ``contract_amount_wan``; optional
    ``demand_discloses_amount``, ``supply_discloses_amount``): 洽谈中 → 待确认签约 →
    已签约 at once, both steps audited. The caller checks the organizer's permission."""
    _check(match, "signing")
    _move(actor, match, "signing", "sign_record", note=note,
          contract_date=values["contract_date"],
          contract_amount_wan=values["contract_amount_wan"], signing_recorded_by_org_id=None,
          signing_recorded_by_id=actor.id, signing_recorded_at=utcnow(),
          demand_discloses_amount=consent(values.get("demand_discloses_amount")),
          supply_discloses_amount=consent(values.get("supply_discloses_amount")))
    _move(actor, match, "signed", "sign_confirm", note=note,
          signing_confirmed_by_id=actor.id, signing_confirmed_at=utcnow())
    signals.match_advanced.send(match, actor=actor)


def sign_at_event(actor, event, opportunity, supplier, data: dict, product=None
                  ) -> tuple[Match, bool]:
    """An organizer of ``event`` (a 项目签约) records the contract ``opportunity`` and
    ``supplier`` signed there: the pairing starts at 已对接 (origin 对接活动) if missing,
    is advanced stage by stage to 洽谈中 and signed with both signatures witnessed
    (``sign_witnessed``: ``contract_date`` and ``contract_amount_wan`` are checked first,
    so nothing moves on bad input). Returns (match, whether it was started here). Raises
    IllegalTransition for a pairing already signed or terminated."""
    require(actor, Permission.EVENT_MANAGE, event)
    values = {**data, **check_contract(data)}
    match = pairings.existing(opportunity.id, supplier.id)
    if match is not None and match.is_contracted:
        raise IllegalTransition(f"双方的对接已于{match.contract_date}签约，无需重复登记。")
    created = match is None
    match = pairings.start(actor, opportunity, supplier, "event", "contacted", product=product,
                           why=f"对接活动：{event.title}")
    if match.awaits_confirmation:  # recorded by one side: the ceremony settles it
        pairings.step(actor, match, "negotiating", {})
    for target in FUNNEL[FUNNEL.index(match.stage) + 1:FUNNEL.index("signed")]:
        pairings.step(actor, match, target, {})
    sign_witnessed(actor, match, values, f"项目签约活动：{event.title}，双方现场签约")
    return match, created
