"""What the outcome part of the events feature adds to the event page and to the
organizers' page (rendered by templates/events/_detail_outcome.html and
_manage_outcome.html), and the context of its own pages (rating, signing, minutes).

Every key of a part's context starts with ``outcome_``, so the parts of the feature can
be merged into one page's context side by side. Everything is gathered here: templates
run no queries.
"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy.orm import joinedload, selectinload

from marketplace.authz import can_view_match, can_view_ratings
from marketplace.db import utcnow
from marketplace.events import reports
from marketplace.events.models import (
    PAIRING_ACTIONS, RATINGS, SIDES, Event, EventPairing, Meeting, MeetingRating, Registration)
from marketplace.events.outcomes import meeting_starts_at
from marketplace.extensions import db
from marketplace.forms import choices


@dataclass
class MyMeeting:
    """A meeting as one side sees it: the other side, what was discussed, its own rating
    (never the other side's)."""
    meeting: Meeting
    starts_at: datetime | None
    started: bool
    other: str
    listing: str
    mine: MeetingRating | None


def _registration_of(user, event: Event, confirmed: bool = True) -> Registration | None:
    """The user's organization's registration for the event (a confirmed one, or any)."""
    organization_id = getattr(user, "organization_id", None)
    if organization_id is None:
        return None
    query = sa.select(Registration).where(Registration.event_id == event.id,
                                          Registration.organization_id == organization_id)
    if confirmed:
        query = query.where(Registration.status == "confirmed")
    return db.session.scalar(query)


def my_meeting(meeting: Meeting, registration: Registration, now: datetime) -> MyMeeting:
    own_side = "demand" if meeting.demand_id == registration.id else "supply"
    other = meeting.supply if own_side == "demand" else meeting.demand
    listing = meeting.opportunity or meeting.product
    starts = meeting_starts_at(meeting)
    mine = next((r for r in meeting.ratings if r.registration_id == registration.id), None)
    return MyMeeting(meeting, starts, starts is not None and starts <= now,
                     other.organization.name, listing.title if listing else "", mine)


def detail_part(user, event) -> dict:
    """Context for the event page's outcome section, for user (maybe anonymous): the
    minutes once recorded (everyone); for a participant, its meetings whose time has come
    with its own rating and a link to rate, and how many are still to come."""
    context = {"outcome_minutes": event.minutes, "outcome_meetings": [],
               "outcome_upcoming": 0}
    registration = _registration_of(user, event)
    if registration is None:
        return context
    now = utcnow()
    mine = [my_meeting(m, registration, now)
            for m in reports.meetings_of(event, registration.id)]
    context["outcome_meetings"] = [m for m in mine if m.started]
    context["outcome_upcoming"] = sum(not m.started for m in mine)
    return context


def manage_part(user, event) -> dict:
    """Context for the organizers' page's outcome section: ratings by kind, the event's
    pairings by action, whether minutes are recorded, and which outcome pages apply."""
    if not can_view_ratings(user, event):
        return {"outcome_organizer": False}
    counts = reports.rating_counts(event)
    actions = dict(db.session.execute(
        sa.select(EventPairing.action, sa.func.count(EventPairing.id))
        .where(EventPairing.event_id == event.id).group_by(EventPairing.action)).all())
    return {"outcome_organizer": True,
            "outcome_ratings": [(RATINGS[k], n) for k, n in counts.items()],
            "outcome_rated": sum(counts.values()),
            "outcome_pairings": [(label, actions.get(k, 0))
                                 for k, label in PAIRING_ACTIONS.items()],
            "outcome_has_minutes": bool(event.minutes),
            "outcome_signing": event.is_signing,
            "outcome_started": has_begun(event)}


def has_begun(event: Event) -> bool:
    return event.starts_at <= utcnow()


# --- the outcome pages --------------------------------------------------------------------
def event_links(event: Event) -> dict[str, str | None]:
    """The event page and the organizers' page (``events.detail`` / ``events.manage``, the
    core part's routes) for the outcome pages' breadcrumbs; None while a route is absent."""
    return {name: url_for(f"events.{name}", event_id=event.id)
            if f"events.{name}" in current_app.view_functions else None
            for name in ("detail", "manage")}


def meeting_for(event_id: int, meeting_id: int) -> Meeting | None:
    """A meeting of the event with what its rating page shows loaded."""
    return db.session.scalar(
        sa.select(Meeting).where(Meeting.id == meeting_id, Meeting.event_id == event_id)
        .options(joinedload(Meeting.event).selectinload(Event.sessions),
                 joinedload(Meeting.demand).joinedload(Registration.organization),
                 joinedload(Meeting.supply).joinedload(Registration.organization),
                 joinedload(Meeting.opportunity), joinedload(Meeting.product),
                 selectinload(Meeting.ratings)))


def is_participant(user, event: Event) -> bool:
    """The user's organization registered for the event (in any state)."""
    return _registration_of(user, event, confirmed=False) is not None


def rate_context(meeting: Meeting, registration: Registration, form) -> dict:
    return {"event": meeting.event, "item": my_meeting(meeting, registration, utcnow()),
            "form": form, "links": event_links(meeting.event)}


def signing_choices(event: Event, form) -> None:
    """Offer the opportunities and products the event's confirmed participants brought,
    and its suppliers; anything else is named by number or full name."""
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id,
                                      Registration.status == "confirmed")
        .options(joinedload(Registration.organization),
                 selectinload(Registration.opportunities),
                 selectinload(Registration.products))
        .order_by(Registration.id)).unique().all()
    opportunities = {o.id: o for r in registrations for o in r.opportunities if o.is_public}
    for o in event.featured_opportunities:
        if o.is_public:
            opportunities.setdefault(o.id, o)
    suppliers = [r.organization for r in registrations if r.side == "supply"]
    products = [(p, r.organization) for r in registrations for p in r.products]
    form.opportunity_id.choices = choices(
        ((o.id, f"{o.public_number or ''} {o.title}".strip()) for o in opportunities.values()),
        blank="（从本次活动的机会中选择）")
    form.supplier_id.choices = choices(((s.id, s.name) for s in suppliers),
                                       blank="（从本次活动的供给方中选择）")
    form.product_id.choices = choices(((p.id, f"{p.title}（{org.name}）") for p, org in products),
                                      blank="（不指定）")


def signings_context(user, event: Event, form) -> dict:
    links = [link for link in reports.event_pairings(event) if link.action == "signed"]
    return {"event": event, "form": form, "signings": links,
            "linkable": {link.match_id for link in links if can_view_match(user, link.match)},
            "started": has_begun(event), "links": event_links(event)}


def report_context(user, event: Event) -> dict:
    report = reports.build(event)
    return {"event": report.event, "report": report, "ratings": RATINGS,
            "actions": PAIRING_ACTIONS, "sides": SIDES, "links": event_links(event),
            "linkable": {link.match_id for link in report.pairings
                         if can_view_match(user, link.match)}
            | {row.match.id for row in report.cooperation_rows
               if row.match is not None and can_view_match(user, row.match)}}


def minutes_context(event: Event, form) -> dict:
    return {"event": event, "form": form, "started": has_begun(event),
            "links": event_links(event)}
