"""The web import (/admin/imports): upload → preview (nothing written) → confirm, with
real files; the same row errors as `flask lists import`."""
import html
import io
import re

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.extensions import db
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.transfer import stash
from tests.transfer.test_import_export import (
    CN_HEADERS, counts, opportunity_row, write_csv, write_xlsx)

TICKET = re.compile(r'name="ticket" value="([^"]+)"')


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_DIR", str(tmp_path / "imports"))
    return tmp_path / "imports"


def kept(import_dir) -> list:
    return sorted(import_dir.glob("*")) if import_dir.exists() else []


@pytest.fixture
def department(make):
    return make.org(kind="department")


@pytest.fixture
def admin_client(make, login_as):
    return login_as(make.admin())


def upload(client, path, kind="opportunity", name=None):
    data = {"kind": kind, "file": (io.BytesIO(path.read_bytes()), name or path.name)}
    return client.post("/admin/imports/preview", data=data,
                       content_type="multipart/form-data")


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def ticket_of(response) -> str:
    found = TICKET.search(response.get_data(as_text=True))
    assert found, "the preview offers no confirmation"
    return html.unescape(found.group(1))


def confirm(client, ticket):
    return client.post("/admin/imports/confirm", data={"ticket": ticket})


def bad_file(tmp_path, department, suffix=".csv"):
    rows = [CN_HEADERS, opportunity_row(department.name),
            opportunity_row(department.name, ref="A-02", 领域="不存在的领域")]
    writer = write_csv if suffix == ".csv" else write_xlsx
    return writer(tmp_path / f"机会清单{suffix}", rows)


def good_file(tmp_path, department, suffix=".xlsx", region="江西省南昌市红谷滩区"):
    rows = [CN_HEADERS, opportunity_row(department.name, 地区=region),
            opportunity_row(department.name, ref="A-02", 名称="城市大脑", 地区=region)]
    writer = write_csv if suffix == ".csv" else write_xlsx
    return writer(tmp_path / f"机会清单{suffix}", rows)


# --- preview ---------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_preview_shows_the_row_errors_and_writes_nothing(admin_client, tmp_path, department,
                                                         import_dir, suffix):
    before = counts()
    response = upload(admin_client, bad_file(tmp_path, department, suffix))
    assert response.status_code == 200
    page = text_of(response)
    assert "共 1 处问题，未写入任何数据" in page
    assert "第 3 行" in page and "领域" in page and "未找到领域“不存在的领域”。" in page
    assert 'name="ticket"' not in page  # nothing to confirm
    assert counts() == before and kept(import_dir) == []


def test_preview_reports_what_the_command_line_reports(admin_client, runner, make, tmp_path,
                                                       department):
    path = bad_file(tmp_path, department)
    page = text_of(upload(admin_client, path))
    result = runner("import", path, "--kind", "opportunity", "--as", make.admin().email)
    cli_problems = result.output.splitlines()[1:]
    assert cli_problems == ["第 3 行 [领域]：未找到领域“不存在的领域”。"]
    shown = re.findall(r'<td class="num">(第 \d+ 行)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>',
                       page)
    assert [f"{row} [{column}]：{message}" for row, column, message in shown] == cli_problems


def test_preview_of_a_good_file_then_confirm_imports_it(admin_client, tmp_path, department,
                                                        import_dir):
    before = counts()
    response = upload(admin_client, good_file(tmp_path, department))
    page = text_of(response)
    assert "校验通过：共 2 条机会清单" in page and "城市大脑" in page
    assert counts() == before  # the preview wrote nothing
    assert len(kept(import_dir)) == 1
    response = confirm(admin_client, ticket_of(response))
    assert response.status_code == 302
    assert "已导入 2 条机会清单" in text_of(admin_client.get(response.location))
    titles = db.session.scalars(sa.select(Opportunity.title).order_by(Opportunity.id)).all()
    assert titles[-2:] == ["智慧停车诱导系统", "城市大脑"]
    record = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.action == "opportunity.import")).one()
    assert record.after["file"] == "机会清单.xlsx" and len(record.after["ids"]) == 2
    assert kept(import_dir) == []  # a ticket works once


def test_a_ticket_works_once(admin_client, tmp_path, department):
    ticket = ticket_of(upload(admin_client, good_file(tmp_path, department, ".csv")))
    assert confirm(admin_client, ticket).status_code == 302
    before = counts()
    response = confirm(admin_client, ticket)
    assert response.status_code == 302
    assert "此次预览已失效" in text_of(admin_client.get(response.location))
    assert counts() == before


def test_an_expired_preview_is_refused(admin_client, tmp_path, department, monkeypatch):
    ticket = ticket_of(upload(admin_client, good_file(tmp_path, department)))
    monkeypatch.setattr(stash, "_max_age", lambda: -1)
    before = counts()
    response = confirm(admin_client, ticket)
    assert "此次预览已失效" in text_of(admin_client.get(response.location))
    assert counts() == before


