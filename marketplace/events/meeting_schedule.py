"""The 1:1 meeting schedule of a 供需对接会: proposed by the scheduler, edited by the
organizers, published as a preliminary and then a final schedule.

* ``build_schedule`` calls the same pure scheduler as the benchmark
  (``scheduler.schedule``): accepted and mutual requests first, then the free room goes to
  the best-scoring pairs of the stored recommendations (``meeting_queries``), each
  meeting keeping the recommendation behind it (opportunity, product, evidence) as its
  reason. **A rebuild keeps the meetings the organizers added by hand** (kind ``manual``)
  where they are and replaces every other meeting, moved by hand or not: the scheduler
  runs on the pairs not yet met by hand, and its meetings are fitted around the hand-made
  ones (a proposed meeting whose cell, participant time or limit is taken goes to the
  first free cell both sides can make, else is left out — a must-have left out is
  reported). With no hand-made meetings the result is exactly the scheduler's.
  A rebuild is refused once the final schedule is out (edit by hand instead).
* ``move_meeting``, ``add_meeting``, ``remove_meeting``: hand edits, each refused with a
  Chinese message at its field and nothing changed when a participant or a table is
  already taken in that slot, the slot is a break or not of the event, the table does
  not exist, a participant's limit is reached or the pair already meets.
* ``publish_schedule``: draft → preliminary → final (or draft → final); every participant's
  users are told (``schedule_published``). After a publication, any change (rebuild, hand
  edit) tells the participants whose meetings changed, with the same notification and
  ``change`` saying what happened.

Every change is audited (``event.schedule_build``, ``meeting.create|move|remove``,
``event.schedule_preliminary|final``).
"""
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from marketplace import audit
from marketplace.authz import can_manage_schedule
from marketplace.db import utcnow
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.events import meeting_queries as queries
from marketplace.events import scheduler
from marketplace.events.models import SCHEDULE_STATUSES, Meeting, Registration
from marketplace.extensions import db
from marketplace.notifications.services import notify, organization_users, path_for
from marketplace.validators import as_id
from marketplace.workflow import change_state

SCHEDULE_TRANSITIONS = {"draft": {"preliminary", "final"}, "preliminary": {"final"},
                        "final": set()}


@dataclass
class BuildResult:
    meetings: int = 0
    requests_placed: int = 0
    requests_total: int = 0
    unplaced: list[str] = field(default_factory=list)  # "需求方 ↔ 供给方" names


def _require_organizer(actor, event) -> None:
    if not can_manage_schedule(actor, event):
        raise PermissionDenied()
    if not event.is_matchmaking:
        raise IllegalTransition("只有供需对接会安排一对一会谈。")


def _require_setup(event) -> None:
    if not event.sessions or event.tables < 1 or not any(
            s.slots > len(s.break_slots) for s in event.sessions):
        raise IllegalTransition("请先设置会谈场次、每场时段和桌数。")


# --- reasons ---------------------------------------------------------------------------
def reason_of(rec) -> str:
    """Why two participants should meet, from a stored recommendation."""
    terms = "、".join((rec.evidence or {}).get("terms", [])[:6])
    text = f"机会「{rec.opportunity.title}」与产品「{rec.product.title}」匹配"
    return (f"{text}，共同关键词：{terms}" if terms else text)[:300]


def _fill_from(meeting: Meeting, rec) -> None:
    if rec is None:
        meeting.score, meeting.opportunity_id, meeting.product_id, meeting.evidence = (
            None, None, None, None)
        return
    meeting.score, meeting.opportunity_id, meeting.product_id = (
        rec.score, rec.opportunity_id, rec.product_id)
    meeting.evidence = rec.evidence


# --- building --------------------------------------------------------------------------
def _instance(event, participants, recs, requests, fixed_pairs) -> scheduler.Instance:
    by_position = queries.sessions_by_position(event)
    sessions = []
    for position in range(max(by_position) + 1):
        found = by_position.get(position)
        sessions.append(scheduler.Session(
            found.slots, tuple(b for b in found.break_slots if b < found.slots))
            if found else scheduler.Session(0))
    ids = {p.id for p in participants}
    return scheduler.Instance(
        sessions=sessions, tables=event.tables, limit=event.meeting_limit,
        participants=[scheduler.Participant(str(p.id), p.side) for p in participants],
        requests=[scheduler.Request(str(r.sender_id), str(r.recipient_id),
                                    r.status == "accepted")
                  for r in requests if r.status in queries.ACTIVE_REQUESTS
                  and {r.sender_id, r.recipient_id} <= ids
                  and queries.pair_of(r) not in fixed_pairs],
        scores=[scheduler.Score(str(d), str(s), rec.score) for (d, s), rec in recs.items()
                if rec.score > 0 and (d, s) not in fixed_pairs])


