"""What the checkin part of the events feature shows: its sections of the event page and
of the organizers' page (rendered by templates/events/_detail_checkin.html and
_manage_checkin.html, which read the ``checkin`` key of the part's context), and the
check-in, ticket and roadshow pages. Everything a template touches is loaded here."""
from dataclasses import dataclass
from datetime import datetime, timezone

import segno
import sqlalchemy as sa
from flask import url_for
from flask_babel import format_datetime
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Organization
from marketplace.authz import belongs_to, is_organizer
from marketplace.db import utcnow
from marketplace.events.checkin import (
    GRACE, INVALID_QR, CheckinRefused, beijing_clock, make_token, presenters, read_token, who)
from marketplace.events.models import Attendee, Registration
from marketplace.extensions import db

RECENT = 10


@dataclass
class Counts:
    registered: int  # attendees of confirmed registrations
    checked_in: int
    ended: bool  # after the event, those not checked in are no-shows

    @property
    def waiting(self) -> int:
        return self.registered - self.checked_in

    @property
    def waiting_label(self) -> str:
        return "缺席" if self.ended else "未签到"

    def as_json(self) -> dict:
        return {"registered": self.registered, "checked_in": self.checked_in,
                "waiting": self.waiting, "waiting_label": self.waiting_label,
                "ended": self.ended}


def counts(event, now: datetime | None = None) -> Counts:
    """Registered attendees (of confirmed registrations) and how many checked in, in
    one query."""
    registered, checked_in = db.session.execute(
        sa.select(sa.func.count(Attendee.id), sa.func.count(Attendee.checked_in_at))
        .join(Registration, Attendee.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status == "confirmed")).one()
    return Counts(registered, checked_in, (now or utcnow()) >= event.ends_at)


def recent_checkins(event, now: datetime | None = None, limit: int = RECENT) -> list[dict]:
    """The latest check-ins of the event, newest first (for staff to see and undo)."""
    rows = db.session.execute(
        sa.select(Attendee.id, Attendee.name, Attendee.code, Attendee.checked_in_at,
                  Registration.organization_id)
        .join(Registration, Attendee.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Attendee.checked_in_at.is_not(None))
        .order_by(Attendee.checked_in_at.desc(), Attendee.id.desc()).limit(limit)).all()
    names = _organization_names({row.organization_id for row in rows})
    return [{"id": row.id, "name": row.name, "code": row.code or "",
             "organization": names.get(row.organization_id, ""),
             "time": beijing_clock(row.checked_in_at, now)} for row in rows]


def _organization_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Organization.id, Organization.name)
                                   .where(Organization.id.in_(ids))).all())


def live_json(event) -> dict:
    """The JSON the check-in page polls: counts and recent check-ins."""
    now = utcnow()
    return {**counts(event, now).as_json(), "recent": recent_checkins(event, now)}


def scanned(event, token: str) -> dict:
    """A QR code opened with a phone camera (the check-in page with ``?t=``): whom it
    names, or why it is refused, before staff confirm. Reads only."""
    try:
        attendee = db.session.get(Attendee, read_token(event, token))
    except CheckinRefused as refused:
        return {"token": token, "error": refused.message}
    if attendee is None or attendee.registration.event_id != event.id:
        return {"token": token, "error": INVALID_QR}
    return {"token": token, "who": who(attendee),
            "checked_in_at": beijing_clock(attendee.checked_in_at)
            if attendee.checked_in_at else None}


def checkin_context(event, token: str = "") -> dict:
    """The staff check-in page."""
    now = utcnow()
    return {"event": event, "when": event_when(event), "counts": counts(event, now),
            "recent": recent_checkins(event, now),
            "scan": scanned(event, token) if token else None}


def _local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc)  # Babel shows it in Asia/Shanghai


def event_when(event) -> str:
    """"2026年12月15日 09:00—13:00" (the end's date too when it ends on another day)."""
    start = format_datetime(_local(event.starts_at), "yyyy年M月d日 HH:mm")
    same_day = (format_datetime(_local(event.starts_at), "yyyyMMdd")
                == format_datetime(_local(event.ends_at), "yyyyMMdd"))
    end = format_datetime(_local(event.ends_at), "HH:mm" if same_day else "yyyy年M月d日 HH:mm")
    return f"{start}—{end}"


# --- tickets --------------------------------------------------------------------------
def ticket_url(attendee) -> str:
    """What the QR code holds: the staff check-in page with the signed token."""
    return url_for("events.checkin_page", event_id=attendee.registration.event_id,
                   t=make_token(attendee), _external=True)


def qr_svg(payload: str) -> str:
    """The QR code of ``payload`` as inline SVG (sized by CSS, no style attributes)."""
    return segno.make(payload, error="m").svg_inline(
        scale=1, border=4, omitsize=True, svgclass="ticket__qr-svg", lineclass=None,
        title="签到二维码")


def load_attendee(attendee_id: int):
    """The attendee with its registration, organization and event, or None."""
    return db.session.scalar(
        sa.select(Attendee).where(Attendee.id == attendee_id)
        .options(selectinload(Attendee.registration).selectinload(Registration.organization),
                 selectinload(Attendee.registration).selectinload(Registration.event)))


def ticket_context(attendee) -> dict:
    registration = attendee.registration
    context = {"attendee": attendee, "registration": registration,
               "event": registration.event, "organization": registration.organization,
               "when": event_when(registration.event), "qr": None}
    if registration.is_confirmed and utcnow() <= registration.event.ends_at + GRACE:
        context["qr"] = qr_svg(ticket_url(attendee))
    return context


# --- roadshow -------------------------------------------------------------------------
def roadshow_rows(event) -> list[dict]:
    """The running order: place, enterprise, the public products it brings."""
    ordered = presenters(event, selectinload(Registration.organization),
                         selectinload(Registration.products))
    return [{"place": place, "registration": r, "organization": r.organization.name,
             "placed": r.presentation_order is not None,
             "products": [p for p in r.products if p.is_public]}
            for place, r in enumerate(ordered, start=1)]


# --- the parts ------------------------------------------------------------------------
def detail_part(user, event) -> dict:
    """Context for the event page's checkin section, for user (maybe anonymous): the
    roadshow's running order once the organizer set it, and the tickets of the viewer's
    own confirmed registration."""
    part = {"event": event, "roadshow": [], "tickets": [], "registration": None}
    if event.is_roadshow:
        rows = roadshow_rows(event)
        if any(row["placed"] for row in rows):
            part["roadshow"] = rows
    organization_id = getattr(user, "organization_id", None)
    if organization_id is not None:
        registration = db.session.scalar(
            sa.select(Registration).where(Registration.event_id == event.id,
                                          Registration.organization_id == organization_id)
            .options(selectinload(Registration.attendees)))
        if registration is not None and belongs_to(user, registration):
            part["registration"] = registration
            if registration.is_confirmed:
                part["tickets"] = list(registration.attendees)
    return {"checkin": part}


def manage_part(user, event) -> dict:
    """Context for the organizers' page's checkin section: live counts and the links to
    check-in, roadshow order and the exports."""
    if not is_organizer(user, event):
        return {"checkin": None}
    return {"checkin": {"event": event, "counts": counts(event)}}
