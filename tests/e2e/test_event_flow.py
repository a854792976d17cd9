"""A 供需对接会 end to end in a real browser: the platform administrator creates it; a
department and two enterprises register; the department asks one enterprise for a
meeting and it accepts; the schedule is generated and published; the department's
attendee checks in by short code; both sides rate their meeting 有合作可能; the pairing
appears in the admin funnel with origin 对接活动.

The starting point (the three organizations with a published listing each) is built
through the services. Between publishing the schedule and the day itself the event's
times are moved back by hand (the only thing arranged so), as if the day had come.
"""
import re
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.events.models import Attendee, Event, Registration
from marketplace.events.pages import to_input
from marketplace.extensions import db
from marketplace.matching.models import Match
from tests.e2e.axe import assert_accessible
from tests.e2e.test_proposal_flow import wait_for_background_drain
from tests.e2e.test_publish_flow import flash, login, logout
from tests.factories import PASSWORD, Factory

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the ``browser`` fixture skips, or fails when REQUIRE_BROWSER=1
    Page = expect = None

pytestmark = pytest.mark.browser


@pytest.fixture
def parties(live_server):
    """A department and two enterprises of 红谷滩区, each with a published listing on a
    theme of this test's own (other tests on this server count search results)."""
    make, token = Factory(), secrets.token_hex(3)
    with live_server.app.app_context():
        department = make.org("department", name=f"红谷滩区非遗保护中心{token}")
        make.opportunity(department, "published", title=f"非遗数字展厅建设{token}",
                         summary="建设非物质文化遗产数字展厅，VR 沉浸式展示非遗技艺。")
        first = make.org("enterprise", name=f"南昌非遗数字科技有限公司{token}")
        make.product(first, "published", title=f"非遗VR数字展厅系统{token}",
                     summary="非物质文化遗产 VR 数字展厅，沉浸式展示与互动体验。")
        second = make.org("enterprise", name=f"江西文博云科技有限公司{token}")
        make.product(second, "published", title=f"文博数字化云平台{token}",
                     summary="博物馆与非遗藏品数字化采集、展示与管理。")
        names = {"department": department.name, "first": first.name, "second": second.name}
        emails = {key: org.users[0].email for key, org in
                  (("department", department), ("first", first), ("second", second))}
        db.session.remove()
    wait_for_background_drain(live_server)
    return {"token": token, "names": names, "emails": emails}


def create_event(page: Page, live_server, title: str) -> int:
    now = utcnow()
    login(page, live_server.admin_email, live_server.admin_password)
    page.goto("/events/new")
    page.get_by_label("活动类型").select_option(label="供需对接会")
    page.get_by_label("活动名称").fill(title)
    page.get_by_label("地区").select_option(value="360113")
    page.get_by_label("地点").fill("红谷滩区会展中心")
    page.get_by_label(re.compile(r"^开始时间")).fill(to_input(now + timedelta(days=3)))
    page.get_by_label(re.compile(r"^结束时间")).fill(to_input(now + timedelta(days=3, hours=3)))
    page.get_by_label("报名开始时间").fill(to_input(now - timedelta(hours=1)))
    page.get_by_label("报名截止时间").fill(to_input(now + timedelta(days=2)))
    page.get_by_label("名额（人）").fill("20")
    page.get_by_label("洽谈桌数").fill("2")
    page.get_by_label("每个单位最多洽谈场数").fill("2")
    page.get_by_label("第 1 场开始时间").fill(to_input(now + timedelta(days=3, minutes=30)))
    page.get_by_label("时段数").first.fill("4")
    assert_accessible(page)  # the form, the meeting fields opened by its script
    page.get_by_role("button", name="发布活动").click()
    expect(page.get_by_role("heading", name=re.compile(title))).to_be_visible()
    logout(page)
    with live_server.app.app_context():
        event_id = db.session.scalar(sa.select(Event.id).where(Event.title == title))
        db.session.remove()
    return event_id


def register(page: Page, email: str, event_id: int, person: str) -> None:
    login(page, email, PASSWORD)
    page.goto(f"/events/{event_id}/register")
    page.get_by_label("第 1 位姓名").fill(person)
    page.get_by_label("第 1 位职务").fill("主任")
    page.locator("input[name=listing_ids]").first.check()
    page.get_by_role("button", name="提交报名").click()
    expect(flash(page, "报名")).to_be_visible()


