"""Building, editing and publishing the 1:1 meeting schedule (real database)."""
from collections import Counter

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.events import meeting_schedule as schedule
from marketplace.events import meetings
from marketplace.events.models import Meeting
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests.events.meeting_world import Fair, meetings_of


def ask(fair, sender, recipient, accept=False):
    request = meetings.request_meeting(fair.user(sender), sender,
                                       {"recipient_id": str(recipient.id), "reason": "约见"})
    if accept:
        meetings.answer_request(fair.user(recipient), request, "accept")
    db.session.commit()
    return request


def build(fair):
    result = schedule.build_schedule(fair.admin, fair.event)
    db.session.commit()
    return result


def assert_valid(event):
    """Over the stored rows: nobody and no table twice in a slot, limits, breaks, pairs."""
    rows = meetings_of(event)
    breaks = {(s.position, b) for s in event.sessions for b in s.break_slots}
    sizes = {s.position: s.slots for s in event.sessions}
    people = Counter()
    for m in rows:
        assert (m.session, m.slot) not in breaks and 0 <= m.slot < sizes[m.session]
        assert 0 <= m.table_number < event.tables
        people.update((m.demand_id, m.supply_id))
    assert len({(m.session, m.slot, m.table_number) for m in rows}) == len(rows)
    assert len({(m.demand_id, m.supply_id) for m in rows}) == len(rows)
    for who in (lambda m: m.demand_id, lambda m: m.supply_id):
        assert len({(who(m), m.session, m.slot) for m in rows}) == len(rows)
    assert all(count <= event.meeting_limit for count in people.values())
    return rows


def pairs(rows):
    return {(m.demand_id, m.supply_id): m for m in rows}


def notes(fair, registration, event_name="schedule_published"):
    return db.session.scalars(sa.select(Notification).where(
        Notification.user_id == fair.user(registration).id,
        Notification.event == event_name)).all()


# --- building ------------------------------------------------------------------------------
def test_accepted_and_mutual_requests_come_before_better_scored_suggestions(make):
    # Room for two meetings in all (two slots, one table), and the best-scoring pairs are
    # not the requested ones.
    fair = Fair(make, demand=2, supply=2, sessions=((2, ""),), tables=1, limit=2,
                scores={(0, 1): 0.9, (1, 0): 0.9, (0, 0): 0.2, (1, 1): 0.1})
    (d0, d1), (s0, s1) = fair.demand, fair.supply
    ask(fair, s0, d0, accept=True)  # accepted
    ask(fair, d1, s1)
    ask(fair, s1, d1)  # mutual: both asked, nobody accepted yet
    result = build(fair)
    rows = assert_valid(fair.event)
    assert set(pairs(rows)) == {(d0.id, s0.id), (d1.id, s1.id)}
    assert all(m.kind == "request" and m.reason.startswith("双方约见") for m in rows)
    assert (result.requests_placed, result.requests_total, result.unplaced) == (2, 2, [])
    assert pairs(rows)[(d0.id, s0.id)].score == pytest.approx(0.2)


def test_free_slots_go_to_the_best_pairs_with_their_evidence(make):
    fair = Fair(make, demand=2, supply=2, sessions=((3, "1"),), tables=2, limit=1,
                scores={(0, 0): 0.3, (0, 1): 0.8, (1, 0): 0.7, (1, 1): 0.2})
    build(fair)
    rows = assert_valid(fair.event)
    (d0, d1), (s0, s1) = fair.demand, fair.supply
    found = pairs(rows)
    assert set(found) == {(d0.id, s1.id), (d1.id, s0.id)}
    best = found[(d0.id, s1.id)]
    assert best.kind == "suggested" and best.score == pytest.approx(0.8)
    assert best.opportunity_id == fair.opportunities[0].id
    assert best.product_id == fair.products[1].id
    assert "共同关键词：停车" in best.reason and best.evidence["terms"] == ["停车"]
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "event.schedule_build"))


