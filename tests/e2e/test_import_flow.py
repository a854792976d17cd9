"""End to end in a real browser: a platform admin imports a 机会清单 file on the web. A
file with one bad row shows that row's error and writes nothing; the corrected file
previews cleanly and imports on confirmation.

Everything goes through the UI (labels as locators, real clicks, CSRF on); the files are
real CSV files on disk.
"""
import csv

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.opportunities.models import Opportunity
from tests.e2e.test_publish_flow import flash, login
from tests.factories import Factory

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture skips, or fails when REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser

HEADERS = ["编号", "名称", "发布单位", "领域", "地区", "预算（万元）", "合作方式", "摘要", "描述",
           "联系人", "联系电话"]


def _rows(department: str, field: str) -> list[list[str]]:
    return [HEADERS,
            ["E2E-01", "网页导入：智慧停车诱导", department, "交通出行", "江西省南昌市红谷滩区",
             "300", "采购服务", "停车诱导屏。", "覆盖核心商圈。", "王先生", "13812345678"],
            ["E2E-02", "网页导入：城市大脑", department, field, "360113", "面议",
             "联合研发", "城市运行一网统管。", "数据中台与指挥大屏。", "李女士", "0791-83881234"]]


def _write(path, rows) -> str:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows(rows)
    return str(path)


def _imported(live_server) -> list[str]:
    with live_server.app.app_context():
        try:
            return db.session.scalars(sa.select(Opportunity.title).where(
                Opportunity.title.like("网页导入：%")).order_by(Opportunity.id)).all()
        finally:
            db.session.remove()


def _department(live_server) -> str:
    with live_server.app.app_context():
        try:
            return Factory().org(kind="department", name="网页导入测试局").name
        finally:
            db.session.remove()


def test_a_bad_row_writes_nothing_then_the_corrected_file_imports(page, live_server, tmp_path):
    department = _department(live_server)
    login(page, live_server.admin_email, live_server.admin_password)
    page.goto("/admin/")
    page.get_by_role("link", name="批量导入").click()
    expect(page.get_by_role("heading", name="批量导入", level=1)).to_be_visible()

    page.get_by_label("清单文件").set_input_files(
        _write(tmp_path / "机会清单.csv", _rows(department, "不存在的领域")))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_text("共 1 处问题，未写入任何数据")).to_be_visible()
    problem = page.locator("table.import-problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("第 3 行")
    expect(problem).to_contain_text("领域")
    expect(problem).to_contain_text("未找到领域“不存在的领域”。")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    assert _imported(live_server) == []

    page.get_by_label("清单文件").set_input_files(
        _write(tmp_path / "机会清单（改）.csv", _rows(department, "交通出行")))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_text("校验通过：共 2 条机会清单")).to_be_visible()
    expect(page.locator("table.import-rows tbody tr")).to_have_count(2)
    assert _imported(live_server) == []  # the preview wrote nothing
    page.get_by_role("button", name="确认导入 2 条").click()
    expect(flash(page, "已导入 2 条机会清单")).to_be_visible()
    assert _imported(live_server) == ["网页导入：智慧停车诱导", "网页导入：城市大脑"]
