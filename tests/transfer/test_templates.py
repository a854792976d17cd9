"""Import templates (/admin/imports/template/…): drop-down lists from the taxonomy tables,
an example row, and a round trip — generate, fill, import."""
import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.transfer.blanks import ORGANIZATION_PLACEHOLDER
from marketplace.transfer.importer import import_file
from marketplace.transfer.writers import NOTES_SHEET, OPTIONS_SHEET

OWNER_KIND = {"opportunity": "department", "product": "enterprise"}


def download(client, kind, fmt):
    response = client.get(f"/admin/imports/template/{kind}.{fmt}")
    assert response.status_code == 200
    return response


def validations(sheet) -> dict[str, tuple]:
    """Header → (list formula, error style) of each drop-down under a header."""
    headers = {cell.column_letter: cell.value for cell in sheet[1]}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
        found[headers[letter]] = (validation.formula1, validation.errorStyle)
    return found


def options(workbook, formula: str) -> list[str]:
    """The values of a list: written inline, or a range of the hidden options sheet."""
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet_name, cells = formula.split("!")
    first, last = cells.replace("$", "").split(":")
    sheet = workbook[sheet_name.strip("'")]
    return [row[0].value for row in sheet[first:last]]


def test_xlsx_template_lists_come_from_the_taxonomy(make, login_as):
    client = login_as(make.admin())
    workbook = load_workbook(io.BytesIO(download(client, "opportunity", "xlsx").data))
    assert workbook.sheetnames == ["机会清单", NOTES_SHEET, OPTIONS_SHEET]
    assert workbook[OPTIONS_SHEET].sheet_state == "hidden"
    sheet = workbook["机会清单"]
    lists = validations(sheet)
    assert set(lists) == {"领域", "地区", "合作方式"}
    assert lists["合作方式"] == ('"采购服务,联合研发,揭榜挂帅,试点应用,合作共建,其他"', "stop")
    fields = options(workbook, lists["领域"][0])
    assert "交通出行" in fields and "数字治理" not in fields  # groups are not fields
    assert lists["地区"][0].startswith(f"'{OPTIONS_SHEET}'!")  # too long to write inline
    regions = options(workbook, lists["地区"][0])
    assert regions[0] == "江西省" and "江西省南昌市红谷滩区" in regions
    assert "湖北省武汉市江岸区" in regions and lists["地区"][1] == "warning"
    header = [cell.value for cell in sheet[1]]
    example = dict(zip(header, [cell.value for cell in sheet[2]]))
    assert example["发布单位"] == ORGANIZATION_PLACEHOLDER
    assert example["预算（万元）"] == 300 and sheet.cell(2, header.index("预算（万元）") + 1)\
        .number_format == "#,##0.00"
    assert sheet.cell(2, header.index("截止日期") + 1).is_date
    assert "状态" not in header and "批次" not in header  # export-only columns


def test_product_template_offers_maturity(make, login_as):
    client = login_as(make.admin())
    workbook = load_workbook(io.BytesIO(download(client, "product", "xlsx").data))
    lists = validations(workbook["产品清单"])
    assert set(lists) == {"领域", "地区", "成熟度"}
    assert lists["成熟度"][0] == '"研发,试点,成熟"'


def test_a_region_admin_is_offered_its_subtree_only(make, login_as):
    client = login_as(make.region_admin("360100"))
    workbook = load_workbook(io.BytesIO(download(client, "opportunity", "xlsx").data))
    regions = options(workbook, validations(workbook["机会清单"])["地区"][0])
    assert regions[0] == "江西省南昌市" and "江西省南昌市红谷滩区" in regions
    assert all(region.startswith("江西省南昌市") for region in regions)


def fill(kind: str, make) -> str:
    org = make.org(kind=OWNER_KIND[kind])
    return org.name


@pytest.mark.parametrize("kind", ["opportunity", "product"])
def test_xlsx_template_round_trip(make, login_as, tmp_path, kind):
    admin = make.admin()
    client = login_as(admin)
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(download(client, kind, "xlsx").data)
    refused = pytest.raises(Exception)
    with refused:  # as downloaded, the example names no organization of the platform
        import_file(admin, path, kind)
    db.session.rollback()
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(2, header.index("发布单位") + 1).value = fill(kind, make)
    workbook.save(path)
    result = import_file(admin, path, kind)
    (item,) = result.items
    assert item.status == "draft" and item.region.full_name == "江西省"
    model = LISTING_MODELS[kind]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 1


@pytest.mark.parametrize("kind", ["opportunity", "product"])
def test_csv_template_round_trip(make, login_as, tmp_path, kind):
    admin = make.admin()
    data = download(login_as(admin), kind, "csv").data
    assert data.startswith(b"\xef\xbb\xbf")  # Excel and WPS read UTF-8 with a BOM
    header, example = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    example[header.index("发布单位")] = fill(kind, make)
    path = tmp_path / f"{kind}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows([header, example])
    (item,) = import_file(admin, path, kind).items
    assert item.title == example[header.index("名称")]


def test_templates_are_for_importers_only(make, login_as):
    client = login_as(make.member(make.org()))
    assert client.get("/admin/imports/template/product.xlsx").status_code == 403
    assert client.get("/admin/imports/template/product.pdf").status_code == 404
