"""Events and registrations.

A verified organization registers once per event, as 需求方 (a department) or 供给方 (an
enterprise or institute), with named attendees; each attendee takes a seat. When the
seats are taken a registration waits in line; a freed seat is offered to the first in
line for ``Event.offer_hours``, then passes on.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import state_is, utcnow
from marketplace.extensions import db

EVENT_KINDS = {"salon": "场景沙龙", "matchmaking": "供需对接会", "roadshow": "产品路演",
               "launch": "清单发布会", "signing": "项目签约"}
SIDES = {"demand": "需求方", "supply": "供给方"}
REGISTRATION_STATUSES = {
    "pending": "待审核", "confirmed": "已确认", "waitlisted": "候补中", "offered": "候补递补中",
    "declined": "未通过", "cancelled": "已取消",
}
# A seat is held by pending (awaiting approval), confirmed and offered registrations.
SEAT_HOLDING = ("pending", "confirmed", "offered")
REGISTRATION_TRANSITIONS = {
    "pending": {"confirmed", "declined", "cancelled"},
    "confirmed": {"cancelled"},
    "waitlisted": {"offered", "confirmed", "cancelled"},
    "offered": {"confirmed", "waitlisted", "cancelled"},
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
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region = relationship("Region")
    registrations = relationship("Registration", back_populates="event",
                                 order_by="Registration.id")

    audit_type = "event"
    audit_fields = ("kind", "title", "region_code", "venue", "online_url", "starts_at",
                    "ends_at", "registration_opens_at", "registration_closes_at", "capacity",
                    "requires_approval", "offer_hours")

    @property
    def kind_label(self) -> str:
        return EVENT_KINDS[self.kind]

    def __str__(self):
        return self.title


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
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event = relationship("Event", back_populates="registrations")
    organization = relationship("Organization")
    attendees = relationship("Attendee", back_populates="registration",
                             order_by="Attendee.id", cascade="all, delete-orphan")

    audit_type = "registration"

    is_confirmed = state_is("confirmed")
    is_waitlisted = state_is("waitlisted")

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

    registration = relationship("Registration", back_populates="attendees")