def test_a_bigger_fair_never_double_books(make):
    scores = {(i, j): round(0.1 + ((i * 7 + j * 3) % 10) / 20, 2)
              for i in range(4) for j in range(5)}
    fair = Fair(make, demand=4, supply=5, sessions=((5, "2"), (3, "")), tables=3, limit=3,
                scores=scores)
    ask(fair, fair.supply[0], fair.demand[0], accept=True)
    ask(fair, fair.supply[1], fair.demand[0], accept=True)
    build(fair)
    rows = assert_valid(fair.event)
    assert len(rows) > 6
    assert {(fair.demand[0].id, fair.supply[0].id),
            (fair.demand[0].id, fair.supply[1].id)} <= set(pairs(rows))


def test_a_rebuild_keeps_meetings_added_by_hand_and_replaces_the_rest(make):
    fair = Fair(make, demand=2, supply=2, sessions=((3, ""),), tables=2, limit=2,
                scores={(0, 0): 0.9, (1, 1): 0.8, (0, 1): 0.5})
    (d0, d1), (s0, s1) = fair.demand, fair.supply
    build(fair)
    before = meetings_of(fair.event)
    busy = {(r, m.slot) for m in before for r in (m.demand_id, m.supply_id)}
    cells = {(m.slot, m.table_number) for m in before}
    slot, table = next((k, t) for k in range(3) for t in range(2) if (k, t) not in cells
                       and (d1.id, k) not in busy and (s0.id, k) not in busy)
    hand = schedule.add_meeting(fair.admin, fair.event, {
        "demand_id": str(d1.id), "supply_id": str(s0.id), "slot": f"0-{slot}",
        "table": str(table + 1)})
    db.session.commit()
    build(fair)
    rows = assert_valid(fair.event)
    kept = pairs(rows)[(d1.id, s0.id)]
    assert (kept.id, kept.kind, kept.slot, kept.table_number) == (hand.id, "manual", slot, table)
    assert {(d0.id, s0.id), (d1.id, s1.id), (d0.id, s1.id)} <= set(pairs(rows))
    assert not {m.id for m in before} & {m.id for m in rows if m.kind != "manual"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_fairs_with_requests_and_hand_made_meetings_stay_valid(make, seed):
    import random
    rng = random.Random(seed)
    scores = {(i, j): round(rng.uniform(0.05, 0.95), 2)
              for i in range(3) for j in range(4) if rng.random() < 0.7}
    fair = Fair(make, demand=3, supply=4, sessions=((4, "1"), (3, "")), tables=2,
                limit=rng.choice([1, 2, 3]), scores=scores)
    for d in fair.demand:
        for s in fair.supply:
            if rng.random() < 0.25:
                try:
                    ask(fair, s, d, accept=rng.random() < 0.5)
                except IllegalTransition:  # a limit reached: refused, nothing changed
                    db.session.rollback()
    schedule.add_meeting(fair.admin, fair.event, {
        "demand_id": str(fair.demand[0].id), "supply_id": str(fair.supply[3].id),
        "slot": "1-2", "table": "2"})
    db.session.commit()
    result = build(fair)
    rows = assert_valid(fair.event)
    assert any(m.kind == "manual" and (m.session, m.slot, m.table_number) == (1, 2, 1)
               for m in rows)
    assert result.meetings == len(rows)
    assert result.requests_placed + len(result.unplaced) == result.requests_total


def test_build_refused_without_settings_by_non_organizers_and_after_the_final(make):
    fair = Fair(make, tables=0)
    with pytest.raises(IllegalTransition, match="请先设置"):
        build(fair)
    db.session.rollback()
    fair.event.tables = 2
    db.session.commit()
    other = make.region_admin("360103")
    with pytest.raises(PermissionDenied):
        schedule.build_schedule(other, fair.event)
    with pytest.raises(PermissionDenied):
        schedule.build_schedule(fair.user(fair.demand[0]), fair.event)
    db.session.rollback()
    schedule.build_schedule(make.region_admin("360113"), fair.event)  # in scope
    fair.event.schedule_status = "final"
    db.session.commit()
    with pytest.raises(IllegalTransition, match="最终日程已发布"):
        build(fair)


# --- hand edits ------------------------------------------------------------------------------
@pytest.fixture
def placed(make):
    """Two meetings in slot 0 (tables 1 and 2); slot 1 is a break."""
    fair = Fair(make, demand=3, supply=3, sessions=((4, "1"),), tables=2, limit=2)
    (d0, d1, _), (s0, s1, _) = fair.demand, fair.supply
    for d, s, table in ((d0, s0, "1"), (d1, s1, "2")):
        schedule.add_meeting(fair.admin, fair.event, {"demand_id": str(d.id),
                                                      "supply_id": str(s.id),
                                                      "slot": "0-0", "table": table})
    db.session.commit()
    return fair


def snapshot():
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        sa.select(Meeting.id, Meeting.demand_id, Meeting.supply_id, Meeting.session,
                  Meeting.slot, Meeting.table_number).order_by(Meeting.id))]


