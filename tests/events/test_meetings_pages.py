"""The meeting pages through the client: participants' page, agenda, .ics, print-outs,
the schedule editor; no template runs a query; bad ids and input are never a 500."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from marketplace.db import to_beijing
from marketplace.events import meeting_pages
from marketplace.events import meeting_schedule as schedule
from marketplace.events.models import Meeting, MeetingRequest
from marketplace.extensions import db
from tests.events.meeting_world import Fair, meetings_of
from tests.test_templates_run_no_queries import page, render_queries  # noqa: F401


@pytest.fixture
def fair(make):
    """Two departments, two enterprises; a published preliminary schedule."""
    fair = Fair(make, demand=2, supply=2, sessions=((4, "2"),), tables=2, limit=2,
                scores={(0, 0): 0.82, (0, 1): 0.4, (1, 1): 0.6})
    schedule.build_schedule(fair.admin, fair.event)
    schedule.publish_schedule(fair.admin, fair.event, "preliminary")
    db.session.commit()
    return fair


def login(user):
    return user.get_id()


def test_participant_page_lists_the_other_side_best_first_with_evidence(page, fair):
    registration = fair.demand[0]
    first, second = fair.enterprises[0].name, fair.enterprises[1].name
    same_side = fair.departments[1].name
    html = page(f"/events/registrations/{registration.id}/meetings",
                login(fair.user(registration)))
    assert html.index(first) < html.index(second)
    assert "匹配度：强 0.82" in html and "共同关键词" in html and "停车" in html
    assert "机会「需求0」 ↔ 产品「产品0」" in html
    assert "我的会谈日程" in html and "下载日历（.ics）" in html
    assert same_side not in html.split("可约见的供给方")[1]  # same side


def test_request_answer_and_withdraw_through_the_pages(client, login_as, fair):
    sender, recipient = fair.supply[0], fair.demand[1]
    login_as(fair.user(sender))
    response = client.post(f"/events/registrations/{sender.id}/meetings/request",
                           data={"recipient_id": str(recipient.id), "reason": "想约见"})
    assert response.status_code == 302
    request = db.session.scalar(sa.select(MeetingRequest))
    assert request.status == "pending"
    # A bad one: the message at the field, shown again, nothing stored.
    response = client.post(f"/events/registrations/{sender.id}/meetings/request",
                           data={"recipient_id": str(fair.supply[1].id), "reason": "x"})
    assert response.status_code == 400 and "只能约见需求方" in response.get_data(as_text=True)
    response = client.post(f"/events/registrations/{sender.id}/meetings/request",
                           data={"recipient_id": str(fair.demand[0].id), "reason": ""})
    assert "请填写约见事由" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(MeetingRequest.id))) == 1
    login_as(fair.user(recipient))
    response = client.post(f"/events/meeting-requests/{request.id}/answer",
                           data={"decision": "maybe"}, follow_redirects=True)
    assert "请选择接受或谢绝" in response.get_data(as_text=True)
    client.post(f"/events/meeting-requests/{request.id}/answer", data={"decision": "accept"})
    db.session.expire_all()
    assert db.session.get(MeetingRequest, request.id).status == "accepted"


def test_agenda_page_ics_and_print(page, client, fair):
    registration = fair.demand[0]
    event = fair.event
    mine = [(m.slot, m.table_number) for m in meetings_of(event)
            if m.demand_id == registration.id]
    assert mine
    user, partner = fair.user(registration).get_id(), fair.enterprises[0].name
    first_start = event.sessions[0].starts_at
    minutes, ident = event.slot_minutes, registration.id
    html = page(f"/events/registrations/{ident}/agenda", user)
    assert "初步日程" in html and "第 " in html and "桌" in html
    assert partner in html and "共同关键词：停车" in html
    assert f"{to_beijing(first_start):%H:%M}" in html  # Beijing time
    printed = page(f"/events/registrations/{ident}/agenda/print", user)
    assert "print-page" in printed and partner in printed
    response = client.get(f"/events/registrations/{ident}/agenda.ics")  # still signed in
    assert response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.get_data()).walk("VEVENT")
    assert len(events) == len(mine)
    slot, table = min(mine)
    found = min(events, key=lambda e: e.decoded("dtstart"))
    assert found.decoded("dtstart").replace(tzinfo=None) == first_start + timedelta(
        minutes=slot * minutes)
    assert f"第 {table + 1} 桌" in str(found["summary"]) and partner in str(found["summary"])


def test_the_agenda_waits_for_publication(client, login_as, make):
    fair = Fair(make, scores={(0, 0): 0.5})
    schedule.build_schedule(fair.admin, fair.event)
    db.session.commit()
    registration = fair.demand[0]
    login_as(fair.user(registration))
    assert client.get(f"/events/registrations/{registration.id}/agenda").status_code == 404
    assert "我的会谈日程" not in client.get(
        f"/events/registrations/{registration.id}/meetings").get_data(as_text=True)
    login_as(fair.admin)  # organizers see the draft
    assert "草稿" in client.get(
        f"/events/registrations/{registration.id}/agenda").get_data(as_text=True)


def test_schedule_editor_and_print_pages(page, fair):
    admin = login(fair.admin)
    rows = meetings_of(fair.event)
    tables_count, event_id = fair.event.tables, fair.event.id
    names = [org.name for org in fair.departments + fair.enterprises]
    html = page(f"/events/{event_id}/schedule", admin)
    assert "会谈日程编排" in html and "初步日程" in html and "发布最终日程" in html
    assert f'<span class="stat__value">{len(rows)}</span>' in html
    assert "平台推荐" in html and "0.82" in html and "休息" in html
    assert "手工新增会谈" in html and "移除这场会谈" in html
    tables = page(f"/events/{event_id}/schedule/print/tables", admin)
    assert tables.count('class="print-sheet print-page"') == tables_count
    assert "第 1 桌" in tables and "第 2 桌" in tables
    people = page(f"/events/{event_id}/schedule/print/participants", admin)
    assert people.count('class="print-sheet print-page"') == 4
    assert all(name in people for name in names)


def test_editor_edits_through_the_client(client, login_as, fair):
    login_as(fair.admin)
    moving = meetings_of(fair.event)[0]
    response = client.post(f"/events/meetings/{moving.id}/move",
                           data={"slot": "0-2", "table": "1"}, follow_redirects=True)
    assert "休息时间" in response.get_data(as_text=True)
    response = client.post(f"/events/{fair.event.id}/schedule/meetings",
                           data={"demand_id": "", "supply_id": "abc", "slot": "", "table": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "请选择本次活动已确认参会的需求方" in html
    client.post(f"/events/meetings/{moving.id}/remove")
    db.session.expire_all()
    assert db.session.get(Meeting, moving.id) is None
    client.post(f"/events/{fair.event.id}/schedule/publish", data={"stage": "final"})
    db.session.expire_all()
    assert fair.event.schedule_status == "final"


@pytest.mark.parametrize("url", [
    "/events/registrations/{big}/meetings", "/events/registrations/0/agenda",
    "/events/registrations/{big}/agenda.ics", "/events/{big}/schedule",
    "/events/{big}/schedule/print/tables", "/events/registrations/{big}/agenda/print",
])
def test_unknown_and_huge_ids_are_not_found(client, login_as, fair, url):
    login_as(fair.admin)
    assert client.get(url.format(big=10**30)).status_code == 404


@pytest.mark.parametrize("url", [
    "/events/meetings/{big}/move", "/events/meetings/{big}/remove",
    "/events/meeting-requests/{big}/answer", "/events/meeting-requests/{big}/withdraw",
    "/events/{big}/schedule/build", "/events/{big}/schedule/publish",
    "/events/registrations/{big}/meetings/request",
])
def test_posts_with_unknown_ids_are_not_found(client, login_as, fair, url):
    login_as(fair.admin)
    assert client.post(url.format(big=2**64)).status_code == 404


def test_parts_of_the_event_page_and_the_organizers_page(app, fair):
    registration = fair.demand[0]
    with app.test_request_context():
        part = meeting_pages.detail_part(fair.user(registration), fair.event)
        html = app.jinja_env.get_template("events/_detail_meeting.html").render(**part)
        assert f"/events/registrations/{registration.id}/meetings" in html
        assert f"/events/registrations/{registration.id}/agenda" in html
        outsider = meeting_pages.detail_part(fair.admin, fair.event)
        assert app.jinja_env.get_template("events/_detail_meeting.html").render(
            **outsider).strip() == ""
        part = meeting_pages.manage_part(fair.admin, fair.event)
        html = app.jinja_env.get_template("events/_manage_meeting.html").render(**part)
        assert f"/events/{fair.event.id}/schedule" in html and "初步日程" in html
        assert meeting_pages.manage_part(fair.user(registration), fair.event) == {
            "meeting_editor_link": None}


def test_pages_shown_again_after_a_refused_change_run_no_queries(page, fair):
    sender, admin = fair.supply[0], fair.admin.get_id()
    user, ident, event_id = fair.user(sender).get_id(), sender.id, fair.event.id
    html = page(f"/events/registrations/{ident}/meetings/request", user,
                {"recipient_id": str(fair.demand[1].id), "reason": ""}, 400)
    assert "请填写约见事由" in html
    html = page(f"/events/{event_id}/schedule/meetings", admin,
                {"demand_id": "1", "supply_id": "", "slot": "0-2", "table": "1"}, 400)
    assert "请选择本次活动已确认参会的" in html
