"""The events pages through the client: the public list and event page, the calendar
file, registration with its errors at the fields, an organization's registrations, and
the organizers' form and registrations page."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from marketplace.audit import AuditLog
from marketplace.db import utcnow
from marketplace.events import services
from marketplace.events.models import Event, EventSession, Registration
from marketplace.extensions import db

BEIJING = timedelta(hours=8)


def local(value) -> str:
    """A UTC time as the form's datetime-local value (Beijing time)."""
    return (value + BEIJING).strftime("%Y-%m-%dT%H:%M")


def event_form(**overrides) -> dict:
    now = utcnow().replace(second=0, microsecond=0)
    data = {"kind": "salon", "title": "智慧城市场景沙龙", "summary": "围绕城市治理交流。",
            "region_code": "360113", "venue": "红谷滩区会展中心", "online_url": "",
            "starts_at": local(now + timedelta(days=10)),
            "ends_at": local(now + timedelta(days=10, hours=3)),
            "registration_opens_at": local(now - timedelta(days=1)),
            "registration_closes_at": local(now + timedelta(days=9)),
            "capacity": "30", "offer_hours": "24", "themes": "城市治理、低空经济",
            "slot_minutes": "20", "tables": "0", "meeting_limit": "6"}
    data.update(overrides)
    return data


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_public_list_filters_and_shows_seats(client, make):
    make.event(title="数字经济供需对接会", capacity="2")
    make.event(kind="roadshow", title="产品路演日", region_code="360103")
    html = client.get("/events/").get_data(as_text=True)
    assert "数字经济供需对接会" in html and "产品路演日" in html
    assert "剩余名额 2/2" in html and "报名中" in html
    html = client.get("/events/?kind=roadshow").get_data(as_text=True)
    assert "产品路演日" in html and "数字经济供需对接会" not in html
    html = client.get("/events/?region=360113").get_data(as_text=True)
    assert "数字经济供需对接会" in html and "产品路演日" not in html
    assert client.get("/events/?region=99999999999999999999&kind=x").status_code == 200



def test_event_page_shows_everything_and_the_viewers_registration(client, make, login_as):
    department = make.org("department")
    need = make.opportunity(department, "published", title="城市运行一网统管场景")
    event = make.event(themes="城市治理、低空经济", opportunity_ids=[str(need.id)],
                       release_ids=[str(need.release_id)])
    registration = make.registration(event, department, names=("王五",))
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "<title>数字经济供需对接会 - 场景对接平台</title>" in html
    assert "城市运行一网统管场景" in html and "低空经济" in html and "登录后报名" in html
    assert "王五" not in html and f"/events/{event.id}.ics" in html
    html = login_as(department.users[0]).get(f"/events/{event.id}").get_data(as_text=True)
    assert "王五" in html and "已确认" in html and "取消报名" in html
    assert registration.attendees[0].code
    assert client.get("/events/99999999999999999999").status_code == 404
    assert client.get("/events/424242").status_code == 404


