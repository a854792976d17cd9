"""Events, registrations, 1:1 meetings and their outcomes.

A verified organization registers once per event, as 需求方 (a department) or 供给方 (an
enterprise or institute), with named attendees and the listings it brings; each attendee
takes a seat and gets a short check-in code. When the seats are taken a registration waits
in line; a freed seat is offered to the first in line for ``Event.offer_hours``, then
passes on.

At a 供需对接会 the registrations are the participants of 1:1 meetings: they ask each other
for meetings (MeetingRequest); the organizer's schedule (Meeting rows in the event's
sessions, slots and tables) is built from the accepted requests and the stored
recommendations, and published as preliminary, then final. After a meeting each side rates
it (MeetingRating); what a meeting or a 项目签约 produced in the funnel is linked by
EventPairing, so the event report counts it.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import state_is, utcnow
from marketplace.extensions import db

EVENT_KINDS = {"salon": "场景沙龙", "matchmaking": "供需对接会", "roadshow": "产品路演",
               "launch": "清单发布会", "signing": "项目签约"}
SIDES = {"demand": "需求方", "supply": "供给方"}
SLOT_MINUTES = (15, 20, 30)
SCHEDULE_STATUSES = {"draft": "未发布", "preliminary": "初步日程", "final": "最终日程"}
MEETING_KINDS = {"request": "双方约定", "suggested": "平台推荐", "manual": "组织方安排"}
REQUEST_STATUSES = {"pending": "待回复", "accepted": "已接受", "declined": "已谢绝",
                    "withdrawn": "已撤回"}
# b2match's meeting ratings; only organizers see them.
RATINGS = {"not_held": "未进行", "no_interest": "兴趣不足",
           "informative": "有价值但暂无合作", "cooperation": "有合作可能"}
PAIRING_ACTIONS = {"created": "新建对接", "advanced": "推进对接", "signed": "签约"}
REGISTRATION_STATUSES = {
    "pending": "待审核", "confirmed": "已确认", "waitlisted": "候补中", "offered": "候补递补中",
    "declined": "未通过", "cancelled": "已取消",
}
# A seat is held by pending (awaiting approval), confirmed and offered registrations.
SEAT_HOLDING = ("pending", "confirmed", "offered")
# An organizer may decline a registration still waiting (or offered a seat) as well as a
# pending one: at an event that needs approval, a registration from the waiting list
# would otherwise reach "confirmed" without anyone approving it. A confirmed registration
# does not go back to the waiting list: its seat was promised; the organizer cancels it.
REGISTRATION_TRANSITIONS = {
    "pending": {"confirmed", "declined", "cancelled"},
    "confirmed": {"cancelled"},
    "waitlisted": {"offered", "confirmed", "declined", "cancelled"},
    "offered": {"confirmed", "waitlisted", "declined", "cancelled"},
    "declined": set(),
    "cancelled": set(),
}


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(120))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    venue: Mapped[str] = mapped_column(sa.String(200), default="")
    online_url: Mapped[str] = mapped_column(sa.String(300), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    registration_opens_at: Mapped[datetime]
    registration_closes_at: Mapped[datetime]
    capacity: Mapped[int]
    requires_approval: Mapped[bool] = mapped_column(default=False)
    offer_hours: Mapped[int] = mapped_column(default=24)
    themes: Mapped[str] = mapped_column(sa.String(200), default="")  # 、-separated tags
    minutes: Mapped[str] = mapped_column(sa.Text, default="")  # 会议纪要, after the event
    # 1:1 meetings (供需对接会): slot length, tables, meetings per participant.
    slot_minutes: Mapped[int] = mapped_column(default=20)
    tables: Mapped[int] = mapped_column(default=0)
    meeting_limit: Mapped[int] = mapped_column(default=6)
    schedule_status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    schedule_published_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region = relationship("Region")
    registrations = relationship("Registration", back_populates="event",
                                 order_by="Registration.id")
    fields = relationship("Field", secondary="event_fields", order_by="Field.position")
    featured_releases = relationship("Release", secondary="event_releases")
    featured_opportunities = relationship("Opportunity", secondary="event_opportunities")
    sessions = relationship("EventSession", back_populates="event",
                            order_by="EventSession.position", cascade="all, delete-orphan")

    audit_type = "event"
    audit_fields = ("kind", "title", "region_code", "venue", "online_url", "starts_at",
                    "ends_at", "registration_opens_at", "registration_closes_at", "capacity",
                    "requires_approval", "offer_hours")

    @property
    def kind_label(self) -> str:
        return EVENT_KINDS[self.kind]

    @property
    def schedule_status_label(self) -> str:
        return SCHEDULE_STATUSES[self.schedule_status]

    @property
    def theme_list(self) -> list[str]:
        return [t for t in self.themes.split("、") if t]

    is_matchmaking = state_is("matchmaking", field="kind")
    is_roadshow = state_is("roadshow", field="kind")
    is_signing = state_is("signing", field="kind")
    schedule_is_published = property(lambda self: self.schedule_status != "draft")

    def __str__(self):
        return self.title


event_fields = sa.Table(
    "event_fields", db.metadata,
    sa.Column("event_id", sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("field_id", sa.ForeignKey("fields.id"), primary_key=True))
event_releases = sa.Table(
    "event_releases", db.metadata,
    sa.Column("event_id", sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("release_id", sa.ForeignKey("releases.id"), primary_key=True))
event_opportunities = sa.Table(
    "event_opportunities", db.metadata,
    sa.Column("event_id", sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("opportunity_id", sa.ForeignKey("opportunities.id"), primary_key=True))
# What a registration brings: a department its opportunities, a supplier its products.
registration_opportunities = sa.Table(
    "registration_opportunities", db.metadata,
    sa.Column("registration_id", sa.ForeignKey("event_registrations.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("opportunity_id", sa.ForeignKey("opportunities.id"), primary_key=True))
registration_products = sa.Table(
    "registration_products", db.metadata,
    sa.Column("registration_id", sa.ForeignKey("event_registrations.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("product_id", sa.ForeignKey("products.id"), primary_key=True))


class EventSession(db.Model):
    """A block of meeting slots of a 供需对接会 (e.g. the morning): ``slots`` slots of
    ``Event.slot_minutes`` from ``starts_at``; the slots listed in ``breaks`` hold no
    meetings."""

    __tablename__ = "event_sessions"
    __table_args__ = (sa.UniqueConstraint("event_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int]  # 0, 1, …: the scheduler's session index
    starts_at: Mapped[datetime]
    slots: Mapped[int]
    breaks: Mapped[str] = mapped_column(sa.String(200), default="")  # "4,9": slot indexes

    event = relationship("Event", back_populates="sessions")

    @property
    def break_slots(self) -> tuple[int, ...]:
        return tuple(sorted(int(b) for b in self.breaks.split(",") if b.strip()))


class Registration(db.Model):
    """One organization's registration for an event, with its attendees."""

    __tablename__ = "event_registrations"
    __table_args__ = (sa.UniqueConstraint("event_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    side: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    seats: Mapped[int]
    offered_until: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    presentation_order: Mapped[int | None]  # 产品路演: the running order, from 1
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event = relationship("Event", back_populates="registrations")
    organization = relationship("Organization")
    attendees = relationship("Attendee", back_populates="registration",
                             order_by="Attendee.id", cascade="all, delete-orphan")
    opportunities = relationship("Opportunity", secondary="registration_opportunities",
                                 order_by="Opportunity.id")
    products = relationship("Product", secondary="registration_products",
                            order_by="Product.id")

    audit_type = "registration"

    is_confirmed = state_is("confirmed")
    is_waitlisted = state_is("waitlisted")
    is_offered = state_is("offered")
    is_pending = state_is("pending")

    @property
    def side_label(self) -> str:
        return SIDES[self.side]

    @property
    def listings(self) -> list:
        """What it brings to the event: opportunities or products, by its side."""
        return self.opportunities if self.side == "demand" else self.products

    @property
    def status_label(self) -> str:
        return REGISTRATION_STATUSES[self.status]


class Attendee(db.Model):
    """A named person of a registration (a seat)."""

    __tablename__ = "event_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event_registrations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    title: Mapped[str] = mapped_column(sa.String(50), default="")
    # The short check-in code, typed at the door when a QR code cannot be scanned.
    code: Mapped[str | None] = mapped_column(sa.String(8), unique=True)
    checked_in_at: Mapped[datetime | None]
    checked_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    registration = relationship("Registration", back_populates="attendees")

    audit_type = "attendee"

    @property
    def is_checked_in(self) -> bool:
        return self.checked_in_at is not None


class MeetingRequest(db.Model):
    """One participant asks another (of the other side) for a 1:1 meeting."""

    __tablename__ = "meeting_requests"
    __table_args__ = (sa.UniqueConstraint("sender_id", "recipient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    sender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event_registrations.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event_registrations.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]

    event = relationship("Event")
    sender = relationship("Registration", foreign_keys=[sender_id])
    recipient = relationship("Registration", foreign_keys=[recipient_id])

    audit_type = "meeting_request"

    @property
    def status_label(self) -> str:
        return REQUEST_STATUSES[self.status]


class Meeting(db.Model):
    """A scheduled 1:1 meeting: a demand and a supply registration at a table in a slot,
    with why it was made (a request, or the recommendation behind a suggestion)."""

    __tablename__ = "meetings"
    __table_args__ = (sa.UniqueConstraint("event_id", "demand_id", "supply_id"),
                      sa.UniqueConstraint("event_id", "session", "slot", "table_number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    demand_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event_registrations.id", ondelete="CASCADE"), index=True)
    supply_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event_registrations.id", ondelete="CASCADE"), index=True)
    session: Mapped[int]  # EventSession.position
    slot: Mapped[int]
    table_number: Mapped[int]  # 0-based; shown from 1
    kind: Mapped[str] = mapped_column(sa.String(20))
    score: Mapped[float | None]
    opportunity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("opportunities.id", ondelete="SET NULL"))
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    evidence: Mapped[dict | None] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event = relationship("Event")
    demand = relationship("Registration", foreign_keys=[demand_id])
    supply = relationship("Registration", foreign_keys=[supply_id])
    opportunity = relationship("Opportunity")
    product = relationship("Product")
    ratings = relationship("MeetingRating", back_populates="meeting",
                           cascade="all, delete-orphan", order_by="MeetingRating.id")

    audit_type = "meeting"
    audit_fields = ("demand_id", "supply_id", "session", "slot", "table_number", "kind")

    @property
    def kind_label(self) -> str:
        return MEETING_KINDS[self.kind]

    @property
    def owner_organization_ids(self) -> set[int]:
        """Both sides are in it (authz.belongs_to)."""
        return {self.demand.organization_id, self.supply.organization_id}


class MeetingRating(db.Model):
    """One side's rating of a meeting it was in, seen only by organizers."""

    __tablename__ = "meeting_ratings"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event_registrations.id", ondelete="CASCADE"))
    rating: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    rated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting = relationship("Meeting", back_populates="ratings")
    registration = relationship("Registration")

    audit_type = "meeting_rating"

    @property
    def rating_label(self) -> str:
        return RATINGS[self.rating]


class EventPairing(db.Model):
    """A pairing of the funnel that an event created, advanced or saw signed."""

    __tablename__ = "event_pairings"
    __table_args__ = (sa.UniqueConstraint("event_id", "match_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    match_id: Mapped[int] = mapped_column(sa.ForeignKey("matches.id", ondelete="CASCADE"),
                                          index=True)
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event = relationship("Event")
    match = relationship("Match")
    meeting = relationship("Meeting")

    @property
    def action_label(self) -> str:
        return PAIRING_ACTIONS[self.action]
