"""The outcome pages through the client: rating a meeting, the 项目签约 record, the
minutes, and the parts shown on the event and organizers' pages. Refusals say why in
Chinese and change nothing; ratings are seen by organizers only; templates run no
queries (the render_queries watch of tests/test_templates_run_no_queries.py)."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template
from flask_login import login_user

from marketplace.db import beijing_today
from marketplace.events import outcome_pages
from marketplace.events.models import MeetingRating
from marketplace.extensions import db
from marketplace.matching.models import Match
from tests.test_templates_run_no_queries import page, render_queries  # noqa: F401

CHOSEN = re.compile(r'value="cooperation"\s*checked')


@pytest.fixture
def held(make):
    """A 供需对接会 that ended yesterday: a department (bringing a published opportunity)
    met an enterprise at the first slot; a second enterprise took part; a later meeting
    of the department is still to come (a session of tomorrow)."""
    department, enterprise, bystander = make.org("department"), make.org(), make.org()
    need = make.opportunity(department, status="published")
    event = make.event(title="红谷滩区数字经济供需对接会")
    demand = make.bring(make.registration(event, department), need)
    supply = make.registration(event, enterprise)
    third = make.registration(event, bystander)
    meeting = make.meeting(demand, supply, opportunity=need)
    make.age_event(event)
    later = make.meeting(demand, third, session=1, slot=0)
    later.event.sessions[1].starts_at = event.starts_at + timedelta(days=12)
    db.session.commit()
    return {"event": event.id, "meeting": meeting.id, "later": later.id, "need": need.id,
            "head": department.users[0], "seller": enterprise.users[0],
            "bystander": bystander.users[0], "enterprise": enterprise.id,
            "url": f"/events/{event.id}/meetings/{meeting.id}/rate"}


def stored_ratings() -> int:
    return db.session.scalar(sa.select(sa.func.count(MeetingRating.id)))


def test_a_side_rates_its_meeting_and_sees_only_its_own_rating(client, login_as, held):
    login_as(held["seller"])
    response = client.post(held["url"], data={"rating": "cooperation", "note": "卖方备注：可试点"})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "双方的对接已进入“已对接”阶段" in page and "卖方备注：可试点" in page
    assert CHOSEN.search(page)
    match = db.session.scalar(sa.select(Match))
    assert match.origin == "event" and match.supplier_id == held["enterprise"]
    login_as(held["head"])
    other_side = client.get(held["url"]).get_data(as_text=True)
    assert "卖方备注" not in other_side and "有合作可能" in other_side  # the choice, unpicked
    assert not CHOSEN.search(other_side)
    assert client.get(f"/events/{held['event']}/report").status_code == 403


def test_bad_rating_is_refused_at_its_field_in_chinese(client, login_as, held):
    login_as(held["head"])
    response = client.post(held["url"], data={"rating": "great", "note": ""})
    assert response.status_code == 400
    assert "请选择对这场会谈的评价。" in response.get_data(as_text=True)
    assert stored_ratings() == 0


def test_someone_not_in_the_meeting_is_told_so(client, login_as, make, held):
    login_as(held["bystander"])
    for response in (client.get(held["url"]),
                     client.post(held["url"], data={"rating": "cooperation"})):
        assert response.status_code == 403
        assert "您所在单位没有参加这场会谈，不能评价。" in response.get_data(as_text=True)
    login_as(make.org().users[0])  # no part in the event: the meeting is not found
    assert client.post(held["url"], data={"rating": "cooperation"}).status_code == 404
    login_as(make.region_admin("360113"))
    assert "不能代为评价" in client.get(held["url"]).get_data(as_text=True)
    assert stored_ratings() == 0


def test_a_meeting_to_come_is_not_rated_yet(client, login_as, held):
    login_as(held["head"])
    url = f"/events/{held['event']}/meetings/{held['later']}/rate"
    assert "会谈尚未开始，暂不能评价。" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"rating": "informative"})
    assert response.status_code == 400
    assert "会谈尚未开始，暂不能评价。" in response.get_data(as_text=True)
    assert stored_ratings() == 0


def test_signing_page_records_a_contract(client, login_as, make, held):
    department = make.org("department")
    need = make.opportunity(department, status="published", title="智慧园区综合管理平台")
    event = make.event(kind="signing", title="重点项目集中签约")
    make.bring(make.registration(event, department), need)
    supplier = make.org()
    make.registration(event, supplier)
    make.age_event(event)
    login_as(make.region_admin("360113"))
    url = f"/events/{event.id}/signings"
    form = client.get(url).get_data(as_text=True)
    assert "智慧园区综合管理平台" in form and supplier.name in form
    data = {"opportunity_id": str(need.id), "supplier_id": str(supplier.id),
            "contract_amount_wan": "很多", "contract_date": "2099-12-31"}
    refused = client.post(url, data=data)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "合同金额请填写数字（单位：万元）。" in text and "签约日期不能晚于今天。" in text
    assert db.session.scalar(sa.select(Match)) is None
    data.update(contract_amount_wan="300", contract_date=beijing_today().isoformat())
    response = client.post(url, data=data)
    assert response.status_code == 302
    listed = client.get(url).get_data(as_text=True)
    assert "签约项目已登记" in listed and "300 万元" in listed
    assert db.session.scalar(sa.select(Match)).stage == "signed"


def test_minutes_shown_on_the_event_page_once_recorded(app, client, login_as, make, held):
    login_as(make.admin())
    url = f"/events/{held['event']}/minutes"
    response = client.post(url, data={"minutes": "一、会议议程\n二、达成意向 3 项"})
    assert response.status_code == 302
    assert "会议纪要已保存" in client.get(url).get_data(as_text=True)
    event = outcome_pages.meeting_for(held["event"], held["meeting"]).event
    with app.test_request_context():
        html = render_template("events/_detail_outcome.html",
                               **outcome_pages.detail_part(None, event))
    assert "会议纪要" in html and "达成意向 3 项" in html


def test_parts_of_the_event_and_organizers_pages_run_no_queries(app, make, held,
                                                                render_queries):
    outcome_pages_event = outcome_pages.meeting_for(held["event"], held["meeting"]).event
    with app.test_request_context():
        login_user(held["head"])
        detail = outcome_pages.detail_part(held["head"], outcome_pages_event)
        html = render_template("events/_detail_outcome.html", **detail)
        organizer = make.admin()
        manage = outcome_pages.manage_part(organizer, outcome_pages_event)
        managed = render_template("events/_manage_outcome.html", event=outcome_pages_event,
                                  **manage)
    assert "评价这场会谈" in html and "还有 1 场会谈尚未开始" in html
    assert "活动报告" in managed and "有合作可能 0" in managed
    assert render_queries == []
    assert outcome_pages.manage_part(held["head"], outcome_pages_event) == {
        "outcome_organizer": False}


def test_outcome_pages_run_no_queries(page, make, held):  # noqa: F811
    admin = make.admin().get_id()
    seller = held["seller"].get_id()
    page(held["url"], seller, {"rating": "cooperation", "note": "可试点"}, 302)
    page(held["url"], seller)
    page(held["url"], seller, {"rating": "bad"}, 400)
    page(f"/events/{held['event']}/report", admin)
    page(f"/events/{held['event']}/signings", admin)
    page(f"/events/{held['event']}/minutes", admin)
    page("/admin/funnel", admin)
