"""The event report for organizers: attendance, 1:1 meetings and their ratings, and the
pairings the event created, advanced or saw signed. Reads only; a handful of queries
whatever the size of the event.

Rules of the numbers:

* 报名单位 / 参会人员: confirmed registrations and their named attendees; 已签到 those
  checked in; 未到场 the rest, once the event has started (before that: None).
* 会谈: scheduled meetings; 已到时间 those whose slot has started; 已举行 those of them
  that no side rated 未进行 (a meeting neither side rated counts as held: the schedule
  is the record until someone says otherwise); 未进行 those a side rated so.
* Ratings per rating and per side (需求方 / 供给方); each side rates once.
* Pairings: EventPairing rows by action; the signed amount is the sum of the contract
  amounts of the pairings signed at the event.
"""
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace import audit
from marketplace.db import beijing_text, utcnow
from marketplace.events.models import (
    PAIRING_ACTIONS, RATINGS, SIDES, Event, EventPairing, Meeting, MeetingRating, Registration)
from marketplace.events.outcomes import meeting_starts_at, pairing_listings
from marketplace.extensions import db
from marketplace.matching.models import Match
from marketplace.spreadsheets import workbook_bytes
from marketplace.text import format_wan


@dataclass
class MeetingRow:
    meeting: Meeting
    starts_at: datetime | None
    started: bool
    ratings: dict[str, MeetingRating]  # by side
    match: Match | None = None  # for a 有合作可能 meeting: the pairing of its listings

    @property
    def held(self) -> bool:
        return self.started and all(r.rating != "not_held" for r in self.ratings.values())

    @property
    def cooperation(self) -> bool:
        return any(r.rating == "cooperation" for r in self.ratings.values())


@dataclass
class EventReport:
    event: Event
    started: bool
    registrations: dict[str, int]  # by side, and "total"
    attendees: int
    checked_in: int
    no_shows: int | None
    meetings: list[MeetingRow]
    ratings: dict[str, dict[str, int]]  # rating → side → count ("total" too)
    pairings: list[EventPairing]
    actions: dict[str, int] = field(default_factory=dict)  # action → count
    signed_amount_wan: Decimal = Decimal(0)

    @property
    def due(self) -> int:
        return sum(row.started for row in self.meetings)

    @property
    def held(self) -> int:
        return sum(row.held for row in self.meetings)

    @property
    def not_held(self) -> int:
        return self.due - self.held

    @property
    def rated(self) -> int:
        return sum(bool(row.ratings) for row in self.meetings)

    @property
    def cooperation_rows(self) -> list[MeetingRow]:
        return [row for row in self.meetings if row.cooperation]


def _registrations(event: Event) -> list[Registration]:
    return db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id,
                                      Registration.status == "confirmed")
        .options(selectinload(Registration.attendees), joinedload(Registration.organization))
        .order_by(Registration.id)).unique().all()


def meetings_of(event: Event, registration_id: int | None = None) -> list[Meeting]:
    """The event's meetings in time order (of one registration when given), with both
    sides, their listings and the ratings loaded."""
    query = (sa.select(Meeting).where(Meeting.event_id == event.id)
             .options(joinedload(Meeting.demand).joinedload(Registration.organization),
                      joinedload(Meeting.supply).joinedload(Registration.organization),
                      joinedload(Meeting.demand).selectinload(Registration.opportunities),
                      joinedload(Meeting.supply).selectinload(Registration.products),
                      joinedload(Meeting.opportunity), joinedload(Meeting.product),
                      selectinload(Meeting.ratings).joinedload(MeetingRating.registration))
             .order_by(Meeting.session, Meeting.slot, Meeting.table_number))
    if registration_id is not None:
        query = query.where(sa.or_(Meeting.demand_id == registration_id,
                                   Meeting.supply_id == registration_id))
    return db.session.scalars(query).unique().all()


def meeting_rows(event: Event, meetings: list[Meeting], now: datetime) -> list[MeetingRow]:
    rows = []
    for meeting in meetings:
        starts = meeting_starts_at(meeting)
        rows.append(MeetingRow(meeting, starts, starts is not None and starts <= now,
                               {r.registration.side: r for r in meeting.ratings}))
    return rows


def _pairings_of(rows: list[MeetingRow]) -> None:
    """Each 有合作可能 meeting's pairing (of the listings a rating pairs), in one query."""
    wanted = {}
    for row in rows:
        if row.cooperation:
            opportunity, _ = pairing_listings(row.meeting)
            if opportunity is not None:
                wanted[row.meeting.id] = (opportunity.id, row.meeting.supply.organization_id)
    if not wanted:
        return
    matches = {(m.opportunity_id, m.supplier_id): m for m in db.session.scalars(
        sa.select(Match).where(sa.tuple_(Match.opportunity_id, Match.supplier_id)
                               .in_(list(wanted.values()))))}
    for row in rows:
        row.match = matches.get(wanted.get(row.meeting.id))


