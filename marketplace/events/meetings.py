"""1:1 meetings of a 供需对接会: participants' meeting requests.

* A participant is a confirmed registration; demand (departments) meets supply
  (enterprises, institutes). Only the users of a participant's own organization ask,
  answer and withdraw for it (``authz.can_act_in_meetings``).
* ``request_meeting``: ask a participant of the other side, with a short reason
  (≤ 200 characters). Refused — a clear Chinese message, nothing changed — to oneself,
  to the same side, to someone not (or no longer) taking part, twice, after they
  declined, to someone whose request one already accepted, beyond the event's
  per-participant meeting limit, or once the final schedule is published. Asking someone
  who asked first makes the request mutual (the scheduler places it like an accepted
  one). A withdrawn request may be sent again (the same row: one per ordered pair).
* ``answer_request``: the recipient accepts (within its own limit) or declines.
* ``withdraw``: the sender takes back a request not yet answered.

What counts against the limit (``meeting_queries.committed``): requests a participant
sent (pending or accepted) and those it accepted. Each change is audited and notifies the
other side (``meeting_requested``, ``meeting_request_answered``).

The schedule itself (build, hand edits, publication) is ``meeting_schedule``.
"""
from marketplace import audit
from marketplace.authz import can_act_in_meetings
from marketplace.db import utcnow
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.events import meeting_queries as queries
from marketplace.events.models import (
    REQUEST_STATUSES, SIDES, MeetingRequest, Registration)
from marketplace.extensions import db
from marketplace.notifications.services import notify, organization_users, path_for
from marketplace.validators import text
from marketplace.workflow import change_state

MAX_REASON = 200
REQUEST_TRANSITIONS = {
    "pending": {"accepted", "declined", "withdrawn"},
    "accepted": set(),
    "declined": set(),
    "withdrawn": {"pending"},  # asked again
}


def require_open_for_requests(event) -> None:
    """Requests belong to a 供需对接会 whose final schedule is not yet out."""
    if not event.is_matchmaking:
        raise IllegalTransition("只有供需对接会安排一对一会谈。")
    if event.schedule_status == "final":
        raise IllegalTransition("最终日程已发布，不再接受约见请求或回复。")


def _require_participant(actor, registration: Registration) -> None:
    if not can_act_in_meetings(actor, registration):
        raise PermissionDenied()
    if not registration.is_confirmed:
        raise IllegalTransition("报名确认后才能约见。")


def _limit_reached(registration: Registration, whose: str) -> None:
    limit = registration.event.meeting_limit
    if queries.committed(registration.id) >= limit:
        raise IllegalTransition(
            f"{whose}已发出或接受 {limit} 个约见，达到本次活动每家单位 {limit} 场会谈的上限。")


def _recipient(sender: Registration, recipient_id) -> Registration:
    try:
        ident = int(str(recipient_id).strip())
    except ValueError:
        ident = None
    recipient = db.session.get(Registration, ident) if ident and 0 < ident < 2**63 else None
    if recipient is None or recipient.event_id != sender.event_id or not recipient.is_confirmed:
        raise ValidationError("请选择本次活动已确认参会的单位。", field="recipient_id")
    if recipient.id == sender.id or recipient.organization_id == sender.organization_id:
        raise ValidationError("不能向本单位发起约见。", field="recipient_id")
    if recipient.side == sender.side:
        other = SIDES["supply" if sender.side == "demand" else "demand"]
        raise ValidationError(f"只能约见{other}。", field="recipient_id")
    return recipient


def _link(registration: Registration) -> str:
    return path_for("events.meetings", registration_id=registration.id)


def request_meeting(actor, sender: Registration, data: dict) -> MeetingRequest:
    """``sender`` asks ``data["recipient_id"]`` for a meeting with ``data["reason"]``.
    Raises PermissionDenied, ValidationError (recipient_id, reason), IllegalTransition
    (the rules in the module docstring)."""
    _require_participant(actor, sender)
    require_open_for_requests(sender.event)
    recipient = _recipient(sender, data.get("recipient_id"))
    reason = text(data, "reason", "约见事由", MAX_REASON)
    existing = db.session.scalar(db.select(MeetingRequest).where(
        MeetingRequest.sender_id == sender.id, MeetingRequest.recipient_id == recipient.id))
    if existing is not None and existing.status != "withdrawn":
        raise IllegalTransition({"pending": "已向该单位发出约见请求，请等待对方回复。",
                                 "accepted": "对方已接受您的约见请求。",
                                 "declined": "对方已谢绝您的约见请求。"}[existing.status])
    reverse = db.session.scalar(db.select(MeetingRequest.status).where(
        MeetingRequest.sender_id == recipient.id, MeetingRequest.recipient_id == sender.id))
    if reverse == "accepted":
        raise IllegalTransition("您已接受对方的约见，双方会谈已约定。")
    _limit_reached(sender, "您")
    summary = f"{sender.event.title}：{sender.organization.name} → {recipient.organization.name}"
    if existing is not None:
        change_state(actor, existing, "pending", "resend", transitions=REQUEST_TRANSITIONS,
                     labels=REQUEST_STATUSES, noun="约见请求", summary=summary, reason=reason,
                     answered_at=None)
        request = existing
    else:
        request = MeetingRequest(event_id=sender.event_id, sender_id=sender.id,
                                 recipient_id=recipient.id, reason=reason, status="pending")
        db.session.add(request)
        db.session.flush()
        audit.record(actor, "meeting_request.create", request,
                     after={"status": "pending", "reason": reason}, summary=summary)
    notify("meeting_requested", organization_users(recipient.organization),
           link=_link(recipient), request=request, event=sender.event,
           sender=sender.organization, recipient=recipient.organization)
    return request


def answer_request(actor, request: MeetingRequest, decision: str) -> MeetingRequest:
    """The recipient accepts (``decision`` "accept") or declines ("decline") ``request``.
    Accepting is refused beyond the recipient's meeting limit."""
    recipient = request.recipient
    _require_participant(actor, recipient)
    require_open_for_requests(request.event)
    target = {"accept": "accepted", "decline": "declined"}.get(decision)
    if target is None:
        raise ValidationError("请选择接受或谢绝。", field="decision")
    if not request.sender.is_confirmed:
        raise IllegalTransition("对方已不再参会。")
    if target == "accepted" and request.status == "pending":
        _limit_reached(recipient, "您")
    change_state(actor, request, target, decision, transitions=REQUEST_TRANSITIONS,
                 labels=REQUEST_STATUSES, noun="约见请求", answered_at=utcnow(),
                 summary=f"{request.event.title}：{recipient.organization.name} "
                         f"{REQUEST_STATUSES[target]} {request.sender.organization.name}")
    notify("meeting_request_answered", organization_users(request.sender.organization),
           link=_link(request.sender), request=request, event=request.event,
           sender=request.sender.organization, recipient=recipient.organization)
    return request


def withdraw(actor, request: MeetingRequest) -> MeetingRequest:
    """The sender takes back a request that is not yet answered."""
    _require_participant(actor, request.sender)
    change_state(actor, request, "withdrawn", "withdraw", transitions=REQUEST_TRANSITIONS,
                 labels=REQUEST_STATUSES, noun="约见请求",
                 summary=f"{request.event.title}：{request.sender.organization.name} → "
                         f"{request.recipient.organization.name}")
    return request
