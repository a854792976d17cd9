"""Events and registration: seats, the waiting list and its offers, the window, one
registration per organization, and seats holding exactly under concurrent registrations."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.audit import AuditLog
from marketplace.db import utcnow
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.events import services
from marketplace.events.models import Event, Registration
from marketplace.extensions import db
from tests.concurrency import run_together
from tests.factories import Factory


def event_data(**overrides) -> dict:
    """A 场景沙龙 of three seats (the factory's event otherwise)."""
    return Factory.event_data(**{"kind": "salon", "title": "智慧城市场景沙龙", "capacity": "3",
                                 "summary": "", **overrides})


def people(*names) -> dict:
    return {"attendees": [{"name": name, "title": "经理"} for name in names]}


def test_an_event_is_created_and_audited(ctx, make):
    admin = make.admin()
    event = services.create_event(admin, event_data())
    assert event.kind_label == "场景沙龙" and event.capacity == 3
    assert db.session.scalar(sa.select(AuditLog.action).where(
        AuditLog.object_type == "event")) == "event.create"


def test_bad_event_input_is_reported_at_its_fields(ctx, make):
    now = utcnow()
    with pytest.raises(ValidationError) as refused:
        services.create_event(make.admin(), event_data(kind="party", title="", capacity="0",
                                                       starts_at="明天"))
    assert refused.value.errors == {"kind": "请选择活动类型。", "title": "请填写活动名称。",
                                    "starts_at": "请填写开始时间，格式如 2026-12-31 09:00。",
                                    "capacity": "名额应为 1—10000 的整数。"}
    with pytest.raises(ValidationError, match="报名应在活动开始前截止"):
        services.create_event(make.admin(), event_data(
            registration_closes_at=now + timedelta(days=11)))
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0


def test_a_region_administrator_organizes_only_in_its_subtree(ctx, make):
    honggutan = make.region_admin("360113")
    assert services.create_event(honggutan, event_data()).region_code == "360113"
    with pytest.raises(PermissionDenied):
        services.create_event(honggutan, event_data(region_code="360103"))
    with pytest.raises(PermissionDenied):
        services.create_event(make.org().users[0], event_data())


def test_seats_then_the_waiting_list_then_offers(ctx, make):
    event = services.create_event(make.admin(), event_data())
    first, second, third = make.org(), make.org("department"), make.org()
    a = services.register(first.users[0], event, people("张三", "李四"))
    b = services.register(second.users[0], event, people("王五"))
    c = services.register(third.users[0], event, people("赵六"))
    assert (a.status, b.status, c.status) == ("confirmed", "confirmed", "waitlisted")
    assert (a.side, b.side) == ("supply", "demand")
    with pytest.raises(IllegalTransition, match="本单位已报名该活动"):
        services.register(make.member(first), event, people("钱七"))
    services.cancel(first.users[0], a)
    assert a.status == "cancelled" and c.status == "offered"
    assert c.offered_until > utcnow() + timedelta(hours=23)
    services.confirm_offer(third.users[0], c)
    assert c.status == "confirmed" and c.offered_until is None


def test_an_offer_that_runs_out_passes_to_the_next(ctx, make):
    event = services.create_event(make.admin(), event_data(capacity="1", offer_hours="2"))
    holder, late, later = make.org(), make.org(), make.org()
    seat = services.register(holder.users[0], event, people("甲"))
    waiting = services.register(late.users[0], event, people("乙"))
    next_one = services.register(later.users[0], event, people("丙"))
    services.cancel(holder.users[0], seat)
    assert waiting.status == "offered" and next_one.status == "waitlisted"
    three_hours_later = utcnow() + timedelta(hours=3)
    with pytest.raises(IllegalTransition, match="确认时限已过"):
        services.confirm_offer(late.users[0], waiting, now=three_hours_later)
    assert services.expire_offers(make.admin(), event, now=three_hours_later) == 1
    assert waiting.status == "cancelled" and next_one.status == "offered"


def test_registration_outside_the_window_or_unverified_is_refused(ctx, make):
    now = utcnow()
    event = services.create_event(make.admin(), event_data(
        registration_opens_at=now + timedelta(days=1)))
    with pytest.raises(IllegalTransition, match="报名尚未开始"):
        services.register(make.org().users[0], event, people("甲"))
    with pytest.raises(IllegalTransition, match="报名已截止"):
        services.register(make.org().users[0], event, people("甲"),
                          now=event.registration_closes_at)
    with pytest.raises(PermissionDenied):
        services.register(make.org(status="pending").users[0], event, people("甲"))
    with pytest.raises(ValidationError, match="请至少填写一名参会人员"):
        services.register(make.org().users[0], event, {"attendees": [{"name": " "}]})
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0


def test_only_its_organization_or_an_organizer_cancels(ctx, make):
    event = services.create_event(make.admin(), event_data())
    registration = services.register(make.org().users[0], event, people("甲"))
    with pytest.raises(PermissionDenied):
        services.cancel(make.org().users[0], registration)
    services.cancel(make.region_admin("360113"), registration)
    assert registration.status == "cancelled"


def test_fifty_simultaneous_registrations_for_twenty_seats(own_app, make):
    """Real threads, sessions and connections on a real database (SQLite here, PostgreSQL
    under tests.postgres): exactly 20 seats taken, the other 30 wait in line."""
    with own_app.app_context():
        event = services.create_event(make.admin(), event_data(capacity="20"))
        db.session.commit()
        event_id = event.id
        users = [make.org().users[0].id for _ in range(50)]
        db.session.remove()

    results = run_together(own_app, lambda user_id: services.register(
        db.session.get(User, user_id), db.session.get(Event, event_id), people("参会人")),
        users)
    assert not [r for r in results if isinstance(r, Exception)], results
    with own_app.app_context():
        statuses = db.session.scalars(sa.select(Registration.status).where(
            Registration.event_id == event_id)).all()
    assert sorted(statuses).count("confirmed") == 20
    assert sorted(statuses).count("waitlisted") == 30


def test_no_cancelling_once_the_event_has_begun(ctx, make):
    event = services.create_event(make.admin(), event_data(capacity="5"))
    user = make.org().users[0]
    registration = services.register(user, event, people("甲"))
    with pytest.raises(IllegalTransition, match="活动已开始"):
        services.cancel(user, registration, now=event.starts_at + timedelta(minutes=1))
    assert registration.status == "confirmed"
    services.cancel(user, registration, now=event.starts_at - timedelta(minutes=1))
    assert registration.status == "cancelled"