def _placements(event) -> dict[int, set]:
    """registration id → {(other side, session, slot, table)} of its meetings."""
    result: dict[int, set] = {}
    for d, s, session, slot, table in db.session.execute(
            sa.select(Meeting.demand_id, Meeting.supply_id, Meeting.session, Meeting.slot,
                      Meeting.table_number).where(Meeting.event_id == event.id)):
        result.setdefault(d, set()).add((s, session, slot, table))
        result.setdefault(s, set()).add((d, session, slot, table))
    return result


def build_schedule(actor, event) -> BuildResult:
    """Propose the schedule (see the module docstring): replaces every meeting but those
    added by hand. Returns what was placed and which must-have meetings did not fit."""
    _require_organizer(actor, event)
    _require_setup(event)
    if event.schedule_status == "final":
        raise IllegalTransition("最终日程已发布，不能重新生成，请手工调整。")
    before = _placements(event)
    people = queries.participants(event)
    by_id = {p.id: p for p in people}
    recs = queries.pair_recommendations(people)
    requests = queries.requests_of_event(event)
    existing = queries.meetings_of_event(event)
    fixed = [m for m in existing if m.kind == "manual"
             and m.demand_id in by_id and m.supply_id in by_id]
    for old in existing:
        if old not in fixed:
            db.session.delete(old)
    db.session.flush()
    fixed_pairs = {(m.demand_id, m.supply_id) for m in fixed}
    proposed = scheduler.schedule(_instance(event, people, recs, requests, fixed_pairs))
    placed = _fit(event, proposed.meetings, fixed, recs, requests)
    met = fixed_pairs | {(m.demand_id, m.supply_id) for m in placed}
    must = queries.must_have_pairs(requests, set(by_id))
    result = BuildResult(
        meetings=len(met), requests_total=len(must),
        requests_placed=sum(1 for pair in must if pair in met),
        unplaced=[f"{by_id[d].organization.name} ↔ {by_id[s].organization.name}"
                  for d, s in must if (d, s) not in met])
    audit.record(actor, "event.schedule_build", event, summary=event.title,
                 after={"meetings": result.meetings, "kept_manual": len(fixed),
                        "requests_placed": result.requests_placed,
                        "requests_total": result.requests_total})
    _announce(event, before, "组织方重新生成了会谈日程")
    return result


def _fit(event, proposed, fixed, recs, requests) -> list[Meeting]:
    """Store the scheduler's meetings around the fixed (hand-made) ones."""
    limit = event.meeting_limit
    cells = {(m.session, m.slot, m.table_number) for m in fixed}
    busy = {(r, m.session, m.slot) for m in fixed for r in (m.demand_id, m.supply_id)}
    count = Counter(r for m in fixed for r in (m.demand_id, m.supply_id))
    free_cells = [(slot.session, slot.slot, table) for slot in queries.slots(event)
                  if not slot.is_break for table in range(event.tables)]
    notes = _request_notes(requests)
    order = sorted(proposed, key=lambda m: (m.kind != "request",
                                            -(recs[(int(m.demand), int(m.supply))].score
                                              if (int(m.demand), int(m.supply)) in recs else 0),
                                            m.session, m.slot, m.table))
    placed = []
    for item in order:
        d, s = int(item.demand), int(item.supply)
        if count[d] >= limit or count[s] >= limit:
            continue
        for cell in [(item.session, item.slot, item.table)] + (free_cells if fixed else []):
            if cell in cells or (d, *cell[:2]) in busy or (s, *cell[:2]) in busy:
                continue
            rec = recs.get((d, s))
            meeting = Meeting(event_id=event.id, demand_id=d, supply_id=s, session=cell[0],
                              slot=cell[1], table_number=cell[2], kind=item.kind)
            _fill_from(meeting, rec)
            if item.kind == "request":
                meeting.reason = ("双方约见" + (f"：{notes[(d, s)]}" if notes.get((d, s)) else ""))[:300]
            else:
                meeting.reason = reason_of(rec)
            db.session.add(meeting)
            placed.append(meeting)
            cells.add(cell)
            busy.update({(d, *cell[:2]), (s, *cell[:2])})
            count.update((d, s))
            break
    db.session.flush()
    return placed


