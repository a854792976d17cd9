"""The programme's management pages through the client: designate (each kind's form),
revoke, change a target, enter an indicator value, the 调度 report and its .xlsx."""
from io import BytesIO

import sqlalchemy as sa
from openpyxl import load_workbook

from marketplace.db import beijing_today
from marketplace.demonstrations.models import (
    DemonstrationTarget, Designation, Indicator, IndicatorValue)
from marketplace.extensions import db

YEAR = beijing_today().year


def html(response, status=200) -> str:
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def test_designating_a_zone_through_the_form(client, make, login_as):
    login_as(make.admin())
    page = html(client.get("/programme/designations/new/zone?region=360113"))
    assert "认定示范区" in page and '<option selected value="360113">' in page
    bad = html(client.post("/programme/designations/new/zone", data={
        "kind": "zone", "region_code": "360113", "year": "1990", "name": ""}), 400)
    assert "请填写示范区名称。" in bad and "认定年份应在" in bad
    assert db.session.scalar(sa.select(sa.func.count(Designation.id))) == 0
    response = client.post("/programme/designations/new/zone", data={
        "kind": "zone", "region_code": "360113", "year": str(YEAR), "name": "红谷滩示范区",
        "focus": "城市治理", "lead_unit": "区科技局"})
    made = db.session.scalar(sa.select(Designation))
    assert response.status_code == 302 and response.location.endswith(
        f"/programme/designations/{made.id}")
    detail = html(client.get(response.location))
    assert "红谷滩示范区" in detail and "撤销认定" in detail


def test_a_project_form_offers_the_signed_pairings(client, make, login_as):
    department, enterprise = make.org("department"), make.org()
    signed = make.pairing(make.opportunity(department, "published"), enterprise, "signed")
    talking = make.pairing(make.opportunity(department, "published", title="洽谈中的机会"),
                           make.org(), "negotiating")
    login_as(make.admin())
    page = html(client.get(f"/programme/designations/new/project?match={signed.id}"))
    assert f'<option selected value="{signed.id}">' in page and f'value="{talking.id}"' not in page
    assert html(client.get("/programme/designations/new/nonsense"), 404)


def test_revoking_through_the_page(client, make, login_as):
    admin = make.admin()
    made = Designation(region_code="360113", kind="zone", year=YEAR, name="待撤销",
                       status="active")
    db.session.add(made)
    db.session.commit()
    login_as(admin)
    client.post(f"/programme/designations/{made.id}/revoke", data={"reason": ""})
    assert made.status == "active"
    client.post(f"/programme/designations/{made.id}/revoke", data={"reason": "复核未通过"})
    db.session.refresh(made)
    assert made.status == "revoked"
    assert "撤销认定" not in html(client.get(f"/programme/designations/{made.id}"))


def test_changing_a_target_and_entering_an_indicator_value(client, make, login_as):
    login_as(make.admin())
    target = db.session.scalar(sa.select(DemonstrationTarget).where(
        DemonstrationTarget.region_code == "360113", DemonstrationTarget.kind == "zone"))
    assert 'value="10"' in html(client.get(f"/programme/targets/{target.id}"))
    bad = html(client.post(f"/programme/targets/{target.id}", data={
        "target": "-3", "qualifier": "以上", "start_year": "2022", "end_year": "2025"}), 400)
    assert "目标数量不能小于 0。" in bad and target.target == 10
    client.post(f"/programme/targets/{target.id}", data={
        "target": "12", "qualifier": "以上", "start_year": "2022", "end_year": "2025"})
    db.session.refresh(target)
    assert target.target == 12
    history = html(client.get(f"/programme/targets/{target.id}"))
    assert "目标 10以上（2022—2025年）→ 12以上（2022—2025年）" in history
    revenue = db.session.scalar(sa.select(Indicator).where(
        Indicator.region_code == "360103", Indicator.number == 1))
    table = html(client.get("/programme/indicators?region=360103&year=2025"))
    assert "数字经济核心产业营业收入" in table and "平台统计" in table
    refused = html(client.post(f"/programme/indicators/{revenue.id}/values",
                               data={"year": "2025", "value": "许多"}), 400)
    assert "请填写数值。" in refused
    client.post(f"/programme/indicators/{revenue.id}/values", data={"year": "2025",
                                                                    "value": "150.5"})
    assert db.session.scalar(sa.select(IndicatorValue.value)) == 150.5
    assert "150.5" in html(client.get("/programme/indicators?region=360103&year=2025"))


def test_the_report_page_and_its_workbook(client, make, login_as):
    login_as(make.admin())
    page = html(client.get("/programme/report?region=360103&year=2025"))
    assert "江西省南昌市西湖区2025年应用场景“十百千”调度报告" in page
    export = client.get("/programme/report.xlsx?region=360103&year=2025&quarter=2")
    book = load_workbook(BytesIO(export.data))
    assert book["指标"]["A1"].value == "江西省南昌市西湖区2025年第2季度应用场景“十百千”调度报告"


def test_organization_users_are_refused(client, make, login_as):
    login_as(make.org("department").users[0])
    for url in ("/programme/designations/new/zone", "/programme/indicators",
                "/programme/report"):
        assert client.get(url).status_code == 403
