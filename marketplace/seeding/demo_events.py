"""Demo events from seed/demo/events.json: an upcoming 场景沙龙 open for registration and a
past 供需对接会 that was held — its schedule built from the stored recommendations and
published, attendees checked in, meetings rated, minutes recorded.

Through the services, as the UI would: ``load_events`` creates the events and their
registrations (inside ``load_demo``); ``hold_past_events`` runs the day of the past one
and needs the stored recommendations, so `flask seed demo` calls it after indexing.
Times in the file are Beijing times on days counted from the day the demo is loaded.
"""
import json
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from marketplace.accounts.models import Organization, User
from marketplace.db import beijing_today, from_beijing
from marketplace.events import checkin, meeting_schedule, meetings, outcomes
from marketplace.events import services as events
from marketplace.events.models import Event, Meeting, Registration
from marketplace.extensions import db
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.seeding import SEED_DIR

DATA = SEED_DIR / "demo" / "events.json"


def _rows() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))["events"]


def at(day: int, clock: str) -> datetime:
    """Beijing ``clock`` on the day ``day`` days from today, as naive UTC."""
    return from_beijing(datetime.combine(beijing_today() + timedelta(days=day),
                                         time.fromisoformat(clock)))


def _organization(name: str) -> Organization:
    return db.session.scalar(sa.select(Organization).where(Organization.name == name))


def _listing_ids(organization: Organization, titles: list[str]) -> list[str]:
    model = Opportunity if organization.kind == "department" else Product
    return [str(i) for i in db.session.scalars(sa.select(model.id).where(
        model.organization_id == organization.id, model.title.in_(titles)))]


def _event_form(row: dict) -> dict:
    day = row["day"]
    opens, closes = row["registration_days"]
    form = {key: row.get(key, "") for key in ("kind", "title", "summary", "themes", "venue",
                                              "online_url")}
    form.update(region_code=row["region"], starts_at=at(day, row["starts"]),
                ends_at=at(day, row["ends"]), registration_opens_at=at(opens, "09:00"),
                registration_closes_at=at(closes, "18:00"), capacity=str(row["capacity"]),
                offer_hours="24", requires_approval=row.get("requires_approval", False))
    if row["kind"] == "matchmaking":
        form.update(slot_minutes=str(row["slot_minutes"]), tables=str(row["tables"]),
                    meeting_limit=str(row["meeting_limit"]),
                    sessions=[{"starts_at": at(day, s["starts"]), "slots": str(s["slots"]),
                               "breaks": "、".join(str(b + 1) for b in s["breaks"])}
                              for s in row["sessions"]])
    return form


def _register(event: Event, row: dict, registered_at: datetime) -> Registration:
    organization = _organization(row["organization"])
    return events.register(organization.users[0], event, {
        "attendees": [{"name": name, "title": title} for name, title in row["attendees"]],
        "listing_ids": _listing_ids(organization, row["brings"])}, now=registered_at)


def load_events(admin) -> list[Event]:
    """Create the demo events and their registrations (registered on the day the
    registration opened). Returns the events."""
    made = []
    for row in _rows():
        event = events.create_event(admin, _event_form(row))
        for registration in row.get("registrations", []):
            _register(event, registration, event.registration_opens_at + timedelta(hours=1))
        made.append(event)
    return made


def _registration_of(event: Event, name: str) -> Registration:
    return next(r for r in event.registrations if r.organization.name == name)


def _meeting_of(event: Event, demand: str, supply: str) -> Meeting:
    return db.session.scalar(sa.select(Meeting).where(
        Meeting.event_id == event.id,
        Meeting.demand_id == _registration_of(event, demand).id,
        Meeting.supply_id == _registration_of(event, supply).id))


def _ask(event: Event, row: dict) -> None:
    sender, recipient = _registration_of(event, row["from"]), _registration_of(event, row["to"])
    request = meetings.request_meeting(sender.organization.users[0], sender, {
        "recipient_id": str(recipient.id), "reason": row["reason"]})
    if row.get("accept"):
        meetings.answer_request(recipient.organization.users[0], request, "accept")


def _rate(event: Event, row: dict) -> None:
    meeting = _meeting_of(event, row["demand"], row["supply"])
    sides = {"demand": [meeting.demand], "supply": [meeting.supply],
             "both": [meeting.demand, meeting.supply]}[row["by"]]
    for registration in sides:
        outcomes.rate_meeting(registration.organization.users[0], meeting, row["rating"],
                              row.get("note", ""), now=event.ends_at)


def _check_in(admin, event: Event, absent: set[str]) -> None:
    """Everyone of a confirmed registration but the ``absent`` checks in by code, in the
    order they registered, from a quarter of an hour before the start."""
    arrival = event.starts_at - timedelta(minutes=15)
    for registration in event.registrations:
        for attendee in registration.attendees:
            if registration.is_confirmed and attendee.name not in absent:
                arrival += timedelta(seconds=40)
                checkin.check_in(admin, event, code=attendee.code, now=arrival)


def hold_past_events(admin) -> None:
    """Run the day of every past 供需对接会 in the file: requests asked and accepted, the
    schedule built from the stored recommendations and published (final), attendees
    checked in (but the absent), meetings rated, minutes recorded."""
    for row in _rows():
        if row["kind"] != "matchmaking" or row["day"] >= 0:
            continue
        event = db.session.scalar(sa.select(Event).where(Event.title == row["title"]))
        for request in row.get("requests", []):
            _ask(event, request)
        meeting_schedule.build_schedule(admin, event)
        meeting_schedule.publish_schedule(admin, event, "preliminary")
        meeting_schedule.publish_schedule(admin, event, "final")
        _check_in(admin, event, set(row.get("absent", [])))
        for rating in row.get("ratings", []):
            _rate(event, rating)
        outcomes.record_minutes(admin, event, row.get("minutes", ""), now=event.ends_at)


def run_demo_day() -> None:
    """After ``load_demo`` has committed: index the listings and store their
    recommendations (the schedule is built from them), then hold the past events."""
    from marketplace.sync.steps import rebuild_index, refresh_all_queued

    rebuild_index()
    refresh_all_queued()
    admin = db.session.scalar(sa.select(User).where(User.is_platform_admin.is_(True))
                              .order_by(User.id).limit(1))
    hold_past_events(admin)
    db.session.commit()

