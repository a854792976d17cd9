"""Exports for the day: the participant list (.xlsx, opened back with openpyxl; a
formula-like name stays text) and the printable sign-in sheet."""
import io
from datetime import datetime
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from marketplace.events import checkin
from marketplace.extensions import db
from marketplace.spreadsheets import restore
from tests.events.checkin_helpers import registered

FORMULA = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def day(make):
    event = make.event(kind="roadshow", title="数字经济产品路演")
    supplier = make.org(name="洪都智能科技有限公司")
    product = make.product(supplier, status="published", title="城市部件智能巡检系统")
    presenting = registered(make, event, supplier, ("张三", FORMULA))
    presenting.products = [product]
    department = registered(make, event, make.org("department", name="区科工局"), ("李四",))
    waiting = registered(make, event, make.org(name="候补科技有限公司"), ("王五",),
                         status="waitlisted")
    db.session.commit()
    staff = make.admin()
    checkin.check_in(staff, event, code=presenting.attendees[0].code,
                     now=datetime(2026, 12, 15, 1, 30))  # 09:30 in Beijing
    db.session.commit()
    return event, presenting, department, waiting, staff


def test_the_participant_list_opens_back_with_every_column(app, login_as, day):
    event, presenting, department, waiting, staff = day
    response = login_as(staff).get(f"/events/{event.id}/participants.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="event-{event.id}-participants.xlsx"')
    assert f"filename*=UTF-8''{quote('数字经济产品路演-参会名单.xlsx')}" in disposition

    sheet = load_workbook(io.BytesIO(response.data))["参会名单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("数字经济产品路演 参会名单（产品路演，")
    assert rows[1] == ("单位", "类型", "状态", "参会人", "职务", "签到码", "签到时间",
                       "带来的机会/产品")
    zhang, formula = presenting.attendees
    product = presenting.products[0]
    assert rows[2:] == [
        ("区科工局", "需求方", "已确认", "李四", "经理", department.attendees[0].code, None,
         None),
        ("洪都智能科技有限公司", "供给方", "已确认", "张三", "经理", zhang.code,
         "2026-12-15 09:30", f"{product.public_number} 城市部件智能巡检系统"),
        ("洪都智能科技有限公司", "供给方", "已确认", "'" + FORMULA, "经理", formula.code,
         None, f"{product.public_number} 城市部件智能巡检系统"),
        ("候补科技有限公司", "供给方", "候补中", "王五", "经理", waiting.attendees[0].code,
         None, None),
    ]
    # The formula-like name is a text cell, and reads back as typed.
    cell = sheet.cell(row=5, column=4)
    assert cell.data_type == "s" and restore(cell.value) == FORMULA


def test_a_control_character_in_a_name_does_not_break_the_workbook(app, make, login_as, day):
    event, presenting, *_, staff = day
    presenting.attendees[0].name = "张\x07三"
    db.session.commit()
    response = login_as(staff).get(f"/events/{event.id}/participants.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["参会名单"]
    assert "张三" in [row[3] for row in sheet.iter_rows(values_only=True)]


def test_the_sign_in_sheet_lists_confirmed_attendees_with_a_signature_column(
        app, login_as, day):
    event, presenting, department, waiting, staff = day
    html = login_as(staff).get(f"/events/{event.id}/signin-sheet").get_data(as_text=True)
    assert "数字经济产品路演 签到表" in html and "共 3 人" in html
    for header in ("序号", "单位", "姓名", "职务", "签到码", "签名"):
        assert f"<th scope=\"col\"" in html and f">{header}</th>" in html
    assert html.index("李四") < html.index("张三")  # 需求方 first
    assert department.attendees[0].code in html and presenting.attendees[0].code in html
    assert "王五" not in html  # waitlisted: not expected at the door
    assert "&#34;" in html or "&quot;" in html  # the formula-like name is escaped text


def test_exports_are_for_organizers_only(app, make, login_as, day):
    event, presenting, *_ = day
    client = login_as(presenting.organization.users[0])
    assert client.get(f"/events/{event.id}/participants.xlsx").status_code == 403
    assert client.get(f"/events/{event.id}/signin-sheet").status_code == 403
    client = login_as(make.region_admin("360103"))
    assert client.get(f"/events/{event.id}/participants.xlsx").status_code == 403
