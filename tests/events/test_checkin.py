"""Check-in at the door: signed QR tokens (round trip; forged, expired and other events'
refused with nothing changed), short codes, double check-in with the time of the first,
registrations that are not confirmed, counts, undo, and exactly one success when two
staff check the same person in at once (real threads on a real database)."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from marketplace.accounts.models import User
from marketplace.audit import AuditLog
from marketplace.errors import PermissionDenied, ValidationError
from marketplace.events import checkin
from marketplace.events.checkin import CheckinRefused
from marketplace.events.checkin_pages import counts, recent_checkins
from marketplace.events.models import Attendee, Event
from marketplace.extensions import db
from tests.concurrency import run_together
from tests.events.checkin_helpers import give_codes, registered


@pytest.fixture
def day(make):
    """An event, a confirmed enterprise with two attendees, an organizer."""
    event = make.event(kind="roadshow", title="数字经济产品路演")
    registration = registered(make, event, make.org(name="洪都智能科技有限公司"),
                              ("张三", "李四"))
    return event, registration, make.region_admin("360113")


def state():
    """What a refused check-in must leave as it was."""
    return (db.session.execute(sa.select(Attendee.id, Attendee.checked_in_at,
                                         Attendee.checked_in_by_id)
                               .order_by(Attendee.id)).all(),
            db.session.scalar(sa.select(sa.func.count(AuditLog.id))))


def at(event, hours: float) -> datetime:
    return event.starts_at + timedelta(hours=hours)


# --- tokens ----------------------------------------------------------------------------
def test_a_token_names_its_attendee_and_event(app, day):
    event, registration, _ = day
    zhang = registration.attendees[0]
    token = checkin.make_token(zhang)
    assert checkin.read_token(event, token, at(event, 1)) == zhang.id
    assert checkin.token_in(f"http://127.0.0.1/events/{event.id}/checkin?t={token}") == token


@pytest.mark.parametrize("tamper, message", [
    (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "二维码无效"),
    (lambda t: "不是二维码", "二维码无效"),
    (lambda t: URLSafeTimedSerializer("another-key", salt="event-checkin").dumps(
        {"a": 1, "e": 1}), "二维码无效"),
    (lambda t: URLSafeTimedSerializer("test-secret-key", salt="password-reset").dumps(
        {"a": 1, "e": 1}), "二维码无效"),
])
def test_forged_tokens_are_refused_and_nothing_changes(app, day, tamper, message):
    event, registration, staff = day
    token = tamper(checkin.make_token(registration.attendees[0]))
    before = state()
    with pytest.raises(CheckinRefused, match=message):
        checkin.check_in(staff, event, token=token, now=at(event, 1))
    assert state() == before


def test_a_token_expires_when_the_event_is_over(app, day):
    event, registration, staff = day
    token = checkin.make_token(registration.attendees[0])
    before = state()
    late = event.ends_at + checkin.GRACE + timedelta(minutes=1)
    with pytest.raises(CheckinRefused, match="二维码已过期"):
        checkin.check_in(staff, event, token=token, now=late)
    assert state() == before
    # Within the grace after the end it still opens the door.
    assert checkin.check_in(staff, event, token=token,
                            now=event.ends_at + timedelta(hours=1)).is_checked_in


def test_a_token_past_its_maximum_age_is_expired(app, day, monkeypatch):
    event, registration, staff = day
    token = checkin.make_token(registration.attendees[0])
    monkeypatch.setattr(checkin, "TOKEN_MAX_AGE", timedelta(seconds=-1))
    with pytest.raises(CheckinRefused, match="二维码已过期"):
        checkin.check_in(staff, event, token=token, now=at(event, 1))


def test_a_token_of_another_event_is_refused(app, make, day):
    event, _, staff = day
    other = make.event(title="另一场对接会")
    stranger = registered(make, other, make.org(), ("王五",))
    before = state()
    with pytest.raises(CheckinRefused, match="该二维码不属于本活动"):
        checkin.check_in(staff, event, token=checkin.make_token(stranger.attendees[0]),
                         now=at(event, 1))
    assert state() == before


def test_a_scanned_ticket_checks_in_and_is_audited(app, day):
    event, registration, staff = day
    li = registration.attendees[1]
    url = f"http://127.0.0.1/events/{event.id}/checkin?t={checkin.make_token(li)}"
    # A keyboard-wedge scanner types the whole URL into the code field.
    checkin.check_in(staff, event, code=url, now=at(event, 1))
    assert li.checked_in_at == at(event, 1) and li.checked_in_by_id == staff.id
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "attendee.checkin"))
    assert entry.object_id == li.id and entry.after["method"] == "qr"
    assert "李四（洪都智能科技有限公司）" in entry.summary


# --- short codes -----------------------------------------------------------------------
def test_a_short_code_is_read_case_and_space_insensitively(app, day):
    event, registration, staff = day
    zhang = registration.attendees[0]
    typed = " " + " ".join(zhang.code.lower()[:3]) + "-" + zhang.code[3:].lower() + " "
    assert checkin.normalise_code(typed) == zhang.code
    assert checkin.normalise_code("ＡＢ３　Ｋ７Ｑ") == "AB3K7Q"  # full-width, IME input
    attendee = checkin.check_in(staff, event, code=typed, now=at(event, 1))
    assert attendee.id == zhang.id and attendee.is_checked_in
    assert db.session.scalar(sa.select(AuditLog.after).where(
        AuditLog.action == "attendee.checkin"))["method"] == "code"


def test_a_second_check_in_is_refused_with_the_time_of_the_first(app, make, day):
    event, registration, staff = day
    zhang = registration.attendees[0]
    first = datetime(2026, 12, 15, 2, 5)  # 10:05 in Beijing
    checkin.check_in(staff, event, code=zhang.code, now=first)
    colleague = make.admin()
    before = state()
    with pytest.raises(CheckinRefused) as refused:
        checkin.check_in(colleague, event, code=zhang.code, now=first + timedelta(minutes=7))
    assert refused.value.message == "张三（洪都智能科技有限公司）已于 10:05 签到，不能重复签到。"
    with pytest.raises(CheckinRefused, match="已于 12月15日 10:05 签到"):  # a day later
        checkin.check_in(staff, event, token=checkin.make_token(zhang),
                         now=first + timedelta(days=1))
    assert state() == before


@pytest.mark.parametrize("typed, message", [
    ("", "请输入签到码"), ("   ", "请输入签到码"), ("ZZZZZZ", "签到码“ZZZZZZ”不存在"),
    ("OI01", "签到码“OI01”不存在"),  # letters and digits that codes never use
])
def test_unknown_or_empty_codes(app, day, typed, message):
    event, _, staff = day
    before = state()
    with pytest.raises((CheckinRefused, ValidationError), match=message):
        checkin.check_in(staff, event, code=typed)
    assert state() == before


def test_a_code_of_another_event_is_refused(app, make, day):
    event, _, staff = day
    other = registered(make, make.event(title="另一场对接会"), make.org(), ("王五",))
    with pytest.raises(CheckinRefused, match="不属于本活动"):
        checkin.check_in(staff, event, code=other.attendees[0].code)


@pytest.mark.parametrize("status, label", [("waitlisted", "候补中"), ("cancelled", "已取消"),
                                           ("pending", "待审核"), ("offered", "候补递补中")])
def test_only_confirmed_registrations_check_in(app, make, day, status, label):
    event, _, staff = day
    waiting = registered(make, event, make.org(name="候补企业"), ("赵六",), status=status)
    before = state()
    with pytest.raises(CheckinRefused, match=f"报名状态为“{label}”，不能签到"):
        checkin.check_in(staff, event, code=waiting.attendees[0].code)
    with pytest.raises(CheckinRefused, match="不能签到"):
        checkin.check_in(staff, event, token=checkin.make_token(waiting.attendees[0]))
    assert state() == before


def test_codes_stop_working_once_the_event_is_over(app, day):
    event, registration, staff = day
    with pytest.raises(CheckinRefused, match="活动已结束"):
        checkin.check_in(staff, event, code=registration.attendees[0].code,
                         now=event.ends_at + checkin.GRACE + timedelta(minutes=1))


def test_only_the_events_organizers_check_people_in(app, make, day):
    event, registration, _ = day
    code = registration.attendees[0].code
    for outsider in (registration.organization.users[0], make.region_admin("360103")):
        with pytest.raises(PermissionDenied):
            checkin.check_in(outsider, event, code=code)
    checkin.check_in(make.admin(), event, code=code)


# --- counts and undo ---------------------------------------------------------------------
def test_counts_and_recent_check_ins(app, make, day):
    event, registration, staff = day
    department = registered(make, event, make.org("department", name="区科工局"), ("钱七",))
    registered(make, event, make.org(), ("候补甲", "候补乙"), status="waitlisted")
    assert counts(event, at(event, 1)).as_json() == {
        "registered": 3, "checked_in": 0, "waiting": 3, "waiting_label": "未签到",
        "ended": False}
    checkin.check_in(staff, event, code=registration.attendees[0].code, now=at(event, 1))
    checkin.check_in(staff, event, code=department.attendees[0].code, now=at(event, 2))
    after = counts(event, event.ends_at)
    assert (after.registered, after.checked_in, after.waiting, after.waiting_label) == (
        3, 2, 1, "缺席")
    assert [(r["name"], r["organization"]) for r in recent_checkins(event)] == [
        ("钱七", "区科工局"), ("张三", "洪都智能科技有限公司")]


def test_a_mistaken_check_in_is_undone_and_audited(app, day):
    event, registration, staff = day
    zhang = registration.attendees[0]
    checkin.check_in(staff, event, code=zhang.code, now=at(event, 1))
    checkin.undo_check_in(staff, event, zhang)
    assert zhang.checked_in_at is None and zhang.checked_in_by_id is None
    entry = db.session.scalar(sa.select(AuditLog).where(
        AuditLog.action == "attendee.checkin_undo"))
    assert entry.before["checked_in_by_id"] == staff.id and entry.after == {
        "checked_in_at": None}
    with pytest.raises(CheckinRefused, match="尚未签到"):
        checkin.undo_check_in(staff, event, zhang)
    assert checkin.check_in(staff, event, code=zhang.code, now=at(event, 2)).is_checked_in


# --- two staff, one person, the same moment ------------------------------------------------
def test_simultaneous_check_ins_of_one_attendee_let_exactly_one_through(own_app, make):
    """Real threads, sessions and connections (SQLite here, PostgreSQL under
    tests.postgres): of eight staff scanning the same code at once one checks the
    attendee in, the other seven are told the time of that check-in."""
    with own_app.app_context():
        event = make.event()
        registration = make.registration(event, make.org(name="并发签到企业"), ("孙八",))
        give_codes(registration)
        event_id, code = event.id, registration.attendees[0].code
        staff = [make.region_admin("360113").id for _ in range(8)]
        db.session.remove()

    results = run_together(own_app, lambda user_id: checkin.check_in(
        db.session.get(User, user_id), db.session.get(Event, event_id), code=code), staff)
    errors = [r for r in results if isinstance(r, Exception)
              and not isinstance(r, CheckinRefused)]
    assert not errors, errors
    outcomes = [r.message if isinstance(r, CheckinRefused) else "ok" for r in results]
    assert outcomes.count("ok") == 1
    refusals = [o for o in outcomes if o != "ok"]
    assert len(refusals) == 7 and all("孙八（并发签到企业）已于" in r for r in refusals)
    with own_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(
            AuditLog.action == "attendee.checkin")) == 1