def event_pairings(event: Event) -> list[EventPairing]:
    return db.session.scalars(
        sa.select(EventPairing).where(EventPairing.event_id == event.id)
        .options(joinedload(EventPairing.match).joinedload(Match.opportunity),
                 joinedload(EventPairing.match).joinedload(Match.supplier),
                 joinedload(EventPairing.meeting))
        .order_by(EventPairing.id)).unique().all()


def build(event: Event, now: datetime | None = None) -> EventReport:
    """The report of ``event`` as of ``now``."""
    now = now or utcnow()
    event = db.session.scalar(sa.select(Event).where(Event.id == event.id)
                              .options(selectinload(Event.sessions)))
    registrations = _registrations(event)
    attendees = [a for r in registrations for a in r.attendees]
    checked_in = sum(a.checked_in_at is not None for a in attendees)
    started = event.starts_at <= now
    by_side = {side: sum(r.side == side for r in registrations) for side in SIDES}
    rows = meeting_rows(event, meetings_of(event), now)
    _pairings_of(rows)
    ratings = {rating: dict.fromkeys((*SIDES, "total"), 0) for rating in RATINGS}
    for row in rows:
        for side, rating in row.ratings.items():
            ratings[rating.rating][side] += 1
            ratings[rating.rating]["total"] += 1
    links = event_pairings(event)
    actions = {action: sum(link.action == action for link in links)
               for action in PAIRING_ACTIONS}
    amount = sum((link.match.contract_amount_wan or Decimal(0) for link in links
                  if link.action == "signed"), Decimal(0))
    return EventReport(event, started, {**by_side, "total": len(registrations)},
                       len(attendees), checked_in,
                       len(attendees) - checked_in if started else None, rows, ratings,
                       links, actions, amount)


def rating_counts(event: Event) -> dict[str, int]:
    """How many ratings of each kind the event's meetings got (for the organizers' page)."""
    counts = dict(db.session.execute(
        sa.select(MeetingRating.rating, sa.func.count(MeetingRating.id))
        .join(Meeting, Meeting.id == MeetingRating.meeting_id)
        .where(Meeting.event_id == event.id).group_by(MeetingRating.rating)).all())
    return {rating: counts.get(rating, 0) for rating in RATINGS}


def export(actor, report: EventReport) -> bytes:
    """The report as .xlsx; the download is audited (``event.report_export``, rows: its
    meetings). The caller commits."""
    data = workbook(report)
    audit.record_export(actor, "event.report_export", report.event,
                        rows=len(report.meetings), summary=report.event.title)
    return data


def workbook(report: EventReport) -> bytes:
    """The report as .xlsx: summary, meetings with their ratings, pairings."""
    event = report.event
    title = f"{event.title}（{event.kind_label}）活动报告"
    summary = [("报名单位（已确认）", report.registrations["total"]),
               ("参会人员", report.attendees), ("已签到", report.checked_in),
               ("未到场", "—" if report.no_shows is None else report.no_shows),
               ("安排会谈", len(report.meetings)), ("已到时间的会谈", report.due),
               ("已举行", report.held), ("未进行", report.not_held),
               *((f"对接：{label}", report.actions[action])
                 for action, label in PAIRING_ACTIONS.items()),
               ("签约金额", format_wan(report.signed_amount_wan))]
    meetings = [(beijing_text(row.starts_at), row.meeting.table_number + 1,
                 row.meeting.demand.organization.name, row.meeting.supply.organization.name,
                 *(_rating_cell(row.ratings.get(side)) for side in SIDES),
                 "是" if row.held else ("未到时间" if not row.started else "否"))
                for row in report.meetings]
    pairings = [(link.action_label, link.match.opportunity.title, link.match.supplier.name,
                 link.match.stage_label,
                 format_wan(link.match.contract_amount_wan) if link.action == "signed" else "",
                 str(link.match.contract_date or "") if link.action == "signed" else "")
                for link in report.pairings]
    return workbook_bytes([
        ("概况", title, ("事项", "数量"), summary, (24, 16)),
        ("会谈与评价", title, ("时间", "桌号", "需求方", "供给方", "需求方评价", "供给方评价",
                          "已举行"), meetings, (18, 6, 28, 28, 30, 30, 10)),
        ("对接", title, ("事项", "机会", "供给方", "当前阶段", "签约金额", "签约日期"),
         pairings, (10, 40, 28, 10, 14, 12)),
    ])


def _rating_cell(rating: MeetingRating | None) -> str:
    if rating is None:
        return "未评价"
    return rating.rating_label + (f"：{rating.note}" if rating.note else "")
