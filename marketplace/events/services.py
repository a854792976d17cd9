"""Events: made by administrators; registration with a waiting list.

* An administrator (platform, or a region administrator within its subtree) creates and
  edits an event of a kind, with its times, registration window and seats, the fields
  and themes it is about, the releases and opportunities it features and, for a
  供需对接会, its meeting settings and sessions (``validation.clean_event``).
* A verified organization registers once, inside the window, with 1–10 named attendees
  and the listings it brings: departments as 需求方 (their published opportunities),
  enterprises and institutes as 供给方 (their published products). Each attendee takes a
  seat and gets a short check-in code. While seats are free the registration is
  confirmed (or pending, when the event needs approval; pending ones hold their seats);
  otherwise it joins the waiting list.
* Seats hold exactly under concurrent registrations: the event's row is locked first
  (``FOR UPDATE`` on PostgreSQL; SQLite serializes writers at BEGIN, see db.py), so the
  count of taken seats and the new row are one step.
* A freed seat is offered to the first in line for ``offer_hours``; the holder confirms
  within that time, or the offer lapses (the registration is cancelled) and the seat
  passes to the next (``expire_offers``, ``expire_all_offers`` from the sync pass and
  ``flask events expire-offers``).
* Organizers approve or decline (with a reason) pending registrations and move people
  off the waiting list by hand (``move``).

Every change goes through the registration transition table, is audited and is told to
the organization's users (``registration_changed``).
"""
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace import audit
from marketplace.authz import Permission, belongs_to, can, require
from marketplace.db import lock_row, utcnow
from marketplace.errors import Collector, IllegalTransition, PermissionDenied, ValidationError
from marketplace.events import validation
from marketplace.events.models import (
    REGISTRATION_STATUSES, REGISTRATION_TRANSITIONS, SEAT_HOLDING, Attendee, Event,
    EventSession, Meeting, Registration)
from marketplace.extensions import db
from marketplace.notifications.services import notify, organization_users, path_for
from marketplace.workflow import change_state

MAX_ATTENDEES = 10
SIDE_OF_KIND = {"department": "demand", "enterprise": "supply", "institute": "supply"}
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 6
REASON_MAX = 500
# What an organizer may move a registration to by hand, from where (within the table).
MOVES = {"offered": {"waitlisted"}, "confirmed": {"waitlisted", "offered"},
         "waitlisted": {"offered"}}
_RELATIONS = ("fields", "featured_releases", "featured_opportunities")


# --- events ---------------------------------------------------------------------------
def event_snapshot(event: Event) -> dict:
    """The audited view of an event: its columns, the ids it points at, its sessions."""
    return {**audit.snapshot(event, Event.audit_fields + (
                "summary", "themes", "slot_minutes", "tables", "meeting_limit")),
            **{name: [row.id for row in getattr(event, name)] for name in _RELATIONS},
            "sessions": [[s.starts_at.isoformat(), s.slots, s.breaks] for s in event.sessions]}


def _apply(event: Event, values: dict) -> None:
    values = dict(values)
    rows = values.pop("sessions", None)
    if rows is not None:
        rows = [{k: v for k, v in row.items() if k != "number"} for row in rows]
    for key, value in values.items():
        setattr(event, key, value)
    if rows is not None and _sessions_differ(event, rows):
        _replace_sessions(event, rows)


def _replace_sessions(event: Event, rows: list[dict]) -> None:
    """Rows changed in place by position (a new row at a position still taken would
    collide with the old one before the flush deletes it)."""
    kept = list(event.sessions)[:len(rows)]
    for position, row in enumerate(rows):
        if position < len(kept):
            for key, value in row.items():
                setattr(kept[position], key, value)
        else:
            kept.append(EventSession(position=position, **row))
    event.sessions = kept


def _sessions_differ(event: Event, rows: list[dict]) -> bool:
    current = [(s.starts_at, s.slots, s.breaks) for s in event.sessions]
    return current != [(r["starts_at"], r["slots"], r["breaks"]) for r in rows]


def create_event(actor, data: dict) -> Event:
    """Create an event from ``data`` (times in UTC; see ``validation.clean_event``).
    Raises PermissionDenied (also for a region outside the actor's), ValidationError with
    every field's problem."""
    require(actor, Permission.EVENT_MANAGE)
    values = validation.clean_event(data)
    event = Event(created_by_id=actor.id)
    _apply(event, values)
    require(actor, Permission.EVENT_MANAGE, event)  # its region within the actor's
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "event.create", event, after=event_snapshot(event),
                 summary=event.title)
    return event