def _request_notes(requests) -> dict[tuple[int, int], str]:
    """(demand, supply) → the reasons the two gave when asking (both ways, joined)."""
    notes: dict[tuple[int, int], list[str]] = {}
    for r in requests:
        if r.status in queries.ACTIVE_REQUESTS and r.reason:
            notes.setdefault(queries.pair_of(r), []).append(r.reason)
    return {pair: "；".join(texts) for pair, texts in notes.items()}


# --- announcing changes ----------------------------------------------------------------
def _announce(event, before: dict, change: str) -> None:
    """After a publication: tell the participants whose meetings differ from ``before``."""
    if event.schedule_status == "draft":
        return
    after = _placements(event)
    affected = sorted(r for r in set(before) | set(after) if before.get(r) != after.get(r))
    if not affected:
        return
    for reg in db.session.scalars(sa.select(Registration).where(Registration.id.in_(affected))
                                  .options(joinedload(Registration.organization))):
        notify("schedule_published", organization_users(reg.organization),
               link=path_for("events.agenda", registration_id=reg.id), event=event,
               stage=event.schedule_status_label, change=change, registration=reg)


# --- hand edits ------------------------------------------------------------------------
def _int(raw) -> int | None:
    """A whole number from a form, 0 included (session and slot positions)."""
    return 0 if str(raw if raw is not None else "").strip() == "0" else as_id(raw)


def _place(event, data: dict) -> tuple[int, int, int]:
    """(session, slot, table — 0-based) from ``data["slot"]`` ("<session>-<slot>") and
    ``data["table"]`` (from 1)."""
    session = slot = None
    parts = str(data.get("slot") or "").strip().split("-")
    if len(parts) == 2:
        session, slot = _int(parts[0]), _int(parts[1])
    found = queries.sessions_by_position(event).get(session)
    if found is None or slot is None or slot >= found.slots:
        raise ValidationError("请选择本次活动的会谈时段。", field="slot")
    if slot in found.break_slots:
        raise ValidationError("该时段为休息时间，不安排会谈。", field="slot")
    table = _int(data.get("table"))
    if table is None or not 1 <= table <= event.tables:
        raise ValidationError(f"桌号应为 1—{event.tables} 的整数。", field="table")
    return session, slot, table - 1


def _participant(event, data: dict, name: str, side: str) -> Registration:
    ident = _int(data.get(name))
    reg = db.session.get(Registration, ident) if ident else None
    if reg is None or reg.event_id != event.id or not reg.is_confirmed or reg.side != side:
        label = "需求方" if side == "demand" else "供给方"
        raise ValidationError(f"请选择本次活动已确认参会的{label}。", field=name)
    return reg


def _check_free(event, demand, supply, place, ignore: Meeting | None = None) -> None:
    session, slot, table = place
    others = db.session.scalars(sa.select(Meeting).where(
        Meeting.event_id == event.id, Meeting.session == session, Meeting.slot == slot,
        Meeting.id != (ignore.id if ignore else -1))).all()
    if any(m.table_number == table for m in others):
        raise ValidationError(f"第 {table + 1} 桌在该时段已有会谈。", field="table")
    for reg in (demand, supply):
        if any(reg.id in (m.demand_id, m.supply_id) for m in others):
            raise ValidationError(f"“{reg.organization.name}”在该时段已有会谈。", field="slot")


def _store(meeting: Meeting) -> None:
    """Flush a placed meeting; a cell taken meanwhile (a racing edit) is a clear refusal."""
    try:
        with db.session.begin_nested():
            db.session.add(meeting)
            db.session.flush()
    except IntegrityError:
        raise ValidationError("该桌在该时段已有会谈，或双方已安排会谈。", field="table") from None


def _summary(meeting: Meeting) -> str:
    return (f"{meeting.event.title}：{meeting.demand.organization.name} ↔ "
            f"{meeting.supply.organization.name}")


