"""Reads for 1:1 meetings: participants and what they bring, the score of each
(demand, supply) pair from the stored recommendations, requests, meetings and the times
of slots. Never writes.

The score of a pair is the best stored ``Recommendation.score`` between an opportunity the
demand side brings and a product the supply side brings; a registration that brought
nothing stands for its organization's published listings of its side. The recommendation
is kept with the score: its opportunity, product and evidence say why the two should meet.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.events.models import (
    Event, EventSession, Meeting, MeetingRequest, Registration)
from marketplace.extensions import db
from marketplace.matching.models import Recommendation
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product

# Requests that still count: asked and not yet answered, or accepted.
ACTIVE_REQUESTS = ("pending", "accepted")


@dataclass(frozen=True)
class Slot:
    """One (session, slot) of an event: when it starts and ends (UTC), and whether it is
    a break."""
    session: int
    slot: int
    starts_at: datetime
    ends_at: datetime
    is_break: bool

    @property
    def key(self) -> str:
        """The form value of the slot: ``"<session>-<slot>"``."""
        return f"{self.session}-{self.slot}"


def event(event_id: int) -> Event | None:
    """An event with its sessions."""
    return db.session.scalar(sa.select(Event).where(Event.id == event_id)
                             .options(selectinload(Event.sessions), joinedload(Event.region)))


def registration(registration_id: int) -> Registration | None:
    """A registration with its organization and its event (and the event's sessions)."""
    return db.session.scalar(
        sa.select(Registration).where(Registration.id == registration_id)
        .options(joinedload(Registration.organization),
                 joinedload(Registration.event).selectinload(Event.sessions)))


def participants(event: Event) -> list[Registration]:
    """The confirmed registrations of ``event`` with their organizations and listings."""
    return db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id,
                                      Registration.status == "confirmed")
        .options(joinedload(Registration.organization),
                 selectinload(Registration.opportunities),
                 selectinload(Registration.products))
        .order_by(Registration.id)).all()


def brought(registrations: list[Registration]) -> dict[int, list]:
    """registration id → the published listings it brings (opportunities for demand,
    products for supply); its organization's published ones when it named none."""
    result, fallback = {}, {"demand": [], "supply": []}
    for reg in registrations:
        own = [item for item in reg.listings if item.is_published]
        result[reg.id] = own
        if not reg.listings:
            fallback[reg.side].append(reg)
    for side, model in (("demand", Opportunity), ("supply", Product)):
        regs = fallback[side]
        if not regs:
            continue
        by_org: dict[int, list] = {}
        for item in db.session.scalars(sa.select(model).where(
                model.organization_id.in_({r.organization_id for r in regs}),
                model.status == "published").order_by(model.id)):
            by_org.setdefault(item.organization_id, []).append(item)
        for reg in regs:
            result[reg.id] = by_org.get(reg.organization_id, [])
    return result


def pair_recommendations(registrations: list[Registration],
                         listings: dict[int, list] | None = None
                         ) -> dict[tuple[int, int], Recommendation]:
    """(demand registration id, supply registration id) → the best stored recommendation
    between what the two bring (ties: the lower recommendation id). One query."""
    listings = brought(registrations) if listings is None else listings
    demand_of: dict[int, list[int]] = {}
    supply_of: dict[int, list[int]] = {}
    for reg in registrations:
        target = demand_of if reg.side == "demand" else supply_of
        for item in listings.get(reg.id, ()):
            target.setdefault(item.id, []).append(reg.id)
    if not demand_of or not supply_of:
        return {}
    recs = db.session.scalars(
        sa.select(Recommendation).where(Recommendation.opportunity_id.in_(demand_of),
                                        Recommendation.product_id.in_(supply_of))
        .options(joinedload(Recommendation.opportunity), joinedload(Recommendation.product))
        .order_by(Recommendation.score.desc(), Recommendation.id)).all()
    best: dict[tuple[int, int], Recommendation] = {}
    for rec in recs:
        for d in demand_of[rec.opportunity_id]:
            for s in supply_of[rec.product_id]:
                best.setdefault((d, s), rec)
    return best


def requests_of_event(event: Event) -> list[MeetingRequest]:
    """Every meeting request of ``event``, with both sides' organizations."""
    return db.session.scalars(
        sa.select(MeetingRequest).where(MeetingRequest.event_id == event.id)
        .options(joinedload(MeetingRequest.sender).joinedload(Registration.organization),
                 joinedload(MeetingRequest.recipient).joinedload(Registration.organization))
        .order_by(MeetingRequest.id)).all()