def registration_of(live_server, event_id: int, name: str) -> Registration:
    with live_server.app.app_context():
        registration = db.session.scalar(sa.select(Registration).join(Registration.organization)
                                         .where(Registration.event_id == event_id,
                                                sa.text("organizations.name = :name"))
                                         .params(name=name))
        registration_id = registration.id
        code = registration.attendees[0].code
        db.session.remove()
    return registration_id, code


def the_day_has_come(live_server, event_id: int) -> None:
    """Move the event (and its sessions) so that its first session began an hour ago."""
    with live_server.app.app_context():
        event = db.session.get(Event, event_id)
        shift = event.sessions[0].starts_at - (utcnow() - timedelta(hours=1))
        for name in ("starts_at", "ends_at", "registration_opens_at",
                     "registration_closes_at"):
            setattr(event, name, getattr(event, name) - shift)
        for session in event.sessions:
            session.starts_at -= shift
        db.session.commit()
        db.session.remove()


def test_a_matchmaking_day_from_creation_to_the_funnel(page: Page, live_server, parties):
    names, emails, token = parties["names"], parties["emails"], parties["token"]
    title = f"非遗数字化供需对接会{token}"
    event_id = create_event(page, live_server, title)

    # Registration: the department and both enterprises, each with what it brings.
    for key, person in (("department", "张主任"), ("first", "李经理"), ("second", "王经理")):
        register(page, emails[key], event_id, person)
        if key != "second":
            logout(page)
    logout(page)
    department_id, department_code = registration_of(live_server, event_id,
                                                      names["department"])
    first_id, _ = registration_of(live_server, event_id, names["first"])

    # The department asks the first enterprise for a meeting; it accepts.
    login(page, emails["department"], PASSWORD)
    page.goto(f"/events/registrations/{department_id}/meetings")
    card = page.locator(".counterpart").filter(has_text=names["first"])
    card.locator("summary").click()  # 约见: opens the request form
    card.get_by_label("约见事由").fill("了解非遗 VR 展厅的案例与报价。")
    assert_accessible(page)  # the request form opened
    card.get_by_role("button", name="发送约见请求").click()
    expect(flash(page, "约见")).to_be_visible()
    logout(page)
    login(page, emails["first"], PASSWORD)
    page.goto(f"/events/registrations/{first_id}/meetings")
    incoming = page.locator("section").filter(has_text="收到的约见").locator("li, .card")
    incoming.filter(has_text=names["department"]).get_by_role(
        "button", name=re.compile("^接受")).click()
    expect(flash(page, "接受")).to_be_visible()
    logout(page)

    # The organizer generates the schedule and publishes it.
    login(page, live_server.admin_email, live_server.admin_password)
    page.goto(f"/events/{event_id}/schedule")
    page.get_by_role("button", name="生成日程").click()
    page.get_by_role("button", name="发布最终日程").click()
    expect(page.get_by_text("最终日程").first).to_be_visible()
    assert_accessible(page)
    with live_server.app.app_context():
        assert db.session.scalar(sa.select(Event.schedule_status)
                                 .where(Event.id == event_id)) == "final"
        db.session.remove()

    # The day: the department's attendee checks in by short code, typed in lower case.
    the_day_has_come(live_server, event_id)
    page.goto(f"/events/{event_id}/checkin")
    page.get_by_role("textbox", name=re.compile("^签到码")).fill(department_code.lower())
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.get_by_text("张主任").first).to_be_visible()
    assert_accessible(page)
    with live_server.app.app_context():
        checked_in = db.session.scalar(sa.select(Attendee.checked_in_at).where(
            Attendee.code == department_code))
        db.session.remove()
    assert checked_in is not None
    logout(page)

    # Both sides rate their meeting 有合作可能.
    for key in ("department", "first"):
        login(page, emails[key], PASSWORD)
        page.goto(f"/events/{event_id}")
        page.get_by_role("link", name="评价这场会谈").first.click()
        page.get_by_label("有合作可能").check()
        page.get_by_role("button", name="提交评价").click()
        expect(flash(page, "评价")).to_be_visible()
        logout(page)

    # The pairing is in the funnel, with origin 对接活动.
    with live_server.app.app_context():
        origins = db.session.scalars(sa.select(Match.origin).join(Match.supplier).where(
            sa.text("organizations.name = :name")).params(name=names["first"])).all()
        db.session.remove()
    assert origins == ["event"]
    login(page, live_server.admin_email, live_server.admin_password)
    page.goto("/admin/funnel")
    row = page.locator("table").filter(has_text="按来源").locator("tr").filter(
        has_text="对接活动")
    expect(row).to_be_visible()
    assert_accessible(page)
    assert int(row.locator("td").first.inner_text()) >= 1