def add_meeting(actor, event, data: dict) -> Meeting:
    """Add a meeting by hand (kind ``manual``): ``demand_id``, ``supply_id``, ``slot``,
    ``table``. The pair's best recommendation, if any, is kept as its reason."""
    _require_organizer(actor, event)
    _require_setup(event)
    demand = _participant(event, data, "demand_id", "demand")
    supply = _participant(event, data, "supply_id", "supply")
    place = _place(event, data)
    if db.session.scalar(sa.select(Meeting.id).where(
            Meeting.event_id == event.id, Meeting.demand_id == demand.id,
            Meeting.supply_id == supply.id)):
        raise ValidationError("双方已安排会谈。", field="supply_id")
    for reg, name in ((demand, "demand_id"), (supply, "supply_id")):
        held = db.session.scalar(sa.select(sa.func.count(Meeting.id)).where(
            Meeting.event_id == event.id,
            sa.or_(Meeting.demand_id == reg.id, Meeting.supply_id == reg.id)))
        if held >= event.meeting_limit:
            raise ValidationError(f"“{reg.organization.name}”的会谈已达上限"
                                  f"（{event.meeting_limit} 场）。", field=name)
    _check_free(event, demand, supply, place)
    before = _placements(event)
    rec = queries.pair_recommendations([demand, supply]).get((demand.id, supply.id))
    meeting = Meeting(event_id=event.id, demand_id=demand.id, supply_id=supply.id,
                      session=place[0], slot=place[1], table_number=place[2], kind="manual",
                      reason=reason_of(rec) if rec else "组织方安排")
    _fill_from(meeting, rec)
    _store(meeting)
    audit.record(actor, "meeting.create", meeting, summary=_summary(meeting),
                 after=audit.snapshot(meeting, Meeting.audit_fields))
    _announce(event, before, "组织方为您新增了一场会谈")
    return meeting


def move_meeting(actor, meeting: Meeting, data: dict) -> Meeting:
    """Move a meeting to ``data["slot"]`` and ``data["table"]`` (its kind is kept)."""
    event = meeting.event
    _require_organizer(actor, event)
    place = _place(event, data)
    if place == (meeting.session, meeting.slot, meeting.table_number):
        raise ValidationError("会谈已在该时段和桌号。", field="slot")
    _check_free(event, meeting.demand, meeting.supply, place, ignore=meeting)
    before_rows = _placements(event)
    before = audit.snapshot(meeting, Meeting.audit_fields)
    meeting.session, meeting.slot, meeting.table_number = place
    _store(meeting)
    audit.record(actor, "meeting.move", meeting, before=before, summary=_summary(meeting),
                 after=audit.snapshot(meeting, Meeting.audit_fields))
    _announce(event, before_rows, "组织方调整了您的一场会谈的时间或桌号")
    return meeting


def remove_meeting(actor, meeting: Meeting) -> None:
    """Remove a meeting from the schedule."""
    event = meeting.event
    _require_organizer(actor, event)
    before_rows = _placements(event)
    audit.record(actor, "meeting.remove", meeting, summary=_summary(meeting),
                 before=audit.snapshot(meeting, Meeting.audit_fields))
    db.session.delete(meeting)
    db.session.flush()
    _announce(event, before_rows, "组织方取消了您的一场会谈")


# --- publication -----------------------------------------------------------------------
def publish_schedule(actor, event, stage: str) -> int:
    """Publish the schedule as ``stage`` ("preliminary" | "final") and tell every
    participant's users. Returns how many participants were told."""
    _require_organizer(actor, event)
    if stage not in ("preliminary", "final"):
        raise ValidationError("请选择发布初步日程或最终日程。", field="stage")
    if not db.session.scalar(sa.select(Meeting.id).where(Meeting.event_id == event.id).limit(1)):
        raise IllegalTransition("还没有安排任何会谈，不能发布日程。")
    change_state(actor, event, stage, f"schedule_{stage}", transitions=SCHEDULE_TRANSITIONS,
                 labels=SCHEDULE_STATUSES, noun="会谈日程", field="schedule_status",
                 summary=event.title, schedule_published_at=utcnow())
    people = queries.participants(event)
    for reg in people:
        notify("schedule_published", organization_users(reg.organization),
               link=path_for("events.agenda", registration_id=reg.id), event=event,
               stage=event.schedule_status_label, change="", registration=reg)
    return len(people)
