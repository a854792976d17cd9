"""The event report on a small arranged event (attendance, meetings held, ratings per
side, pairings created / advanced / signed), its page and .xlsx; events held as a
computed indicator rolled up district → city → province; the admin funnel counting
pairings by origin."""
import io
import re
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from openpyxl import load_workbook

from marketplace.db import beijing_today, utcnow
from marketplace.demonstrations import indicators
from marketplace.demonstrations.models import Indicator
from marketplace.events import outcomes, reports
from marketplace.extensions import db
from marketplace.taxonomy.models import Region

LATER = utcnow() + timedelta(days=30)


def arranged(make):
    """A 供需对接会 that ended yesterday. Two departments (d1 brings an opportunity, d2
    nothing) and two enterprises (e1 brings a product); 6 attendees, 4 checked in; a
    waitlisted registration that does not count. Meetings: d1–e1 (both 有合作可能),
    d1–e2 (d1 未进行, e2 有价值但暂无合作), d2–e1 (e1 有合作可能: nothing to pair) and,
    in a second session tomorrow, d2–e2 (not yet due)."""
    d1, d2 = make.org("department"), make.org("department")
    e1, e2 = make.org(), make.org()
    need = make.opportunity(d1, status="published")
    offer = make.product(e1, status="published")
    event = make.event(capacity="6")
    r_d1 = make.bring(make.registration(event, d1, names=("张三", "李四")), need)
    r_d2 = make.registration(event, d2, names=("王五",))
    r_e1 = make.bring(make.registration(event, e1, names=("赵六", "钱七")), offer)
    r_e2 = make.registration(event, e2, names=("孙八",))
    make.registration(event, make.org(), names=("周九",))  # waitlisted: the seats are taken
    for attendee in (*r_d1.attendees, r_e1.attendees[0], r_e2.attendees[0]):
        attendee.checked_in_at = event.starts_at + timedelta(days=-11, minutes=5)
    m1 = make.meeting(r_d1, r_e1, slot=0, table=0, opportunity=need, product=offer)
    m2 = make.meeting(r_d1, r_e2, slot=1, table=0)
    m3 = make.meeting(r_d2, r_e1, slot=1, table=1)
    m4 = make.meeting(r_d2, r_e2, session=1, slot=0)
    make.age_event(event)
    event.sessions[1].starts_at = utcnow() + timedelta(days=1)
    db.session.commit()
    rate = outcomes.rate_meeting
    rate(d1.users[0], m1, "cooperation", now=LATER)
    rate(e1.users[0], m1, "cooperation", "可先试点", now=LATER)
    rate(d1.users[0], m2, "not_held", "对方未到", now=LATER)
    rate(e2.users[0], m2, "informative", now=LATER)
    rate(e1.users[0], m3, "cooperation", now=LATER)
    db.session.commit()
    return event, {"m1": m1, "m2": m2, "m3": m3, "m4": m4, "need": need, "e1": e1}


def test_report_numbers_on_a_small_event(ctx, make):
    event, things = arranged(make)
    report = reports.build(event)
    assert report.registrations == {"demand": 2, "supply": 2, "total": 4}
    assert (report.attendees, report.checked_in, report.no_shows) == (6, 4, 2)
    assert len(report.meetings) == 4
    assert (report.due, report.held, report.not_held, report.rated) == (3, 2, 1, 3)
    assert report.ratings == {
        "not_held": {"demand": 1, "supply": 0, "total": 1},
        "no_interest": {"demand": 0, "supply": 0, "total": 0},
        "informative": {"demand": 0, "supply": 1, "total": 1},
        "cooperation": {"demand": 1, "supply": 2, "total": 3}}
    assert report.actions == {"created": 1, "advanced": 0, "signed": 0}
    [link] = report.pairings
    assert link.match.opportunity_id == things["need"].id and link.meeting_id == things["m1"].id
    cooperation = {row.meeting.id: row.match for row in report.cooperation_rows}
    assert cooperation == {things["m1"].id: link.match, things["m3"].id: None}


def test_signed_pairings_and_amount_in_the_report(ctx, make):
    department, enterprise = make.org("department"), make.org()
    first = make.opportunity(department, status="published")
    second = make.opportunity(department, status="published", title="园区能耗监测平台")
    make.pairing(second, enterprise, "contacted")
    event = make.event(kind="signing")
    make.age_event(event)
    admin = make.admin()
    today = beijing_today().isoformat()
    for opportunity, amount in ((first, "120"), (second, "80.5")):
        outcomes.record_signing(admin, event, {
            "opportunity_id": str(opportunity.id), "supplier_id": str(enterprise.id),
            "contract_amount_wan": amount, "contract_date": today})
    report = reports.build(event)
    assert report.actions == {"created": 1, "advanced": 0, "signed": 2}
    assert report.signed_amount_wan == Decimal("200.50")
    assert report.no_shows == 0 and report.meetings == []


