"""What the meeting pages show, gathered before the template renders (templates run no
queries): the participant's meetings page, agendas (page, print, .ics), the organizers'
schedule editor and print-outs, and the meeting sections of the event page and of the
organizers' page (rendered by templates/events/_detail_meeting.html and
_manage_meeting.html).

``detail_part`` and ``manage_part`` return keys that all start with ``meeting_``, so the
including page may merge them into its context (``**meeting_pages.detail_part(...)``).
Times are UTC in the database and shown in Beijing time here.
"""
from dataclasses import dataclass
from datetime import timezone

from flask import url_for
from icalendar import Calendar, Event as CalendarEvent

from marketplace import authz
from marketplace.db import beijing_day, to_beijing
from marketplace.events import meeting_queries as queries
from marketplace.events.models import SIDES, Meeting, Registration

def slot_label(slot: queries.Slot, with_date: bool = True) -> str:
    start, end = to_beijing(slot.starts_at), to_beijing(slot.ends_at)
    times = f"{start:%H:%M}–{end:%H:%M}"
    return f"{beijing_day(slot.starts_at)}{times}" if with_date else times


@dataclass
class AgendaEntry:
    meeting: Meeting
    other: Registration  # the other side
    slot: queries.Slot
    label: str  # when, in Beijing time
    table: int  # from 1

    @property
    def why(self) -> str:
        return self.meeting.reason or ("双方约见" if self.meeting.kind == "request" else "")


def agenda_entries(event, registration: Registration, meetings: list[Meeting]) -> list:
    times = queries.slot_times(event)
    entries = []
    for m in meetings:
        slot = times.get((m.session, m.slot))
        if slot is None:  # sessions changed under it: shown by the editor, not here
            continue
        other = m.supply if m.demand_id == registration.id else m.demand
        entries.append(AgendaEntry(m, other, slot, slot_label(slot), m.table_number + 1))
    return entries


@dataclass
class Counterpart:
    registration: Registration
    listings: list
    recommendation: object | None
    sent: object | None  # my request to them
    received: object | None  # their request to me
    meeting: bool  # already scheduled together


def participant_context(user, registration: Registration) -> dict:
    """The participant's meetings page: the other side's participants, best pairs first,
    with what they bring and the evidence; requests in and out; the agenda once out."""
    event = registration.event
    people = queries.participants(event)
    listings = queries.brought(people)
    recs = queries.pair_recommendations(people, listings)
    requests = queries.requests_of(registration)
    sent = {r.recipient_id: r for r in requests if r.sender_id == registration.id}
    received = {r.sender_id: r for r in requests if r.recipient_id == registration.id}
    mine = queries.meetings_of(registration)
    met = {m.supply_id if m.demand_id == registration.id else m.demand_id for m in mine}
    counterparts = []
    for other in people:
        if other.side == registration.side:
            continue
        pair = ((registration.id, other.id) if registration.side == "demand"
                else (other.id, registration.id))
        counterparts.append(Counterpart(other, listings.get(other.id, []), recs.get(pair),
                                        sent.get(other.id), received.get(other.id),
                                        other.id in met))
    counterparts.sort(key=lambda c: (c.recommendation is None,
                                     -(c.recommendation.score if c.recommendation else 0),
                                     c.registration.organization.name))
    shows_agenda = authz.can_view_agenda(user, registration)
    return {
        "event": event, "registration": registration, "counterparts": counterparts,
        "own_listings": listings.get(registration.id, []),
        "incoming": [r for r in requests if r.recipient_id == registration.id],
        "outgoing": [r for r in requests if r.sender_id == registration.id],
        "committed": queries.committed(registration.id),
        "can_act": (authz.can_act_in_meetings(user, registration) and registration.is_confirmed
                    and event.is_matchmaking and event.schedule_status != "final"),
        "agenda": agenda_entries(event, registration, mine) if shows_agenda else None,
        "other_side": SIDES["supply" if registration.side == "demand" else "demand"],
    }


def agenda_context(registration: Registration) -> dict:
    event = registration.event
    return {"event": event, "registration": registration,
            "agenda": agenda_entries(event, registration, queries.meetings_of(registration))}


def agenda_ics(registration: Registration, entries: list[AgendaEntry]) -> bytes:
    """The agenda as an iCalendar file, one VEVENT per meeting (times in UTC)."""
    event = registration.event
    calendar = Calendar()
    calendar.add("prodid", "-//场景对接平台//一对一会谈日程//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{event.title}：{registration.organization.name}的会谈日程")
    for entry in entries:
        item = CalendarEvent()
        item.add("uid", f"meeting-{entry.meeting.id}-{registration.id}@marketplace")
        item.add("dtstamp", entry.meeting.updated_at.replace(tzinfo=timezone.utc))
        item.add("dtstart", entry.slot.starts_at.replace(tzinfo=timezone.utc))
        item.add("dtend", entry.slot.ends_at.replace(tzinfo=timezone.utc))
        item.add("summary", f"会谈：{entry.other.organization.name}（第 {entry.table} 桌）")
        item.add("location", f"{event.venue} 第 {entry.table} 桌".strip())
        item.add("description", f"{event.title}\n{entry.meeting.kind_label}：{entry.why}")
        calendar.add_component(item)
    return calendar.to_ical()