@pytest.mark.parametrize("data, field, message", [
    ({"slot": "0-0", "table": "1"}, "table", "第 1 桌在该时段已有会谈"),
    ({"slot": "0-1", "table": "1"}, "slot", "休息时间"),
    ({"slot": "0-9", "table": "1"}, "slot", "请选择本次活动的会谈时段"),
    ({"slot": "3-0", "table": "1"}, "slot", "请选择本次活动的会谈时段"),
    ({"slot": "x", "table": "1"}, "slot", "请选择本次活动的会谈时段"),
    ({"slot": "0-2", "table": "3"}, "table", "桌号应为 1—2"),
    ({"slot": "0-2", "table": "99999999999999999999999"}, "table", "桌号应为 1—2"),
    ({"slot": "0-2"}, "table", "桌号应为 1—2"),
])
def test_bad_moves_are_refused_at_the_field_and_change_nothing(placed, data, field, message):
    moving = meetings_of(placed.event)[1]  # table 2, slot 0
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        schedule.move_meeting(placed.admin, moving, data)
    db.session.rollback()
    assert message in error.value.message and error.value.field == field
    assert snapshot() == before


def test_a_move_into_a_slot_where_a_side_is_busy_is_refused(placed):
    fair = placed
    (d0, _, d2), (s0, s1, s2) = fair.demand, fair.supply
    schedule.add_meeting(fair.admin, fair.event, {"demand_id": str(d2.id),
                                                  "supply_id": str(s2.id),
                                                  "slot": "0-2", "table": "1"})
    schedule.add_meeting(fair.admin, fair.event, {"demand_id": str(d0.id),
                                                  "supply_id": str(s1.id),
                                                  "slot": "0-3", "table": "1"})
    db.session.commit()
    first = pairs(meetings_of(fair.event))[(d0.id, s0.id)]
    before = snapshot()
    with pytest.raises(ValidationError, match=f"“{fair.departments[0].name}”在该时段已有会谈"):
        schedule.move_meeting(fair.admin, first, {"slot": "0-3", "table": "2"})
    db.session.rollback()
    assert snapshot() == before
    schedule.move_meeting(fair.admin, first, {"slot": "0-2", "table": "2"})
    db.session.commit()
    moved = db.session.get(Meeting, first.id)
    assert (moved.slot, moved.table_number) == (2, 1)
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "meeting.move",
                                                       AuditLog.object_id == first.id))


