"""What the events pages show, gathered before they render (templates run no queries):
the public list and event page (with the parts the meeting, check-in and outcome pages
add), the registration form, an organization's registrations, and the organizers'
pages. Also the form ↔ service conversions: times typed in Beijing time become UTC."""
from dataclasses import dataclass
from datetime import datetime

from marketplace.authz import (
    Permission, can, can_view_registration, is_organizer, region_scope)
from marketplace.db import beijing_day, from_beijing, to_beijing
from marketplace.errors import NotFound
from marketplace.events import checkin_pages, meeting_pages, outcome_pages, queries
from marketplace.events.forms import SESSION_ROWS, EventForm, RegistrationForm
from marketplace.events.models import (
    EVENT_KINDS, REGISTRATION_STATUSES, SLOT_MINUTES, Event, Registration)
from marketplace.events.services import MAX_ATTENDEES, SIDE_OF_KIND
from marketplace.forms import choices
from marketplace.taxonomy.queries import field_choices, get_place, region_choices, regions_for
from marketplace.validators import as_id

STATES = {"upcoming": "未开始", "open": "报名中", "closed": "已截止", "ongoing": "进行中",
          "ended": "已结束"}
ACTIVE = queries.ACTIVE_REGISTRATION_STATUSES


# --- times -------------------------------------------------------------------------------
def to_utc(raw):
    """A datetime-local value typed in Beijing time as naive UTC; what cannot be read is
    passed on as typed, for the service to refuse at its field."""
    if isinstance(raw, datetime):
        return raw
    try:
        return from_beijing(datetime.fromisoformat(str(raw or "").strip()))
    except ValueError:
        return raw