# --- the organizers' pages ---------------------------------------------------------------
def editor_context(event) -> dict:
    """The schedule editor: the grid of (session, slot) × table, the meetings by slot,
    the counts and what the add form offers."""
    people = queries.participants(event)
    by_id = {p.id: p for p in people}
    meetings = queries.meetings_of_event(event)
    all_slots = queries.slots(event)
    usable = [s for s in all_slots if not s.is_break]
    cells = {(m.session, m.slot, m.table_number): m for m in meetings}
    by_slot = {}
    for m in meetings:
        by_slot.setdefault((m.session, m.slot), []).append(m)
    requests = queries.requests_of_event(event)
    must = queries.must_have_pairs(requests, set(by_id))
    met = {(m.demand_id, m.supply_id) for m in meetings}
    busy = {r for m in meetings for r in (m.demand_id, m.supply_id)}
    return {
        "event": event, "slots": all_slots, "tables": range(event.tables), "cells": cells,
        "by_slot": [(s, by_slot[(s.session, s.slot)]) for s in all_slots
                    if (s.session, s.slot) in by_slot],
        "orphans": [m for m in meetings if (m.session, m.slot) not in
                    {(s.session, s.slot) for s in all_slots} or m.table_number >= event.tables],
        "slot_label": slot_label,
        "slot_choices": [(s.key, slot_label(s)) for s in usable],
        "demand": [p for p in people if p.side == "demand"],
        "supply": [p for p in people if p.side == "supply"],
        "counts": {"meetings": len(meetings), "requests_total": len(must),
                   "requests_placed": sum(1 for pair in must if pair in met),
                   "participants": len(people)},
        "idle": [p for p in people if p.id not in busy],
        "inactive": {m.id for m in meetings
                     if m.demand_id not in by_id or m.supply_id not in by_id},
        "ready": bool(usable) and event.tables > 0,
    }


def offer_choices(form, context: dict):
    """The add form's choices: confirmed participants of each side and usable slots."""
    blank = [("", "请选择")]
    form.demand_id.choices = blank + [(str(p.id), p.organization.name) for p in context["demand"]]
    form.supply_id.choices = blank + [(str(p.id), p.organization.name) for p in context["supply"]]
    form.slot.choices = context["slot_choices"]
    return form


def print_tables_context(event) -> dict:
    """Per table: every usable slot with its meeting (or none)."""
    meetings = queries.meetings_of_event(event)
    cells = {(m.session, m.slot, m.table_number): m for m in meetings}
    usable = [s for s in queries.slots(event) if not s.is_break]
    return {"event": event, "slot_label": slot_label,
            "tables": [(t + 1, [(s, cells.get((s.session, s.slot, t))) for s in usable])
                       for t in range(event.tables)]}


def print_participants_context(event) -> dict:
    """Per participant: its agenda."""
    meetings = queries.meetings_of_event(event)
    people = queries.participants(event)
    return {"event": event,
            "people": [(p, agenda_entries(event, p, [m for m in meetings
                                                     if p.id in (m.demand_id, m.supply_id)]))
                       for p in people]}


# --- sections of the event page and the organizers' page ---------------------------------
def detail_part(user, event) -> dict:
    """Context for the event page's meeting section, for ``user`` (maybe anonymous): the
    link to the user's organization's meetings page and agenda, with its open requests."""
    if not event.is_matchmaking or not getattr(user, "is_authenticated", False):
        return {"meeting_registration": None}
    own = next((r for r in event.registrations if authz.belongs_to(user, r)), None)
    if own is None or not own.is_confirmed:
        return {"meeting_registration": None}
    requests = queries.requests_of(own)
    return {
        "meeting_registration": own,
        "meeting_link": url_for("events.meetings", registration_id=own.id),
        "meeting_agenda_link": (url_for("events.agenda", registration_id=own.id)
                                if authz.can_view_agenda(user, own) else None),
        "meeting_incoming_pending": sum(1 for r in requests if r.recipient_id == own.id
                                        and r.status == "pending"),
        "meeting_outgoing_active": sum(1 for r in requests if r.sender_id == own.id
                                       and r.status in queries.ACTIVE_REQUESTS),
        "meeting_status_label": event.schedule_status_label,
    }


def manage_part(user, event) -> dict:
    """Context for the organizers' page's meeting section: schedule status, counts and
    the link to the schedule editor."""
    if not event.is_matchmaking or not authz.can_manage_schedule(user, event):
        return {"meeting_editor_link": None}
    meetings = queries.meetings_of_event(event)
    return {
        "meeting_editor_link": url_for("events.schedule", event_id=event.id),
        "meeting_status_label": event.schedule_status_label,
        "meeting_published_at": event.schedule_published_at,
        "meeting_count": len(meetings),
        "meeting_request_count": len(queries.requests_of_event(event)),
    }
