"""Events: made by administrators; registration with a waiting list.

* An administrator (platform, or a region administrator within its subtree) creates an
  event of a kind, with its times, registration window and seats.
* A verified organization registers once, inside the window, with 1–10 named attendees:
  departments as 需求方, enterprises and institutes as 供给方. Each attendee takes a seat.
  While seats are free the registration is confirmed (or pending, when the event needs
  approval; pending ones hold their seats); otherwise it joins the waiting list.
* Seats hold exactly under concurrent registrations: the event's row is locked first
  (``FOR UPDATE`` on PostgreSQL; SQLite serializes writers at BEGIN, see db.py), so the
  count of taken seats and the new row are one step.
* A freed seat is offered to the first in line for ``offer_hours``; the holder confirms
  within that time, or the offer lapses (the registration is cancelled) and the seat
  passes to the next (``expire_offers``).

Every change is audited and goes through the registration transition table.
"""
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace import audit
from marketplace.authz import Permission, belongs_to, can, require
from marketplace.db import utcnow
from marketplace.errors import Collector, IllegalTransition, PermissionDenied, ValidationError
from marketplace.events.models import (
    EVENT_KINDS, REGISTRATION_STATUSES, REGISTRATION_TRANSITIONS, SEAT_HOLDING, Attendee,
    Event, Registration)
from marketplace.extensions import db
from marketplace.taxonomy.services import place_code
from marketplace.validators import choice, text
from marketplace.workflow import change_state

MAX_ATTENDEES = 10
SIDE_OF_KIND = {"department": "demand", "enterprise": "supply", "institute": "supply"}


# --- events ---------------------------------------------------------------------------
def _when(data: dict, name: str, label: str) -> datetime:
    raw = data.get(name)
    if isinstance(raw, datetime):
        return raw
    try:
        return datetime.fromisoformat(str(raw or "").strip())
    except ValueError:
        raise ValidationError(f"请填写{label}，格式如 2026-12-31 09:00。", field=name) from None


def _positive(data: dict, name: str, label: str, maximum: int) -> int:
    raw = str(data.get(name) or "").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ValidationError(f"{label}应为 1—{maximum} 的整数。", field=name)
    return int(raw)


def _check_times(values: dict) -> None:
    if values["ends_at"] <= values["starts_at"]:
        raise ValidationError("结束时间应晚于开始时间。", field="ends_at")
    if values["registration_closes_at"] <= values["registration_opens_at"]:
        raise ValidationError("报名截止时间应晚于报名开始时间。", field="registration_closes_at")
    if values["registration_closes_at"] > values["starts_at"]:
        raise ValidationError("报名应在活动开始前截止。", field="registration_closes_at")


def create_event(actor, data: dict) -> Event:
    """Create an event from ``data`` (times in UTC). Raises PermissionDenied (also for a
    region outside the actor's), ValidationError with every field's problem."""
    require(actor, Permission.EVENT_MANAGE)
    checks = Collector()
    checks.run("kind", choice, data, "kind", "活动类型", EVENT_KINDS)
    checks.run("title", text, data, "title", "活动名称", 120)
    checks.run("summary", text, data, "summary", "活动简介", 5000, False)
    checks.run("region_code", place_code, data.get("region_code"))
    checks.run("venue", text, data, "venue", "地点", 200, False)
    checks.run("online_url", text, data, "online_url", "线上链接", 300, False)
    for name, label in (("starts_at", "开始时间"), ("ends_at", "结束时间"),
                        ("registration_opens_at", "报名开始时间"),
                        ("registration_closes_at", "报名截止时间")):
        checks.run(name, _when, data, name, label)
    checks.run("capacity", _positive, data, "capacity", "名额", 10000)
    checks.run("offer_hours", _positive, data, "offer_hours", "候补确认时限（小时）", 168)
    values = checks.result()
    _check_times(values)
    event = Event(created_by_id=actor.id, requires_approval=bool(data.get("requires_approval")),
                  **values)
    require(actor, Permission.EVENT_MANAGE, event)  # its region within the actor's
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "event.create", event,
                 after=audit.snapshot(event, Event.audit_fields), summary=event.title)
    return event


# --- registration -----------------------------------------------------------------------
def _locked(event: Event) -> Event:
    """The event row locked for this transaction, so seats are counted and taken as one
    step by one registration at a time."""
    db.session.refresh(event, with_for_update=True)
    return event


def seats_taken(event: Event) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Registration.seats), 0))
                             .where(Registration.event_id == event.id,
                                    Registration.status.in_(SEAT_HOLDING)))