def test_report_page_and_workbook(client, login_as, make):
    event, _ = arranged(make)
    login_as(make.region_admin("360113"))
    html = client.get(f"/events/{event.id}/report").get_data(as_text=True)
    for text in ("活动报告：数字经济供需对接会", "对方未到", "可先试点", "尚无对接",
                 "已举行（已到时间 3）", "新建对接"):
        assert text in html, text
    response = client.get(f"/events/{event.id}/report.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["概况", "会谈与评价", "对接"]
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=3, values_only=True)}
    assert summary["已举行"] == 2 and summary["未到场"] == 2 and summary["对接：新建对接"] == 1
    cells = [row for row in book["会谈与评价"].iter_rows(min_row=3, values_only=True)]
    assert cells[1][4:] == ("未进行：对方未到", "有价值但暂无合作", "否")


# --- the indicator: events held per region and year --------------------------------------
def held_event(make, region: str, ended: datetime):
    event = make.event(region_code=region, title=f"{region}活动")
    shift = event.ends_at - ended
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        setattr(event, name, getattr(event, name) - shift)
    db.session.commit()
    return event


def test_events_held_roll_up_from_district_to_province(ctx, make):
    year = utcnow().year - 1
    held_event(make, "360113", datetime(year, 5, 10, 6))   # 红谷滩区
    held_event(make, "360113", datetime(year, 11, 2, 6))
    held_event(make, "360100", datetime(year, 3, 1, 6))    # 南昌市 itself
    held_event(make, "360103", datetime(year, 9, 9, 6))    # 西湖区
    held_event(make, "360200", datetime(year, 6, 1, 6))    # 景德镇市
    held_event(make, "360000", datetime(year, 12, 1, 6))   # the province's own
    held_event(make, "360113", datetime(year - 1, 12, 30, 6))  # the year before
    make.event(region_code="360113")  # still to come this year: not held
    count = indicators.METRICS["events_held"][1]

    def held(code, in_year=year):
        return count(db.session.get(Region, code), in_year)
    assert (held("360113"), held("360103"), held("360100")) == (2, 1, 4)
    assert held("360000") == 6 and held("360113", year - 1) == 1
    assert held("360113", utcnow().year + 1) == 0


def test_the_province_table_computes_events_held(ctx, make):
    indicator = db.session.scalar(sa.select(Indicator).where(
        Indicator.region_code == "360000", Indicator.metric == "events_held"))
    assert indicator.is_computed and indicator.target_for(2022) == 2
    held_event(make, "360113", datetime(2022, 6, 1, 6))
    held_event(make, "360103", datetime(2022, 8, 1, 6))
    [row] = [r for r in indicators.table(db.session.get(Region, "360000"), 2022)
             if r.indicator.id == indicator.id]
    assert row.computed and row.value == 2 and row.target == 2


def test_the_indicator_page_shows_events_held(client, login_as, make):
    held_event(make, "360113", datetime(2022, 6, 1, 6))
    login_as(make.admin())
    html = client.get("/programme/indicators?region=360000&year=2022").get_data(as_text=True)
    assert "供需对接会等活动" in html and "平台统计" in html


# --- the admin funnel ---------------------------------------------------------------------
def test_the_admin_funnel_counts_pairings_started_at_events(client, login_as, make):
    _, things = arranged(make)
    make.pairing(make.opportunity(make.org("department"), status="published"), things["e1"],
                 "contacted")
    login_as(make.admin())
    html = client.get("/admin/funnel").get_data(as_text=True)
    rows = dict(reports_rows(html))
    assert rows["对接活动"] == ("1", "0") and rows["管理员录入"] == ("1", "0")


def reports_rows(html: str):
    """(origin label, (pairings, signed)) from the funnel page's 按来源 table."""
    table = html.split("<caption>按来源</caption>", 1)[1].split("</table>", 1)[0]
    for label, total, signed in re.findall(
            r'<th scope="row">(.*?)</th><td class="num">(\d+)</td><td class="num">(\d+)</td>',
            table):
        yield label, (total, signed)


def test_an_event_to_come_has_no_no_shows_yet(ctx, make):
    event = make.event()
    report = reports.build(event)
    assert (report.attendees, report.no_shows, report.held) == (0, None, 0)