def update_event(actor, event: Event, data: dict, now: datetime | None = None) -> Event:
    """Change an event (audited with before and after). Seats may not drop below those
    taken (ValidationError at ``capacity``); seats added are offered to the waiting
    list. The sessions of an event whose schedule has meetings stay as they are
    (ValidationError at ``sessions``). Raises PermissionDenied when the actor may not run
    the event, or not in the region chosen."""
    require(actor, Permission.EVENT_MANAGE, event)
    values = validation.clean_event(data)
    _locked(event)
    taken = seats_taken(event)
    if values["capacity"] < taken:
        raise ValidationError(f"已有 {taken} 个座位被占用，名额不能少于 {taken}。",
                              field="capacity")
    if ("sessions" in values and _sessions_differ(event, values["sessions"])
            and db.session.scalar(sa.select(Meeting.id).where(Meeting.event_id == event.id)
                                  .limit(1))):
        raise ValidationError("该对接会已排出洽谈日程，不能再修改场次。", field="sessions")
    before = event_snapshot(event)
    _apply(event, values)
    require(actor, Permission.EVENT_MANAGE, event)  # the region chosen, too
    db.session.flush()
    audit.record(actor, "event.update", event, before=before, after=event_snapshot(event),
                 summary=event.title)
    _offer_freed_seats(actor, event, now or utcnow())
    return event


# --- registration -----------------------------------------------------------------------
def _locked(event: Event) -> Event:
    """The event row locked for this transaction, so seats are counted and taken as one
    step by one registration at a time."""
    lock_row(db.session, event)
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


def new_codes(count: int) -> list[str]:
    """``count`` check-in codes that no attendee holds (drawn with ``secrets`` from an
    alphabet without look-alike characters; drawn again on a collision)."""
    codes: set[str] = set()
    while len(codes) < count:
        drawn = {"".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                 for _ in range(count - len(codes))}
        held = set(db.session.scalars(sa.select(Attendee.code).where(Attendee.code.in_(drawn))))
        codes |= drawn - held
    return sorted(codes)


def _require_open(event: Event, now: datetime) -> None:
    if now < event.registration_opens_at:
        raise IllegalTransition("报名尚未开始。")
    if now >= event.registration_closes_at:
        raise IllegalTransition("报名已截止。")


def register(actor, event: Event, data: dict, now: datetime | None = None) -> Registration:
    """Register the actor's organization with its attendees (``attendees``: [{name,
    title}]) and the listings it brings (``listing_ids``): confirmed (or pending) while
    seats are free, else waitlisted; every attendee gets a check-in code. Raises
    PermissionDenied (not a verified organization), IllegalTransition (outside the
    window; already registered), ValidationError (no or too many attendees; a listing
    that is not the organization's own published one)."""
    require(actor, Permission.EVENT_REGISTER)
    organization = actor.organization
    side = SIDE_OF_KIND[organization.kind]
    checks = Collector()
    people = checks.run("attendees", _attendees, data)
    listings = checks.run("listing_ids", validation.own_listings, organization, side, data)
    checks.result()
    now = now or utcnow()
    _locked(event)
    _require_open(event, now)
    if db.session.scalar(sa.select(Registration.id).where(
            Registration.event_id == event.id,
            Registration.organization_id == organization.id)):
        raise IllegalTransition("本单位已报名该活动。")
    free = event.capacity - seats_taken(event) >= len(people)
    status = ("pending" if event.requires_approval else "confirmed") if free else "waitlisted"
    registration = Registration(
        event_id=event.id, organization_id=organization.id, side=side, status=status,
        seats=len(people), registered_by_id=actor.id,
        attendees=[Attendee(code=code, **p) for p, code in zip(people, new_codes(len(people)))],
        **{"opportunities" if side == "demand" else "products": listings})
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:  # a racing request of the same organization came first
        raise IllegalTransition("本单位已报名该活动。") from None
    audit.record(actor, "registration.create", registration,
                 after={"status": status, "seats": len(people),
                        "attendees": [p["name"] for p in people],
                        "listings": [item.id for item in listings]},
                 summary=f"{event.title}：{organization.name}")
    _tell(registration, "create")
    return registration


def _tell(registration: Registration, action: str) -> None:
    """Notify the registration's organization of its new status (``action`` says why)."""
    notify("registration_changed", organization_users(registration.organization),
           link=path_for("events.detail", event_id=registration.event_id),
           registration=registration, event=registration.event, action=action)


def _move(actor, registration: Registration, target: str, action: str, **extra) -> None:
    change_state(actor, registration, target, action, transitions=REGISTRATION_TRANSITIONS,
                 labels=REGISTRATION_STATUSES, noun="该报名",
                 summary=f"{registration.event.title}：{registration.organization.name}",
                 **extra)
    _tell(registration, action)