def test_calendar_file_parses_back(client, make):
    event = make.event(online_url="https://meeting.example.cn/123")
    response = client.get(f"/events/{event.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.get_data())
    [entry] = calendar.walk("VEVENT")
    assert str(entry["uid"]) == f"event-{event.id}@127.0.0.1"
    assert entry.decoded("dtstart").replace(tzinfo=None) == event.starts_at
    assert entry.decoded("dtend").utcoffset() == timedelta(0)
    assert entry.decoded("dtend").replace(tzinfo=None) == event.ends_at
    assert str(entry["location"]) == "红谷滩区会展中心"
    assert str(entry["url"]).endswith(f"/events/{event.id}")
    assert "线上参会：https://meeting.example.cn/123" in str(entry["description"])
    assert "供需对接会" in str(entry["summary"])


def test_registration_form_reports_errors_at_the_fields(client, make, login_as):
    enterprise, other = make.org(), make.org()
    own = make.product(enterprise, "published", title="本单位的产品")
    theirs = make.product(other, "published")
    event = make.event()
    web = login_as(enterprise.users[0])
    html = web.get(f"/events/{event.id}/register").get_data(as_text=True)
    assert "本单位的产品" in html and "供给方" in html
    response = web.post(f"/events/{event.id}/register",
                        data={"attendee_name-0": "", "listing_ids": [str(theirs.id)]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请至少填写一名参会人员" in html and "只能选择本单位已发布的产品" in html
    assert count(Registration) == 0
    response = web.post(f"/events/{event.id}/register", data={
        "attendee_name-0": "张三", "attendee_title-0": "总经理", "attendee_name-1": "李四",
        "listing_ids": [str(own.id)]})
    assert response.status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    assert [a.name for a in registration.attendees] == ["张三", "李四"]
    assert [p.id for p in registration.products] == [own.id]
    # a second registration: back to the event page, nothing added
    assert web.get(f"/events/{event.id}/register").status_code == 302
    assert "本单位已报名该活动" in web.post(
        f"/events/{event.id}/register", data={"attendee_name-0": "王五"},
        follow_redirects=True).get_data(as_text=True) or count(Registration) == 1
    assert count(Registration) == 1


def test_registration_outside_the_window_is_refused_with_a_message(client, make, login_as):
    now = utcnow()
    event = make.event(registration_opens_at=now + timedelta(days=1))
    web = login_as(make.org().users[0])
    assert "报名尚未开始" in web.get(f"/events/{event.id}/register").get_data(as_text=True)
    html = web.post(f"/events/{event.id}/register", data={"attendee_name-0": "张三"},
                    follow_redirects=True).get_data(as_text=True)
    assert "报名尚未开始。" in html and count(Registration) == 0


def test_my_registrations_and_confirming_an_offer(client, make, login_as):
    event = make.event(capacity="1")
    holder, waiting = make.org(), make.org("department")
    seat = make.registration(event, holder)
    line = make.registration(event, waiting, names=("候补甲",))
    web = login_as(waiting.users[0])
    assert "候补中" in web.get("/events/mine").get_data(as_text=True)
    services.cancel(holder.users[0], seat)
    db.session.commit()
    html = web.get("/events/mine").get_data(as_text=True)
    assert "候补递补中" in html and "确认参会" in html
    assert web.post(f"/events/registrations/{line.id}/confirm").status_code == 302
    assert db.session.get(Registration, line.id).status == "confirmed"
    admin = make.admin()
    assert login_as(admin).get("/events/mine").location.endswith("/events/manage")


def test_organizer_creates_a_matchmaking_event_with_sessions(client, make, login_as):
    web = login_as(make.region_admin("360113"))
    now = utcnow().replace(second=0, microsecond=0)
    start = now + timedelta(days=10)
    field = db.session.scalar(sa.text("SELECT id FROM fields WHERE parent_id IS NOT NULL"))
    form = event_form(kind="matchmaking", title="新能源供需对接会", slot_minutes="30",
                      tables="8", field_ids=[str(field)],
                      **{"session_start-0": local(start), "session_slots-0": "4",
                         "session_breaks-0": "3",
                         "session_start-1": local(start + timedelta(hours=2)),
                         "session_slots-1": "2"})
    html = web.get("/events/new").get_data(as_text=True)
    assert "红谷滩区" in html and "西湖区" not in html
    response = web.post("/events/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db.session.scalar(sa.select(Event).where(Event.title == "新能源供需对接会"))
    assert event.starts_at == start and event.tables == 8 and event.slot_minutes == 30
    assert [(s.position, s.slots, s.breaks) for s in event.sessions] == [(0, 4, "2"), (1, 2, "")]
    assert [f.id for f in event.fields] == [field]
    assert event.theme_list == ["城市治理", "低空经济"]


@pytest.mark.parametrize("overrides, field, message", [
    ({"title": "", "capacity": "abc"}, "capacity", "名额应为 1—10000 的整数"),
    ({"themes": "、".join(f"主题{i}" for i in range(9))}, "themes", "主题标签最多 8 个"),
    ({"themes": "一个非常非常非常长的主题标签"}, "themes", "不超过 12 个字"),
    ({"field_ids": ["99999999999999999999"]}, "field_ids", "请选择有效的场景领域"),
    ({"opportunity_ids": ["12345"]}, "opportunity_ids", "只能选择已发布"),
    ({"region_code": "360103"}, None, "无权"),
    ({"starts_at": "明天"}, "starts_at", "请填写开始时间"),
    ({"kind": "matchmaking", "session_slots-0": "60",
      "session_start-0": "2030-01-01T09:00"}, "sessions", "时段数应为 1—48 的整数"),
])
def test_bad_event_form_is_shown_at_the_field(client, make, login_as, overrides, field,
                                              message):
    web = login_as(make.region_admin("360113"))
    before = count(Event), count(AuditLog)
    response = web.post("/events/new", data=event_form(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 403) and message in html
    if field:
        assert f'id="{field}-error"' in html or f'{field}-error' in html
    assert (count(Event), count(AuditLog)) == before


def test_organizer_edits_and_manages_registrations(client, make, login_as):
    admin = make.region_admin("360113")
    event = make.event(admin, capacity="1", requires_approval="1")
    first, second = make.org(), make.org()
    pending = make.registration(event, first, names=("张三",))
    waiting = make.registration(event, second, names=("李四",))
    web = login_as(admin)
    html = web.get(f"/events/{event.id}/manage").get_data(as_text=True)
    assert "张三" in html and "李四" in html and "待审核" in html and "候补中" in html
    form = web.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="数字经济供需对接会"' in form
    response = web.post(f"/events/registrations/{pending.id}/decline", data={"reason": ""})
    assert response.status_code == 400 and "请填写未通过的原因" in response.get_data(as_text=True)
    assert db.session.get(Registration, pending.id).status == "pending"
    web.post(f"/events/registrations/{pending.id}/decline", data={"reason": "名额优先本区企业"})
    assert db.session.get(Registration, pending.id).status == "declined"
    assert db.session.get(Registration, waiting.id).status == "offered"
    web.post(f"/events/registrations/{waiting.id}/move", data={"target": "confirmed"})
    assert db.session.get(Registration, waiting.id).status == "confirmed"
    other = login_as(make.region_admin("360103"))
    assert other.get(f"/events/{event.id}/manage").status_code == 404
    assert other.get(f"/events/{event.id}/edit").status_code == 404


def test_editing_below_the_seats_taken_is_refused_at_capacity(client, make, login_as):
    admin = make.admin()
    event = make.event(admin, capacity="3")
    make.registration(event, make.org(), names=("甲", "乙"))
    web = login_as(admin)
    data = event_form(title="改名", capacity="1",
                      starts_at=local(event.starts_at), ends_at=local(event.ends_at),
                      registration_opens_at=local(event.registration_opens_at),
                      registration_closes_at=local(event.registration_closes_at))
    response = web.post(f"/events/{event.id}/edit", data=data)
    assert response.status_code == 400
    assert "已有 2 个座位被占用，名额不能少于 2" in response.get_data(as_text=True)
    assert db.session.get(Event, event.id).title == "数字经济供需对接会"


def test_a_past_event_is_shown_as_held_without_cancel_buttons(client, make, login_as):
    admin = make.admin()
    event = make.event(admin)
    org = make.org("department")
    registration = make.registration(event, org)
    ago = utcnow() - event.ends_at - timedelta(days=1)
    db.session.execute(sa.update(Event).where(Event.id == event.id).values(
        starts_at=event.starts_at + ago, ends_at=event.ends_at + ago,
        registration_opens_at=event.registration_opens_at + ago,
        registration_closes_at=event.registration_closes_at + ago))
    db.session.commit()
    login_as(org.users[0])
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "已结束" in page and "取消报名" not in page and "1 人报名参加" in page
    login_as(admin)
    manage = client.get(f"/events/{event.id}/manage").get_data(as_text=True)
    assert org.name in manage
    assert f"/events/registrations/{registration.id}/cancel" not in manage