def _attendees(data: dict) -> list[dict]:
    people = [p for p in data.get("attendees") or [] if (p.get("name") or "").strip()]
    if not people:
        raise ValidationError("请至少填写一名参会人员。", field="attendees")
    if len(people) > MAX_ATTENDEES:
        raise ValidationError(f"每个单位最多 {MAX_ATTENDEES} 名参会人员。", field="attendees")
    for person in people:
        if len(person["name"].strip()) > 50 or len((person.get("title") or "").strip()) > 50:
            raise ValidationError("参会人员姓名和职务各不超过 50 个字。", field="attendees")
    return [{"name": p["name"].strip(), "title": (p.get("title") or "").strip()}
            for p in people]


def _require_open(event: Event, now: datetime) -> None:
    if now < event.registration_opens_at:
        raise IllegalTransition("报名尚未开始。")
    if now >= event.registration_closes_at:
        raise IllegalTransition("报名已截止。")


def register(actor, event: Event, data: dict, now: datetime | None = None) -> Registration:
    """Register the actor's organization with its attendees: confirmed (or pending) while
    seats are free, else waitlisted. Raises PermissionDenied (not a verified organization),
    IllegalTransition (outside the window; already registered), ValidationError (no or
    too many attendees)."""
    require(actor, Permission.EVENT_REGISTER)
    organization = actor.organization
    people = _attendees(data)
    now = now or utcnow()
    _locked(event)
    _require_open(event, now)
    if db.session.scalar(sa.select(Registration.id).where(
            Registration.event_id == event.id,
            Registration.organization_id == organization.id)):
        raise IllegalTransition("本单位已报名该活动。")
    free = event.capacity - seats_taken(event) >= len(people)
    status = ("pending" if event.requires_approval else "confirmed") if free else "waitlisted"
    registration = Registration(event_id=event.id, organization_id=organization.id,
                                side=SIDE_OF_KIND[organization.kind], status=status,
                                seats=len(people), registered_by_id=actor.id,
                                attendees=[Attendee(**p) for p in people])
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:  # a racing request of the same organization came first
        raise IllegalTransition("本单位已报名该活动。") from None
    audit.record(actor, "registration.create", registration,
                 after={"status": status, "seats": len(people),
                        "attendees": [p["name"] for p in people]},
                 summary=f"{event.title}：{organization.name}")
    return registration


def _move(actor, registration: Registration, target: str, action: str, **extra) -> None:
    change_state(actor, registration, target, action, transitions=REGISTRATION_TRANSITIONS,
                 labels=REGISTRATION_STATUSES, noun="该报名",
                 summary=f"{registration.event.title}：{registration.organization.name}",
                 **extra)


def _offer_freed_seats(actor, event: Event, now: datetime) -> None:
    """Offer free seats to the waiting list in order, each for ``offer_hours``."""
    free = event.capacity - seats_taken(event)
    waiting = db.session.scalars(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.status == "waitlisted")
        .order_by(Registration.id)).all()
    for registration in waiting:
        if registration.seats > free:
            break  # the line keeps its order: no one jumps ahead with fewer seats
        _move(actor, registration, "offered", "offer",
              offered_until=now + timedelta(hours=event.offer_hours))
        free -= registration.seats


def cancel(actor, registration: Registration, now: datetime | None = None) -> None:
    """The organization (or an organizer) cancels; a freed seat goes to the waiting list."""
    if not _may_act_for(actor, registration):
        raise PermissionDenied()
    event = _locked(registration.event)
    _move(actor, registration, "cancelled", "cancel")
    _offer_freed_seats(actor, event, now or utcnow())


def confirm_offer(actor, registration: Registration, now: datetime | None = None) -> None:
    """Take an offered seat before the offer runs out."""
    if not _may_act_for(actor, registration):
        raise PermissionDenied()
    _locked(registration.event)
    now = now or utcnow()
    if registration.status == "offered" and registration.offered_until <= now:
        raise IllegalTransition("递补名额的确认时限已过。")
    _move(actor, registration, "confirmed", "confirm", offered_until=None)


def expire_offers(actor, event: Event, now: datetime | None = None) -> int:
    """Offers past their time lapse (the registration is cancelled: it lost its turn) and
    their seats pass to the next in line. Returns how many offers lapsed."""
    now = now or utcnow()
    _locked(event)
    lapsed = db.session.scalars(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.status == "offered",
        Registration.offered_until <= now).order_by(Registration.id)).all()
    for registration in lapsed:
        _move(actor, registration, "cancelled", "offer_lapse", offered_until=None)
    if lapsed:
        _offer_freed_seats(actor, event, now)
    return len(lapsed)


def _may_act_for(actor, registration: Registration) -> bool:
    """Its organization, or an organizer of the event's region."""
    return belongs_to(actor, registration) or can(actor, Permission.EVENT_MANAGE,
                                                  registration.event)