def test_another_users_or_a_forged_ticket_is_not_found(admin_client, make, login_as, tmp_path,
                                                       department):
    ticket = ticket_of(upload(admin_client, good_file(tmp_path, department)))
    other = login_as(make.admin())  # the same test client, signed in as another admin
    before = counts()
    assert confirm(other, ticket).status_code == 404
    assert confirm(other, ticket[:-2] + "xx").status_code == 404
    assert counts() == before


def test_a_file_changed_after_its_preview_is_not_imported(admin_client, tmp_path, department,
                                                         import_dir):
    ticket = ticket_of(upload(admin_client, good_file(tmp_path, department, ".csv")))
    (path,) = kept(import_dir)
    path.write_bytes(path.read_bytes().replace("城市大脑".encode(), "偷换内容".encode()))
    before = counts()
    assert confirm(admin_client, ticket).status_code == 404
    assert counts() == before and kept(import_dir) == []


def test_rows_that_went_bad_since_the_preview_are_all_listed(admin_client, tmp_path,
                                                              department):
    ticket = ticket_of(upload(admin_client, good_file(tmp_path, department, ".csv")))
    department.name = "改名后的单位"  # the file's organization no longer exists by that name
    db.session.commit()
    before = counts()
    page = text_of(confirm(admin_client, ticket))
    assert "共 2 处问题，未写入任何数据" in page and page.count("未找到单位") == 2
    assert counts() == before


# --- who may import what -----------------------------------------------------------------
def test_region_admin_imports_only_into_its_subtree(make, login_as, tmp_path, department,
                                                    import_dir):
    client = login_as(make.region_admin("360113"))
    before = counts()
    page = text_of(upload(client, good_file(tmp_path, department, region="江西省南昌市西湖区")))
    assert "共 2 处问题" in page
    assert page.count("您只能导入江西省南昌市红谷滩区及其下辖地区的条目。") == 2
    assert counts() == before and kept(import_dir) == []
    response = upload(client, good_file(tmp_path, department))
    assert confirm(client, ticket_of(response)).status_code == 302
    regions = db.session.scalars(sa.select(Opportunity.region_code)).all()
    assert regions[-2:] == ["360113", "360113"]


def test_organization_users_may_not_import(make, login_as, tmp_path, department):
    client = login_as(make.org_admin(department))
    before = counts()
    assert client.get("/admin/imports/").status_code == 403
    assert upload(client, good_file(tmp_path, department)).status_code == 403
    assert counts() == before


# --- the file field ------------------------------------------------------------------------
def field_error(response) -> str:
    found = re.search(r'<p class="field-error" id="file-error">(.*?)</p>', text_of(response))
    assert found, "no message at the file field"
    return found.group(1)


def test_wrong_type_empty_and_missing_files_are_named_at_the_file_field(
        admin_client, tmp_path, import_dir):
    (tmp_path / "list.txt").write_text("名称\n智慧停车", encoding="utf-8")
    assert "仅支持 Excel（.xlsx）或 CSV 文件" in field_error(
        upload(admin_client, tmp_path / "list.txt"))
    (tmp_path / "empty.csv").write_bytes(b"")
    assert field_error(upload(admin_client, tmp_path / "empty.csv")) == "文件是空的，请选择填写好的文件。"
    (tmp_path / "fake.xlsx").write_text("not a workbook", encoding="utf-8")
    assert "不是有效的 .xlsx 文件" in field_error(upload(admin_client, tmp_path / "fake.xlsx"))
    (tmp_path / "header.csv").write_bytes(",".join(CN_HEADERS).encode("utf-8-sig"))
    assert field_error(upload(admin_client, tmp_path / "header.csv")) == "文件中没有数据行。"
    response = admin_client.post("/admin/imports/preview", data={"kind": "opportunity"},
                                 content_type="multipart/form-data")
    assert field_error(response) == "请选择要导入的文件。"
    assert kept(import_dir) == []


@pytest.mark.parametrize("size", [3000, 200_000])  # refused by the service, by the parser
def test_a_file_over_the_limit_is_named_at_the_file_field(app, admin_client, tmp_path,
                                                          department, monkeypatch, size):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 2048)
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * size)
    before = counts()
    response = upload(admin_client, path)
    assert response.status_code == 200
    assert field_error(response) == "文件超过 0.00195312 MB，请拆分后分批导入。"
    assert counts() == before


def test_too_many_rows_are_refused_as_a_whole(app, admin_client, tmp_path, department,
                                              monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 1)
    response = upload(admin_client, good_file(tmp_path, department))
    assert "超过了每次最多 1 行的限制" in field_error(response)


def test_products_import_too(admin_client, make, tmp_path):
    enterprise = make.org(kind="enterprise")
    headers = ["名称", "发布单位", "领域", "地区", "成熟度", "摘要", "描述", "联系人", "联系电话"]
    row = ["停车诱导方案", enterprise.name, "交通出行", "360113", "成熟", "诱导屏。", "方案。",
           "李女士", "13912345678"]
    response = upload(admin_client, write_csv(tmp_path / "p.csv", [headers, row]), "product")
    assert "校验通过：共 1 条产品清单" in text_of(response)
    confirm(admin_client, ticket_of(response))
    assert db.session.scalars(sa.select(Product.title)).all()[-1] == "停车诱导方案"
