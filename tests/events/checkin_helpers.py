"""Helpers of the check-in tests: an event whose attendees hold short codes.

Registration gives every attendee a code (another part of the feature); until then, and
for registrations made here, ``give_codes`` assigns the missing ones."""
import secrets
from datetime import timedelta

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.events.checkin import CODE_ALPHABET
from marketplace.events.models import Attendee
from marketplace.extensions import db


def new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if not db.session.scalar(sa.select(Attendee.id).where(Attendee.code == code)):
            return code


def give_codes(*registrations) -> None:
    """Every attendee of ``registrations`` gets a short code if it has none."""
    for registration in registrations:
        for attendee in registration.attendees:
            if not attendee.code:
                attendee.code = new_code()
    db.session.commit()


def registered(make, event, org, names=("张三",), status=None):
    """``org`` registered for ``event`` with ``names``, codes given; ``status`` forces a
    registration status (waitlisted, cancelled …) for tests of refusals."""
    registration = make.registration(event, org, names)
    if status:
        registration.status = status
    give_codes(registration)
    return registration


def event_today(make, **overrides):
    """An event that runs now (registration closed an hour ago)."""
    now = utcnow().replace(second=0, microsecond=0)
    event = make.event(**{"kind": "salon", "title": "智慧城市场景沙龙",
                          "starts_at": now - timedelta(hours=1),
                          "ends_at": now + timedelta(hours=3),
                          "registration_opens_at": now - timedelta(days=5),
                          "registration_closes_at": now - timedelta(hours=2), **overrides})
    return event


def registered_now(make, event, org, names=("张三",), status=None):
    """Like ``registered`` for an event whose registration has closed: the window is
    reopened for the moment of registering."""
    closes, opens = event.registration_closes_at, event.registration_opens_at
    event.registration_opens_at = utcnow() - timedelta(days=1)
    event.registration_closes_at = utcnow() + timedelta(days=1)
    db.session.commit()
    try:
        return registered(make, event, org, names, status)
    finally:
        event.registration_opens_at, event.registration_closes_at = opens, closes
        db.session.commit()