def to_input(value: datetime | None) -> str:
    """A stored UTC time as a datetime-local value in Beijing time."""
    return to_beijing(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def when_label(event: Event) -> str:
    """"2026年12月15日（周二）09:00—12:00" in Beijing time; the end's date too when the
    event runs over days."""
    start, end = to_beijing(event.starts_at), to_beijing(event.ends_at)
    label = f"{start.year}年{beijing_day(event.starts_at)}{start:%H:%M}—"
    if end.date() != start.date():
        label += f"{end.month}月{end.day}日 "
    return label + f"{end:%H:%M}"


def registration_state(event: Event, now: datetime) -> str:
    """Where the event stands for a visitor: registration not yet open, open, closed; then
    the event under way, then over."""
    if now >= event.ends_at:
        return "ended"
    if now >= event.starts_at:
        return "ongoing"
    if now < event.registration_opens_at:
        return "upcoming"
    return "open" if now < event.registration_closes_at else "closed"


@dataclass
class Card:
    """An event as the lists show it."""
    event: Event
    region_name: str
    state: str
    taken: int
    waiting: int

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def when(self) -> str:
        return when_label(self.event)

    @property
    def seats_left(self) -> int:
        return max(self.event.capacity - self.taken, 0)


def _cards(events: list[Event], now: datetime) -> list[Card]:
    counts = queries.seat_counts([e.id for e in events])
    return [Card(e, e.region.full_name, registration_state(e, now), counts[e.id]["taken"],
                 counts[e.id]["waiting"]) for e in events]


# --- public pages --------------------------------------------------------------------
def index_context(args, now: datetime) -> dict:
    """Upcoming and past events, of a kind and in a region when asked."""
    kind = args.get("kind") if args.get("kind") in EVENT_KINDS else ""
    region = get_place(args.get("region"))
    code = region.code if region else ""
    return {"upcoming": _cards(queries.public_events(kind, code, now, True), now),
            "past": _cards(queries.public_events(kind, code, now, False), now),
            "kinds": EVENT_KINDS, "regions": region_choices(),
            "filters": {"kind": kind, "region": code}}


def shown_event(event_id: int) -> Event:
    event = queries.event(event_id)  # (ids beyond any row are refused by the route)
    if event is None:
        raise NotFound()
    return event


def _viewer(user, event: Event, now: datetime) -> dict:
    """The viewer's organization's registration and what it may do with it."""
    organization_id = getattr(user, "organization_id", None)
    registration = queries.registration_of(event.id, organization_id)
    state = registration_state(event, now)
    may_register = can(user, Permission.EVENT_REGISTER)
    return {
        "registration": registration,
        "may_register": may_register and registration is None and state == "open",
        "needs_verification": organization_id is not None and not may_register,
        "may_cancel": (registration is not None and registration.status in ACTIVE
                       and now < event.starts_at),
        "may_confirm": (registration is not None and registration.is_offered
                        and registration.offered_until > now),
    }


def detail_context(user, event_id: int, now: datetime) -> dict:
    event = shown_event(event_id)
    counts = queries.seat_counts([event.id])[event.id]
    card = Card(event, event.region.full_name, registration_state(event, now),
                counts["taken"], counts["waiting"])
    return {"event": event, "card": card, "organizer": is_organizer(user, event),
            **_viewer(user, event, now), **meeting_pages.detail_part(user, event),
            **checkin_pages.detail_part(user, event), **outcome_pages.detail_part(user, event)}


def register_context(user, event: Event, form: RegistrationForm, formdata,
                     now: datetime) -> dict:
    """The form with the organization's published listings to bring; the attendee rows
    as posted (or one empty row)."""
    side = SIDE_OF_KIND[user.organization.kind]
    listings = queries.own_published_listings(user.organization_id, side)
    form.listing_ids.choices = choices([(item.id, f"{item.public_number or ''} {item.title}")
                                        for item in listings])
    rows = form.attendee_rows(formdata, MAX_ATTENDEES) if formdata else []
    return {"event": event, "form": form, "side": side,
            "listing_noun": "机会清单" if side == "demand" else "产品",
            "rows": rows + [{}] * (MAX_ATTENDEES - len(rows)),
            "state": registration_state(event, now), "state_label": STATES[
                registration_state(event, now)], "max_attendees": MAX_ATTENDEES}


def registration_data(form: RegistrationForm, formdata) -> dict:
    return {"attendees": form.attendee_rows(formdata, MAX_ATTENDEES),
            "listing_ids": form.listing_ids.data or []}


def mine_context(user, now: datetime) -> dict:
    registrations = queries.registrations_of_organization(user.organization_id)
    return {"registrations": registrations, "now": now,
            "whens": {r.event_id: when_label(r.event) for r in registrations},
            "may_confirm": {r.id for r in registrations
                            if r.is_offered and r.offered_until > now}}


# --- organizers --------------------------------------------------------------------------
def organizer_list_context(user, now: datetime) -> dict:
    return {"cards": _cards(queries.organizer_events(user), now),
            "scope": get_place(region_scope(user)) if region_scope(user) else None}


def managed_event(user, event_id: int) -> Event:
    """The event if ``user`` runs it; NotFound otherwise (an organizer of another
    region, or an organization, does not learn of its registrations)."""
    event = shown_event(event_id)
    if not is_organizer(user, event):
        raise NotFound()
    return event


def event_form_context(user, form: EventForm, event: Event | None, formdata=None) -> dict:
    """The event form with its choices; the session rows as posted or as stored."""
    form.kind.choices = choices(EVENT_KINDS.items(), blank="请选择活动类型")
    form.region_code.choices = choices(regions_for(user, Permission.EVENT_MANAGE),
                                       blank="请选择地区")
    form.field_ids.choices = field_choices()
    form.release_ids.choices = choices(queries.release_choices())
    selected = [as_id(i) for i in form.opportunity_ids.data or [] if as_id(i)]
    form.opportunity_ids.choices = choices(queries.opportunity_choices(selected))
    form.slot_minutes.choices = choices((m, f"{m} 分钟") for m in SLOT_MINUTES)
    if formdata is not None:
        rows = form.session_rows(formdata)
    elif event is not None:
        rows = [{"starts_at": to_input(s.starts_at), "slots": str(s.slots),
                 "breaks": "、".join(str(b + 1) for b in s.break_slots)}
                for s in event.sessions]
    else:
        rows = []
    return {"form": form, "event": event,
            "session_rows": rows + [{}] * (SESSION_ROWS - len(rows)),
            "field_groups": form.field_ids.choices}


def event_data(form: EventForm, formdata) -> dict:
    """The form as the service takes it: times in UTC, the session rows."""
    data = {name: getattr(form, name).data for name in (
        "kind", "title", "summary", "region_code", "venue", "online_url", "capacity",
        "requires_approval", "offer_hours", "field_ids", "themes", "release_ids",
        "opportunity_ids", "slot_minutes", "tables", "meeting_limit")}
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        data[name] = to_utc(getattr(form, name).data)
    data["sessions"] = [{**row, "starts_at": to_utc(row["starts_at"])}
                        for row in form.session_rows(formdata)]
    return data


def fill_event_form(form: EventForm, event: Event) -> None:
    """An event's values in its edit form (first view)."""
    for name in ("kind", "title", "summary", "region_code", "venue", "online_url",
                 "themes"):
        getattr(form, name).data = getattr(event, name)
    for name in ("capacity", "offer_hours", "slot_minutes", "tables", "meeting_limit"):
        getattr(form, name).data = str(getattr(event, name))
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        getattr(form, name).data = to_input(getattr(event, name))
    form.requires_approval.data = event.requires_approval
    form.field_ids.data = [str(f.id) for f in event.fields]
    form.release_ids.data = [str(r.id) for r in event.featured_releases]
    form.opportunity_ids.data = [str(o.id) for o in event.featured_opportunities]


def manage_context(user, event: Event, now: datetime) -> dict:
    """Counts, every registration with its attendees and what it brings, and the parts
    of the meeting, check-in and outcome pages."""
    registrations = queries.event_registrations(event.id)
    counts = queries.seat_counts([event.id])[event.id]
    by_status = {status: [r for r in registrations if r.status == status]
                 for status in REGISTRATION_STATUSES}
    return {"event": event, "registrations": registrations, "by_status": by_status,
            "card": Card(event, event.region.full_name, registration_state(event, now),
                         counts["taken"], counts["waiting"]),
            "attendee_count": sum(len(r.attendees) for r in registrations
                                  if r.status in ("confirmed", "pending", "offered")),
            "actions": {r.id: _organizer_actions(r, now < event.starts_at)
                        for r in registrations},
            **meeting_pages.manage_part(user, event), **checkin_pages.manage_part(user, event),
            **outcome_pages.manage_part(user, event)}


def _organizer_actions(registration: Registration, before_start: bool) -> set[str]:
    """What an organizer may do with a registration; nothing once the event has begun."""
    if not before_start:
        return set()
    status = registration.status
    actions = set()
    if status == "pending":
        actions |= {"approve", "decline"}
    if status in ("waitlisted", "offered"):
        actions |= {"confirm", "decline"}
    if status == "waitlisted":
        actions.add("offer")
    if status == "offered":
        actions.add("back")
    if status in ACTIVE:
        actions.add("cancel")
    return actions


def own_registration_of(user, event: Event) -> Registration | None:
    return queries.registration_of(event.id, getattr(user, "organization_id", None))


def viewable_registration(user, registration_id: int) -> Registration:
    """A registration its organization or the event's organizers see; NotFound for
    everyone else."""
    registration = queries.registration(registration_id)
    if registration is None or not can_view_registration(user, registration):
        raise NotFound()
    return registration
