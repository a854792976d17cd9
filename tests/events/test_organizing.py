"""Organizing an event through the services: editing it (audited before and after, seats
never below those taken, added seats offered on), what it is about and features, the
sessions of a 供需对接会, what a registration brings, check-in codes, the organizer's
decisions, notifications, and offers lapsing from the sync pass and the command line.
Bad input is refused in Chinese at its field with nothing changed."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.db import utcnow
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.events import services
from marketplace.events.models import Attendee, Event, EventSession, Registration
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.sync import steps
from marketplace.taxonomy.queries import field_by_name

ALPHABET = set(services.CODE_ALPHABET)


def rows() -> dict:
    """Row counts of what these services change."""
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Event, EventSession, Registration, Attendee, AuditLog, Notification)}


def notes(org) -> list[Notification]:
    ids = [u.id for u in org.users]
    return db.session.scalars(sa.select(Notification).where(
        Notification.user_id.in_(ids), Notification.event == "registration_changed")
        .order_by(Notification.id)).all()


def edited(event: Event, **overrides) -> dict:
    data = {name: getattr(event, name) for name in (
        "kind", "title", "summary", "region_code", "venue", "online_url", "starts_at",
        "ends_at", "registration_opens_at", "registration_closes_at", "themes")}
    data.update(capacity=str(event.capacity), offer_hours=str(event.offer_hours))
    data.update(overrides)
    return data


def test_update_is_audited_with_before_and_after(ctx, make):
    admin = make.admin()
    event = make.event(admin)
    field = field_by_name("交通出行")
    services.update_event(admin, event, edited(event, title="改名后的对接会",
                                               field_ids=[str(field.id)],
                                               themes="城市治理，低空经济  数据要素"))
    assert event.theme_list == ["城市治理", "低空经济", "数据要素"]
    entry = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "event.update")).one()
    assert entry.before["title"] == "数字经济供需对接会" and entry.before["fields"] == []
    assert entry.after["title"] == "改名后的对接会" and entry.after["fields"] == [field.id]


def test_capacity_never_drops_below_the_seats_taken_and_added_seats_are_offered(ctx, make):
    admin = make.admin()
    event = make.event(admin, capacity="2")
    make.registration(event, make.org(), names=("甲", "乙"))
    waiting_org = make.org("department")
    waiting = make.registration(event, waiting_org, names=("丙",))
    assert waiting.status == "waitlisted"
    before = rows()
    with pytest.raises(ValidationError) as refused:
        services.update_event(admin, event, edited(event, capacity="1"))
    assert refused.value.errors == {"capacity": "已有 2 个座位被占用，名额不能少于 2。"}
    db.session.rollback()
    assert rows() == before
    services.update_event(admin, event, edited(event, capacity="3"))
    assert waiting.status == "offered" and waiting.offered_until is not None
    assert [n.title for n in notes(waiting_org)][-1].startswith("活动报名获得递补名额")


@pytest.mark.parametrize("overrides, errors", [
    ({"themes": "、".join("主题" + str(i) for i in range(9))},
     {"themes": "主题标签最多 8 个（当前 9 个）。"}),
    ({"field_ids": ["1", "abc"]}, {"field_ids": "请选择有效的场景领域（二级领域）。"}),
    ({"release_ids": ["2147483648"]}, {"release_ids": "只能选择已发布的清单批次。"}),
    ({"online_url": "javascript:alert(1)"}, {"online_url": "线上链接应以 http:// 或 https:// 开头。"}),
    ({"kind": "matchmaking", "slot_minutes": "25", "tables": "-1"},
     {"slot_minutes": "请选择每个时段的时长。", "tables": "洽谈桌数应为 0—500 的整数。"}),
])
def test_bad_event_input_changes_nothing(ctx, make, overrides, errors):
    admin = make.admin()
    before = rows()
    with pytest.raises(ValidationError) as refused:
        services.create_event(admin, make.event_data(**overrides))
    assert refused.value.errors == errors
    assert rows() == before


def test_featured_listings_must_be_public(ctx, make):
    department = make.org("department")
    draft = make.opportunity(department)
    closed = make.opportunity(department, "closed")
    with pytest.raises(ValidationError, match="只能选择已发布"):
        services.create_event(make.admin(), make.event_data(opportunity_ids=[str(draft.id)]))
    event = services.create_event(make.admin(), make.event_data(
        opportunity_ids=[str(closed.id)], release_ids=[str(closed.release_id)]))
    assert event.featured_opportunities == [closed]
    assert [r.id for r in event.featured_releases] == [closed.release_id]


def test_sessions_lie_within_the_event_and_do_not_overlap(ctx, make):
    admin = make.admin()
    data = make.event_data()
    start = data["starts_at"]

    def session(minutes_in, slots, breaks=""):
        return {"starts_at": start + timedelta(minutes=minutes_in), "slots": str(slots),
                "breaks": breaks}
    for sessions, message in [
        ([session(0, 49)], "第 1 场：时段数应为 1—48 的整数。"),
        ([session(0, 4, "5")], "第 1 场：休息时段应为 1—4 之间的序号。"),
        ([session(0, 2, "1、2")], "第 1 场：至少要留一个洽谈时段。"),
        ([session(-20, 3)], "第 1 场应在活动的开始和结束时间之内。"),
        ([session(0, 13)], "第 1 场应在活动的开始和结束时间之内。"),  # 13 × 20 > 4 hours
        ([session(60, 3), session(0, 4)], "第 2 场与第 1 场时间重叠。"),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.create_event(admin, {**data, "sessions": sessions})
        assert refused.value.errors == {"sessions": message}
    event = services.create_event(admin, {**data, "slot_minutes": "30", "sessions": [
        session(0, 4, "3"), session(120, 4)]})
    assert [(s.position, s.slots, s.break_slots) for s in event.sessions] == [
        (0, 4, (2,)), (1, 4, ())]
    services.update_event(admin, event, {**edited(event), "kind": "matchmaking",
                                         "slot_minutes": "30",
                                         "sessions": [session(30, 2)]})
    db.session.flush()
    assert [(s.position, s.starts_at, s.slots) for s in db.session.scalars(
        sa.select(EventSession).where(EventSession.event_id == event.id))] == [
        (0, start + timedelta(minutes=30), 2)]


def test_a_registration_brings_its_own_published_listings(ctx, make):
    event = make.event()
    department, other = make.org("department"), make.org("department")
    own = make.opportunity(department, "published")
    draft = make.opportunity(department)
    theirs = make.opportunity(other, "published")
    before = rows()
    for wrong in (theirs, draft):
        with pytest.raises(ValidationError) as refused:
            services.register(department.users[0], event, {
                "attendees": [{"name": "王五"}], "listing_ids": [str(wrong.id)]})
        assert refused.value.errors == {"listing_ids": "只能选择本单位已发布的机会清单。"}
    assert rows() == before
    registration = make.registration(event, department, listing_ids=[str(own.id)])
    assert registration.opportunities == [own] and registration.listings == [own]


def test_every_attendee_gets_a_unique_unambiguous_code(ctx, make):
    event = make.event()
    registrations = [make.registration(event, make.org(), names=[f"人{i}{j}" for j in range(10)])
                     for i in range(3)]
    codes = [a.code for r in registrations for a in r.attendees]
    assert len(codes) == 30 and len(set(codes)) == 30
    assert all(len(c) == 6 and set(c) <= ALPHABET for c in codes)


def test_a_second_registration_changes_nothing(ctx, make):
    event = make.event()
    org = make.org()
    make.registration(event, org)
    before = rows()
    with pytest.raises(IllegalTransition, match="本单位已报名该活动"):
        services.register(make.member(org), event, {"attendees": [{"name": "钱七"}]})
    assert rows() == {**before, "Attendee": before["Attendee"]}


def test_approve_and_decline_are_audited_and_notified(ctx, make):
    admin = make.region_admin("360113")
    event = make.event(admin, capacity="1", requires_approval="1")
    first, second = make.org(), make.org("department")
    pending = make.registration(event, first)
    waiting = make.registration(event, second)
    assert (pending.status, waiting.status) == ("pending", "waitlisted")
    assert notes(first)[0].title == "活动报名已提交：「数字经济供需对接会」"
    with pytest.raises(PermissionDenied):
        services.approve(make.region_admin("360103"), pending)
    before = rows()
    with pytest.raises(ValidationError) as refused:
        services.decline(admin, pending, "  ")
    assert refused.value.field == "reason" and rows() == before
    services.decline(admin, pending, "本次仅限本区单位")
    assert pending.status == "declined" and pending.decline_reason == "本次仅限本区单位"
    assert "原因：本次仅限本区单位" in notes(first)[-1].body
    for note in notes(first) + notes(second):
        assert not any(leak in note.title + note.body for leak in ("None", "{{", "\n\n\n"))
    assert waiting.status == "offered"  # the seat passed on
    services.move(admin, waiting, "confirmed")
    assert waiting.status == "confirmed" and waiting.offered_until is None
    actions = db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.object_type == "registration").order_by(AuditLog.id)).all()
    assert actions == ["registration.create", "registration.create", "registration.decline",
                       "registration.offer", "registration.move"]
    with pytest.raises(IllegalTransition):
        services.approve(admin, pending)


def test_moving_by_hand(ctx, make):
    admin = make.admin()
    event = make.event(admin, capacity="2")
    holder = make.registration(event, make.org(), names=("甲", "乙"))
    first = make.registration(event, make.org(), names=("丙", "丁"))
    second = make.registration(event, make.org(), names=("戊",))
    before = rows()
    with pytest.raises(ValidationError, match="剩余名额 0 个，该单位需要 1 个"):
        services.move(admin, second, "confirmed")
    with pytest.raises(ValidationError, match="只能把候补中的报名"):
        services.move(admin, holder, "waitlisted")  # a confirmed seat stays promised
    assert rows() == before
    services.cancel(admin, holder)
    assert first.status == "offered" and second.status == "waitlisted"
    services.move(admin, first, "waitlisted")  # the offer taken back: the next one is offered
    assert first.status == "waitlisted" and second.status == "offered"
    services.move(admin, second, "confirmed")  # ahead of the first in line
    assert second.status == "confirmed" and second.offered_until is None
    with pytest.raises(ValidationError, match="剩余名额 1 个，该单位需要 2 个"):
        services.move(admin, first, "offered")
    assert first.status == "waitlisted"


def test_offers_lapse_from_the_sync_pass(ctx, make, index):
    event = make.event(capacity="1", offer_hours="1")
    holder, late = make.org(), make.org()
    seat = make.registration(event, holder)
    waiting = make.registration(event, late)
    services.cancel(holder.users[0], seat)
    waiting.offered_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = steps.sync_step()
    assert result.lapsed_offers == 1
    assert db.session.get(Registration, waiting.id).status == "cancelled"
    assert notes(late)[-1].title.startswith("活动报名递补名额已失效")
    entry = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.action == "registration.offer_lapse")).one()
    assert entry.actor_id is None and entry.actor_label == "系统"


def test_flask_events_expire_offers(app, ctx, make):
    event = make.event(capacity="1")
    holder, first, second = make.org(), make.org(), make.org()
    seat = make.registration(event, holder)
    lapsing = make.registration(event, first)
    following = make.registration(event, second)
    services.cancel(holder.users[0], seat)
    lapsing.offered_until = utcnow() - timedelta(hours=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["events", "expire-offers"])
    assert result.exit_code == 0 and "已处理 1 个" in result.output
    assert db.session.get(Registration, lapsing.id).status == "cancelled"
    assert db.session.get(Registration, following.id).status == "offered"