@pytest.mark.parametrize("change, field, message", [
    ({"demand_id": "d0", "supply_id": "s0", "slot": "0-2"}, "supply_id", "双方已安排会谈"),
    ({"demand_id": "s2", "supply_id": "s0", "slot": "0-2"}, "demand_id", "已确认参会的需求方"),
    ({"demand_id": "d2", "supply_id": "999999999999999999999999"}, "supply_id", "已确认参会的供给方"),
    ({"demand_id": "d0", "supply_id": "s2", "slot": "0-0"}, "table", "第 1 桌在该时段已有会谈"),
    ({"demand_id": "d0", "supply_id": "s2", "slot": "0-0", "table": "2"}, "table",
     "第 2 桌在该时段已有会谈"),
    ({"demand_id": "d2", "supply_id": "s0", "slot": "0-1"}, "slot", "休息时间"),
])
def test_bad_additions_are_refused_and_change_nothing(placed, change, field, message):
    names = {"d0": placed.demand[0], "d2": placed.demand[2], "s0": placed.supply[0],
             "s2": placed.supply[2]}
    data = {"slot": "0-2", "table": "1"}
    data.update({k: str(names[v].id) if v in names else v for k, v in change.items()})
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        schedule.add_meeting(placed.admin, placed.event, data)
    db.session.rollback()
    assert message in error.value.message and error.value.field == field
    assert snapshot() == before


def test_an_addition_beyond_a_participants_limit_is_refused(placed):
    fair = placed
    (d0, _, _), (_, s1, s2) = fair.demand, fair.supply
    schedule.add_meeting(fair.admin, fair.event, {"demand_id": str(d0.id),
                                                  "supply_id": str(s1.id),
                                                  "slot": "0-2", "table": "1"})
    db.session.commit()
    before = snapshot()
    with pytest.raises(ValidationError, match="会谈已达上限（2 场）") as error:
        schedule.add_meeting(fair.admin, fair.event, {"demand_id": str(d0.id),
                                                      "supply_id": str(s2.id),
                                                      "slot": "0-3", "table": "1"})
    db.session.rollback()
    assert error.value.field == "demand_id" and snapshot() == before


# --- publication and changes after it -------------------------------------------------------
def test_publishing_tells_every_participant_and_later_changes_tell_those_affected(placed):
    fair = placed
    (d0, d1, d2), (s0, s1, s2) = fair.demand, fair.supply
    assert schedule.publish_schedule(fair.admin, fair.event, "preliminary") == 6
    db.session.commit()
    assert fair.event.schedule_status == "preliminary" and fair.event.schedule_published_at
    for registration in fair.demand + fair.supply:
        [note] = notes(fair, registration)
        assert "发布了初步日程" in note.title
        assert note.link == f"/events/registrations/{registration.id}/agenda"
    moving = pairs(meetings_of(fair.event))[(d0.id, s0.id)]
    schedule.move_meeting(fair.admin, moving, {"slot": "0-2", "table": "1"})
    db.session.commit()
    for registration, count in ((d0, 2), (s0, 2), (d1, 1), (s1, 1), (d2, 1)):
        assert len(notes(fair, registration)) == count, registration
    [_, change] = notes(fair, d0)
    assert "会谈日程有变化" in change.title and "调整了您的一场会谈" in change.body
    schedule.publish_schedule(fair.admin, fair.event, "final")
    db.session.commit()
    assert "发布了最终日程" in notes(fair, d2)[-1].title
    assert db.session.scalar(sa.select(AuditLog).where(
        AuditLog.action == "event.schedule_final"))


def test_publishing_is_refused_out_of_order_or_with_nothing_scheduled(make, placed):
    with pytest.raises(ValidationError):
        schedule.publish_schedule(placed.admin, placed.event, "draft")
    schedule.publish_schedule(placed.admin, placed.event, "final")
    db.session.commit()
    with pytest.raises(IllegalTransition, match="最终日程"):
        schedule.publish_schedule(placed.admin, placed.event, "preliminary")
    db.session.rollback()
    empty = Fair(make, demand=1, supply=1)
    with pytest.raises(IllegalTransition, match="还没有安排任何会谈"):
        schedule.publish_schedule(empty.admin, empty.event, "preliminary")
