"""Demo events from seed/demo/events.json: an upcoming 场景沙龙 open for registration and a
past 供需对接会 that was held — its schedule built from the stored recommendations and
published, attendees checked in, meetings rated, minutes recorded.

Through the services, as the UI would: ``load_events`` creates the events and their
registrations (inside ``load_demo``); ``hold_past_events`` runs the day of the past one
and needs the stored recommendations, so `flask seed demo` calls it after indexing.
Times in the file are Beijing times on days counted from the day the demo is loaded.
"""
import json
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa

from marketplace.accounts.models import Organization
from marketplace.db import BEIJING, beijing_today
from marketplace.events import services as events
from marketplace.events.models import Event, Registration
from marketplace.extensions import db
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.seeding import SEED_DIR

DATA = SEED_DIR / "demo" / "events.json"


def _rows() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))["events"]


def at(day: int, clock: str) -> datetime:
    """Beijing ``clock`` on the day ``day`` days from today, as naive UTC."""
    moment = datetime.combine(beijing_today() + timedelta(days=day),
                              time.fromisoformat(clock), BEIJING)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


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
