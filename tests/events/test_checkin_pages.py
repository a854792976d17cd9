"""The check-in pages through the client: the staff page (form post and the script's
JSON), a QR code opened with a phone camera, live counts, undo, tickets, the parts of the
event and organizers' pages; and no page runs a query while it renders."""
import re

import pytest
import sqlalchemy as sa
from flask import render_template_string

from marketplace.audit import AuditLog
from marketplace.events import checkin
from marketplace.events.checkin_pages import detail_part, manage_part
from marketplace.events.models import Attendee
from marketplace.extensions import db
from tests.events.checkin_helpers import registered
from tests.test_templates_run_no_queries import page, render_queries  # noqa: F401 - fixtures

JSON = {"Accept": "application/json"}


@pytest.fixture
def day(make):
    event = make.event(kind="roadshow", title="数字经济产品路演")
    registration = registered(make, event, make.org(name="洪都智能科技有限公司"),
                              ("张三", "李四"))
    return event, registration, make.region_admin("360113")


def test_a_typed_code_checks_in_and_a_second_try_is_refused(app, login_as, day):
    event, registration, staff = day
    client = login_as(staff)
    url = f"/events/{event.id}/checkin"
    code = registration.attendees[0].code
    response = client.post(url, data={"code": code.lower()})
    assert response.status_code == 302 and response.location.endswith(url)
    html = client.get(url).get_data(as_text=True)
    assert "签到成功：张三（洪都智能科技有限公司）" in html
    assert re.search(r'data-count="checked_in">1<', html)
    response = client.post(url, data={"code": code})
    html = client.get(response.location).get_data(as_text=True)
    assert re.search(r"张三（洪都智能科技有限公司）已于 \d\d:\d\d 签到，不能重复签到。", html)


def test_the_script_gets_json_answers(app, login_as, day):
    event, registration, staff = day
    client = login_as(staff)
    url = f"/events/{event.id}/checkin"
    li = registration.attendees[1]
    ok = client.post(url, data={"token": checkin.make_token(li)}, headers=JSON)
    assert ok.status_code == 200
    assert ok.json["ok"] and ok.json["message"] == "签到成功：李四（洪都智能科技有限公司）"
    assert (ok.json["registered"], ok.json["checked_in"], ok.json["waiting"]) == (2, 1, 1)
    assert [row["name"] for row in ok.json["recent"]] == ["李四"]
    again = client.post(url, data={"code": li.code}, headers=JSON)
    assert again.status_code == 200 and not again.json["ok"]
    assert "已于" in again.json["message"] and again.json["checked_in"] == 1
    forged = client.post(url, data={"token": "abc.def.ghi"}, headers=JSON)
    assert forged.status_code == 200 and not forged.json["ok"]
    assert forged.json["message"].startswith("二维码无效")
    live = client.get(f"{url}/live").json
    assert live["checked_in"] == 1 and live["waiting_label"] == "未签到"
    # Nothing of a refusal is left to show on the next page.
    assert "二维码无效" not in client.get(url).get_data(as_text=True)


def test_a_qr_code_opened_with_a_phone_camera_asks_to_confirm(app, login_as, day):
    event, registration, staff = day
    zhang = registration.attendees[0]
    client = login_as(staff)
    html = client.get(f"/events/{event.id}/checkin?t={checkin.make_token(zhang)}").get_data(
        as_text=True)
    assert "张三（洪都智能科技有限公司）" in html and "确认签到" in html
    assert db.session.get(Attendee, zhang.id).checked_in_at is None  # a GET changes nothing
    html = client.get(f"/events/{event.id}/checkin?t=forged").get_data(as_text=True)
    assert "二维码无效" in html and "确认签到" not in html


def test_undo_from_the_recent_list(app, make, login_as, day):
    event, registration, staff = day
    zhang = registration.attendees[0]
    client = login_as(staff)
    client.post(f"/events/{event.id}/checkin", data={"code": zhang.code})
    undo = f"/events/{event.id}/checkin/{zhang.id}/undo"
    assert undo in client.get(f"/events/{event.id}/checkin").get_data(as_text=True)
    response = client.post(undo)
    assert "已撤销张三的签到" in client.get(response.location).get_data(as_text=True)
    assert db.session.get(Attendee, zhang.id).checked_in_at is None
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(
        AuditLog.action == "attendee.checkin_undo")) == 1
    other = registered(make, make.event(title="另一场活动"), make.org(), ("外人",))
    assert client.post(f"/events/{event.id}/checkin/{other.attendees[0].id}/undo"
                       ).status_code == 404


def test_a_ticket_for_its_organization_and_the_organizers_only(app, make, login_as, day):
    event, registration, staff = day
    zhang = registration.attendees[0]
    url = f"/events/attendees/{zhang.id}/ticket"
    for viewer in (make.member(registration.organization), staff):
        html = login_as(viewer).get(url).get_data(as_text=True)
        assert "张三" in html and zhang.code in html and "<svg" in html
        assert "数字经济产品路演" in html and "红谷滩区会展中心" in html
    for outsider in (make.org().users[0], make.region_admin("360103")):
        assert login_as(outsider).get(url).status_code == 404
    registration.status = "waitlisted"
    db.session.commit()
    html = login_as(registration.organization.users[0]).get(url).get_data(as_text=True)
    assert "候补中" in html and "<svg" not in html


def test_the_event_page_parts(app, make, day):
    event, registration, staff = day
    member = registration.organization.users[0]
    part = detail_part(member, event)["checkin"]
    assert [a.name for a in part["tickets"]] == ["张三", "李四"]
    assert detail_part(make.org().users[0], event)["checkin"]["tickets"] == []
    assert detail_part(None, event)["checkin"]["registration"] is None
    assert manage_part(member, event) == {"checkin": None}
    assert manage_part(staff, event)["checkin"]["counts"].registered == 2


def test_pages_run_no_queries_while_rendering(app, make, page, render_queries, day):  # noqa: F811
    event, registration, staff = day
    checkin.check_in(staff, event, code=registration.attendees[0].code)
    checkin.set_presentation_order(staff, event, {str(registration.id): "1"})
    db.session.commit()
    staff_id, member_id = staff.get_id(), registration.organization.users[0].get_id()
    attendee_id, event_id = registration.attendees[0].id, event.id
    token = checkin.make_token(registration.attendees[1])
    assert "最近签到" in page(f"/events/{event_id}/checkin", staff_id)
    assert "确认签到" in page(f"/events/{event_id}/checkin?t={token}", staff_id)
    assert "签名" in page(f"/events/{event_id}/signin-sheet", staff_id)
    assert "保存路演顺序" in page(f"/events/{event_id}/roadshow", staff_id)
    assert "签到码" in page(f"/events/attendees/{attendee_id}/ticket", member_id)


def test_the_partials_run_no_queries(app, make, render_queries, day):  # noqa: F811
    event, registration, staff = day
    product = make.product(registration.organization, status="published", title="巡检系统")
    registration.products = [product]
    checkin.set_presentation_order(staff, event, {str(registration.id): "1"})
    db.session.commit()
    member = registration.organization.users[0]
    with app.test_request_context():
        db.session.expire_all()
        detail = detail_part(member, event)
        html = render_template_string("{% include 'events/_detail_checkin.html' %}", **detail)
        db.session.expire_all()
        manage = manage_part(staff, event)
        html += render_template_string("{% include 'events/_manage_checkin.html' %}", **manage)
    assert render_queries == []
    assert "路演顺序" in html and "巡检系统" in html and "张三的参会凭证" in html
    assert "现场签到" in html and "导出参会名单" in html
