"""Exports people can use, read back from the real files: times in Beijing time, numbers
as numbers with number formats, a CSV beside every list .xlsx."""
import csv
import io
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook

from marketplace.db import to_beijing
from marketplace.extensions import db


def sheet_rows(data: bytes, name: str, header_row: int):
    sheet = load_workbook(io.BytesIO(data))[name]
    header = [cell.value for cell in sheet[header_row]]
    return sheet, header, [dict(zip(header, row)) for row in sheet.iter_rows(
        min_row=header_row + 1)]


def csv_rows(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel and WPS
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_release_xlsx_budget_is_a_summable_number_and_deadline_a_date(client, make):
    department = make.org(kind="department")
    item = make.opportunity(department, status="published", budget_wan="1234.5")
    response = client.get(f"/releases/{item.release_id}.xlsx")
    _, _, rows = sheet_rows(response.data, "机会清单", 2)
    (row,) = rows
    assert row["预算（万元）"].value == 1234.5 and row["预算（万元）"].number_format == "#,##0.00"
    assert row["截止日期"].is_date and row["截止日期"].number_format == "yyyy-mm-dd"
    assert row["截止日期"].value.date() == item.deadline


def test_release_csv_beside_the_xlsx_per_list(client, make):
    department, enterprise = make.org(kind="department"), make.org(kind="enterprise")
    item = make.opportunity(department, status="published", budget_wan="300")
    response = client.get(f"/releases/{item.release_id}/opportunity.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    (row,) = csv_rows(response.data)
    assert row["编号"] == item.public_number and row["预算（万元）"] == "300.00"
    assert row["截止日期"] == item.deadline.isoformat() and row["发布单位"] == department.name
    negotiable = make.opportunity(department, status="published", budget_wan="")
    (row,) = csv_rows(client.get(f"/releases/{negotiable.release_id}/opportunity.csv").data)
    assert row["预算（万元）"] == "面议"
    product = make.product(enterprise, status="published", title="=1+1 方案")
    (row,) = csv_rows(client.get(f"/releases/{product.release_id}/product.csv").data)
    assert row["名称"] == "'=1+1 方案" and row["成熟度"] == "成熟"
    page = client.get(f"/releases/{product.release_id}").get_data(as_text=True)
    assert f"/releases/{product.release_id}/product.csv" in page


def test_proposal_exports_show_beijing_time_and_numeric_prices(client, make, login_as):
    department, enterprise = make.org(kind="department"), make.org(kind="enterprise")
    opportunity = make.opportunity(department, status="published")
    proposal = make.proposal(opportunity, enterprise, "submitted", price_wan="280.5")
    proposal.submitted_at = datetime(2026, 5, 1, 10, 20)  # UTC; 18:20 in Beijing
    db.session.commit()
    login_as(department.users[0])
    response = client.get(f"/opportunities/{opportunity.id}/proposals.xlsx")
    _, _, rows = sheet_rows(response.data, "揭榜方案", 2)
    (row,) = rows
    assert row["提交时间"].value == datetime(2026, 5, 1, 18, 20)
    assert row["提交时间"].number_format == "yyyy-mm-dd hh:mm"
    assert row["报价（万元）"].value == 280.5 and row["报价（万元）"].number_format == "#,##0.00"
    response = client.get(f"/opportunities/{opportunity.id}/proposals.csv")
    (line,) = csv_rows(response.data)
    assert line["提交时间"] == "2026-05-01 18:20" and line["报价（万元）"] == "280.50"
    assert to_beijing(proposal.submitted_at).hour == 18  # what the page shows
    page = client.get(f"/opportunities/{opportunity.id}/proposals").get_data(as_text=True)
    assert f"/opportunities/{opportunity.id}/proposals.csv" in page


def test_csv_exports_are_audited(client, make, login_as):
    from tests.test_export_audit import exported

    item = make.opportunity(make.org(kind="department"), status="published")
    client.get(f"/releases/{item.release_id}/opportunity.csv")
    [entry] = exported("release.export")
    assert entry.after == {"rows": 1} and "CSV" in entry.summary


def test_decimal_prices_survive_as_numbers(make):
    from marketplace.spreadsheets import csv_text

    assert csv_text(Decimal("280.50")) == "280.50" and csv_text(3.0) == "3"


def test_list_export_types_its_cells(app, make, tmp_path):
    make.opportunity(make.org(kind="department"), status="published", budget_wan="12.5")
    path = tmp_path / "o.xlsx"
    result = app.test_cli_runner().invoke(args=["lists", "export", str(path), "--kind",
                                                "opportunity"])
    assert result.exit_code == 0, result.output
    _, _, rows = sheet_rows(path.read_bytes(), "机会清单", 1)
    (row,) = rows
    assert row["预算（万元）"].value == 12.5 and row["预算（万元）"].number_format == "#,##0.00"
    assert row["截止日期"].is_date and row["截止日期"].number_format == "yyyy-mm-dd"