def requests_of(registration: Registration) -> list[MeetingRequest]:
    """The requests ``registration`` sent or received."""
    return db.session.scalars(
        sa.select(MeetingRequest).where(sa.or_(MeetingRequest.sender_id == registration.id,
                                               MeetingRequest.recipient_id == registration.id))
        .options(joinedload(MeetingRequest.sender).joinedload(Registration.organization),
                 joinedload(MeetingRequest.recipient).joinedload(Registration.organization))
        .order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())).all()


def committed(registration_id: int) -> int:
    """Requests that hold a place of the registration's meeting limit: those it sent
    (pending or accepted) and those it accepted."""
    return db.session.scalar(sa.select(sa.func.count(MeetingRequest.id)).where(sa.or_(
        sa.and_(MeetingRequest.sender_id == registration_id,
                MeetingRequest.status.in_(ACTIVE_REQUESTS)),
        sa.and_(MeetingRequest.recipient_id == registration_id,
                MeetingRequest.status == "accepted"))))


def pair_of(request: MeetingRequest) -> tuple[int, int]:
    """(demand registration id, supply registration id) of a request."""
    sender, recipient = request.sender, request.recipient
    return ((sender.id, recipient.id) if sender.side == "demand"
            else (recipient.id, sender.id))


def must_have_pairs(requests: list[MeetingRequest], participant_ids: set[int]
                    ) -> list[tuple[int, int]]:
    """(demand, supply) pairs that must meet, as the scheduler counts them: an accepted
    request, or active requests both ways — between current participants."""
    senders: dict[tuple[int, int], set[int]] = {}
    accepted = set()
    for r in requests:
        if r.status not in ACTIVE_REQUESTS or not {r.sender_id, r.recipient_id} <= participant_ids:
            continue
        pair = pair_of(r)
        senders.setdefault(pair, set()).add(r.sender_id)
        if r.status == "accepted":
            accepted.add(pair)
    return sorted(p for p, who in senders.items() if p in accepted or len(who) == 2)


def _meeting_loads():
    return (joinedload(Meeting.demand).joinedload(Registration.organization),
            joinedload(Meeting.supply).joinedload(Registration.organization),
            joinedload(Meeting.opportunity), joinedload(Meeting.product))


def meetings_of_event(event: Event) -> list[Meeting]:
    """The event's meetings in time order, then by table, with both sides loaded."""
    return db.session.scalars(
        sa.select(Meeting).where(Meeting.event_id == event.id).options(*_meeting_loads())
        .order_by(Meeting.session, Meeting.slot, Meeting.table_number)).all()


def meetings_of(registration: Registration) -> list[Meeting]:
    """The meetings ``registration`` is in, in time order."""
    return db.session.scalars(
        sa.select(Meeting).where(sa.or_(Meeting.demand_id == registration.id,
                                        Meeting.supply_id == registration.id))
        .options(*_meeting_loads())
        .order_by(Meeting.session, Meeting.slot, Meeting.table_number)).all()


def meeting(meeting_id: int) -> Meeting | None:
    return db.session.scalar(sa.select(Meeting).where(Meeting.id == meeting_id)
                             .options(*_meeting_loads(), joinedload(Meeting.event)))


def meeting_request(request_id: int) -> MeetingRequest | None:
    return db.session.scalar(
        sa.select(MeetingRequest).where(MeetingRequest.id == request_id)
        .options(joinedload(MeetingRequest.event),
                 joinedload(MeetingRequest.sender).joinedload(Registration.organization),
                 joinedload(MeetingRequest.recipient).joinedload(Registration.organization)))


def sessions_by_position(event: Event) -> dict[int, EventSession]:
    return {session.position: session for session in event.sessions}


def slots(event: Event) -> list[Slot]:
    """Every (session, slot) of the event in time order, breaks included (flagged)."""
    minutes = timedelta(minutes=event.slot_minutes)
    result = []
    for session in sorted(event.sessions, key=lambda s: s.position):
        breaks = set(session.break_slots)
        for index in range(session.slots):
            start = session.starts_at + index * minutes
            result.append(Slot(session.position, index, start, start + minutes,
                               index in breaks))
    return result


def slot_times(event: Event) -> dict[tuple[int, int], Slot]:
    """(session, slot) → Slot."""
    return {(s.session, s.slot): s for s in slots(event)}
