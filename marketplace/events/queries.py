"""Reads of the events pages: the public list, one event with what it features, an
organization's registrations, the organizers' lists and the choices of the forms.
Never writes. Each read loads what its page shows (templates run no queries)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.authz import region_prefix, region_scope
from marketplace.events.models import (
    SEAT_HOLDING, Event, EventSession, Registration)
from marketplace.extensions import db
from marketplace.listings.models import PUBLIC_STATUSES
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.releases.models import Release
from marketplace.taxonomy.models import Region
from marketplace.taxonomy.queries import region_code_filter

PAST_SHOWN = 30
CHOICES_SHOWN = 300
# A registration still in play: waiting for approval, confirmed, in line or offered a seat.
ACTIVE_REGISTRATION_STATUSES = ("pending", "confirmed", "waitlisted", "offered")


def _with_region(query):
    return query.options(joinedload(Event.region).joinedload(Region.parent)
                         .joinedload(Region.parent))


def public_events(kind: str | None, region_code: str | None, now: datetime,
                  upcoming: bool) -> list[Event]:
    """Events not yet ended (soonest first) or past ones (latest first, PAST_SHOWN),
    of ``kind`` and in ``region_code``'s subtree when given."""
    query = _with_region(sa.select(Event))
    if kind:
        query = query.where(Event.kind == kind)
    where_region = region_code_filter(Event.region_code, region_code)
    if where_region is not None:
        query = query.where(where_region)
    if upcoming:
        query = query.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)
    else:
        query = query.where(Event.ends_at < now).order_by(Event.starts_at.desc()).limit(PAST_SHOWN)
    return db.session.scalars(query).unique().all()


def upcoming_events(now: datetime, limit: int) -> list[Event]:
    """The next ``limit`` events not yet ended, soonest first (for the home page)."""
    return db.session.scalars(_with_region(sa.select(Event)).where(Event.ends_at >= now)
                              .order_by(Event.starts_at, Event.id).limit(limit)).unique().all()


def upcoming_registrations_query(organization_id: int, now: datetime):
    """The organization's registrations still in play for events not yet ended."""
    return (sa.select(Registration).join(Event, Event.id == Registration.event_id)
            .where(Registration.organization_id == organization_id, Event.ends_at >= now,
                   Registration.status.in_(ACTIVE_REGISTRATION_STATUSES)))


def upcoming_registrations(organization_id: int, now: datetime,
                           limit: int) -> list[Registration]:
    """As ``upcoming_registrations_query``, the soonest event first, with the event."""
    return db.session.scalars(
        upcoming_registrations_query(organization_id, now)
        .options(joinedload(Registration.event))
        .order_by(Event.starts_at, Registration.id).limit(limit)).unique().all()


def open_offers_query(organization_id: int, now: datetime):
    """The organization's registrations offered a freed seat, still to be confirmed."""
    return upcoming_registrations_query(organization_id, now).where(
        Registration.status == "offered", Registration.offered_until > now)


def seat_counts(event_ids) -> dict[int, dict[str, int]]:
    """{event id: {"taken": seats held, "waiting": registrations in line}}."""
    counts = {ident: {"taken": 0, "waiting": 0} for ident in event_ids}
    if not counts:
        return counts
    rows = db.session.execute(
        sa.select(Registration.event_id, Registration.status,
                  sa.func.sum(Registration.seats), sa.func.count(Registration.id))
        .where(Registration.event_id.in_(counts))
        .group_by(Registration.event_id, Registration.status))
    for event_id, status, seats, number in rows:
        if status in SEAT_HOLDING:
            counts[event_id]["taken"] += seats
        elif status == "waitlisted":
            counts[event_id]["waiting"] += number
    return counts


def event(event_id: int) -> Event | None:
    """One event with everything its page shows."""
    return db.session.scalars(_with_region(sa.select(Event).where(Event.id == event_id))
                              .options(selectinload(Event.fields),
                                       selectinload(Event.featured_releases),
                                       selectinload(Event.featured_opportunities),
                                       selectinload(Event.sessions))).unique().one_or_none()


def _registration_options(query):
    return query.options(joinedload(Registration.organization),
                         selectinload(Registration.attendees),
                         selectinload(Registration.opportunities),
                         selectinload(Registration.products))


def registration_of(event_id: int, organization_id: int | None) -> Registration | None:
    if organization_id is None:
        return None
    return db.session.scalars(_registration_options(sa.select(Registration).where(
        Registration.event_id == event_id,
        Registration.organization_id == organization_id))).unique().one_or_none()


def registration(registration_id: int) -> Registration | None:
    return db.session.scalars(_registration_options(sa.select(Registration).where(
        Registration.id == registration_id)).options(joinedload(Registration.event)
                                                     .joinedload(Event.region))
    ).unique().one_or_none()


def registrations_of_organization(organization_id: int) -> list[Registration]:
    """An organization's registrations, the latest events first."""
    return db.session.scalars(_registration_options(
        sa.select(Registration).join(Event).where(
            Registration.organization_id == organization_id)
        .options(joinedload(Registration.event)).order_by(Event.starts_at.desc()))
    ).unique().all()


def event_registrations(event_id: int) -> list[Registration]:
    """Every registration of an event in the order they came (the line's order)."""
    return db.session.scalars(_registration_options(sa.select(Registration).where(
        Registration.event_id == event_id).order_by(Registration.id))).unique().all()


def organizer_events(user) -> list[Event]:
    """The events ``user`` runs: all for a platform admin, a region administrator's
    subtree's otherwise; the latest first."""
    query = _with_region(sa.select(Event)).order_by(Event.starts_at.desc())
    scope = region_scope(user)
    if scope is not None:
        query = query.where(Event.region_code.startswith(region_prefix(scope)))
    return db.session.scalars(query).unique().all()


def own_published_listings(organization_id: int, side: str) -> list:
    """What an organization may bring: its published opportunities (需求方) or products."""
    model = Opportunity if side == "demand" else Product
    return db.session.scalars(sa.select(model).where(
        model.organization_id == organization_id, model.status == "published")
        .order_by(model.id.desc())).all()


def release_choices() -> list[tuple[int, str]]:
    return [(r.id, r.title) for r in db.session.scalars(
        sa.select(Release).where(Release.status == "published")
        .order_by(Release.published_on.desc(), Release.id.desc()).limit(CHOICES_SHOWN))]


def opportunity_choices(selected_ids=()) -> list[tuple[int, str]]:
    """Public opportunities (the newest CHOICES_SHOWN, and those already selected)."""
    newest = sa.select(Opportunity.id).where(Opportunity.status.in_(PUBLIC_STATUSES)) \
        .order_by(Opportunity.id.desc()).limit(CHOICES_SHOWN)
    wanted = [i for i in selected_ids if isinstance(i, int)]
    rows = db.session.scalars(sa.select(Opportunity).where(
        Opportunity.status.in_(PUBLIC_STATUSES),
        sa.or_(Opportunity.id.in_(newest.scalar_subquery()), Opportunity.id.in_(wanted)))
        .order_by(Opportunity.id.desc())).all()
    return [(o.id, f"{o.public_number or ''} {o.title}".strip()) for o in rows]


def sessions_of(event_id: int) -> list[EventSession]:
    return db.session.scalars(sa.select(EventSession).where(EventSession.event_id == event_id)
                              .order_by(EventSession.position)).all()