def _offer_freed_seats(actor, event: Event, now: datetime, skip: int | None = None) -> None:
    """Offer free seats to the waiting list in order, each for ``offer_hours`` (``skip``:
    a registration just moved back into line by an organizer, not offered again)."""
    free = event.capacity - seats_taken(event)
    waiting = db.session.scalars(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.status == "waitlisted",
        Registration.id != (skip or 0)).order_by(Registration.id)).all()
    for registration in waiting:
        if registration.seats > free:
            break  # the line keeps its order: no one jumps ahead with fewer seats
        _move(actor, registration, "offered", "offer",
              offered_until=now + timedelta(hours=event.offer_hours))
        free -= registration.seats


def cancel(actor, registration: Registration, now: datetime | None = None) -> None:
    """The organization (or an organizer) cancels before the event begins; a freed seat
    goes to the waiting list. Raises PermissionDenied, IllegalTransition (cancelled or
    declined already; the event has begun)."""
    if not _may_act_for(actor, registration):
        raise PermissionDenied()
    event = _locked(registration.event)
    if (now or utcnow()) >= event.starts_at:
        raise IllegalTransition("活动已开始，不能再取消报名。")
    _move(actor, registration, "cancelled", "cancel", offered_until=None)
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


def expire_all_offers(now: datetime | None = None) -> int:
    """``expire_offers`` (by the system) for every event holding a lapsed offer. Returns
    how many offers lapsed. Flushes; the caller commits."""
    now = now or utcnow()
    event_ids = db.session.scalars(sa.select(Registration.event_id).where(
        Registration.status == "offered", Registration.offered_until <= now)
        .distinct().order_by(Registration.event_id)).all()
    return sum(expire_offers(None, db.session.get(Event, ident), now) for ident in event_ids)


def _may_act_for(actor, registration: Registration) -> bool:
    """Its organization, or an organizer of the event's region."""
    return belongs_to(actor, registration) or can(actor, Permission.EVENT_MANAGE,
                                                  registration.event)


# --- the organizer's decisions -------------------------------------------------------
def approve(actor, registration: Registration) -> None:
    """A pending registration (of an event that needs approval) becomes confirmed; its
    seats are already held. Raises PermissionDenied, IllegalTransition."""
    require(actor, Permission.EVENT_MANAGE, registration.event)
    _locked(registration.event)
    _move(actor, registration, "confirmed", "approve")


def decline(actor, registration: Registration, reason: str,
            now: datetime | None = None) -> None:
    """A pending (or waiting) registration is declined with a reason the organization
    is told; the seats it held go to the waiting list. Raises PermissionDenied,
    ValidationError (no reason, or too long: at ``reason``), IllegalTransition."""
    require(actor, Permission.EVENT_MANAGE, registration.event)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写未通过的原因，便于报名单位了解。", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(f"原因不能超过 {REASON_MAX} 个字。", field="reason")
    event = _locked(registration.event)
    _move(actor, registration, "declined", "decline", decline_reason=reason,
          offered_until=None)
    _offer_freed_seats(actor, event, now or utcnow())


def move(actor, registration: Registration, target: str, now: datetime | None = None) -> None:
    """An organizer moves a registration by hand: off the waiting list (``offered`` for
    ``offer_hours``, or ``confirmed`` at once), even ahead of those before it in line,
    when the seats it needs are free; or an offer taken back into the line
    (``waitlisted``; the freed seats are offered to the others in line). Raises
    PermissionDenied, ValidationError (a move the organizer may not make: at ``target``;
    too few free seats), IllegalTransition."""
    require(actor, Permission.EVENT_MANAGE, registration.event)
    if registration.status not in MOVES.get(target, ()):
        raise ValidationError("只能把候补中的报名调为递补或确认，或把递补中的报名调回候补。",
                              field="target")
    event = _locked(registration.event)
    now = now or utcnow()
    if target == "waitlisted":
        _move(actor, registration, "waitlisted", "move", offered_until=None)
        _offer_freed_seats(actor, event, now, skip=registration.id)
        return
    held = registration.seats if registration.status in SEAT_HOLDING else 0
    free = event.capacity - seats_taken(event) + held
    if registration.seats > free:
        raise ValidationError(f"剩余名额 {free} 个，该单位需要 {registration.seats} 个。"
                              "可先增加活动名额。", field="target")
    until = now + timedelta(hours=event.offer_hours) if target == "offered" else None
    _move(actor, registration, target, "move", offered_until=until)
