"""`flask lists import-designations` and `designation-template`: real files in tmp_path,
through the CLI and demonstrations.services.designate."""
import csv
import json

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from marketplace.audit import AuditLog
from marketplace.db import beijing_today
from marketplace.demonstrations.models import Designation
from marketplace.extensions import db
from marketplace.transfer.designations import SHEET

YEAR = beijing_today().year
CN_HEADERS = ["序号", "类别", "地区", "年份", "批次", "名称", "级别", "场景方向", "牵头单位",
              "认定依据", "企业", "产品编号", "机会编号", "供给方"]
EN_HEADERS = ["No", "Kind", "REGION", "year", "Batch", "name", "Level", "focus", "Lead_Unit",
              "reason", "Organization", "product_number", "opportunity", "Supplier"]
KEYS = ["number", "kind", "region", "year", "batch", "name", "level", "focus", "lead_unit",
        "reason", "organization", "product", "opportunity", "supplier"]


def row(kind, **cells) -> dict:
    values = {"kind": kind, "region": "江西省南昌市红谷滩区", "year": YEAR,
              "batch": f"{YEAR}年第一批"}
    values.update(cells)
    return values


def cells(values: dict, number: int = 1) -> list:
    return [values.get(key, number if key == "number" else None) for key in KEYS]


def write_xlsx(path, rows, headers=CN_HEADERS):
    workbook = Workbook()
    workbook.active.append(headers)
    for number, values in enumerate(rows, 1):
        workbook.active.append(cells(values, number))
    workbook.save(path)
    return path


@pytest.fixture
def parties(make):
    """A verified enterprise, a published product of it and a signed pairing with it."""
    enterprise = make.org(name="江西智行科技有限公司")
    product = make.product(enterprise, "published")
    opportunity = make.opportunity(make.org("department"), "published")
    match = make.pairing(opportunity, enterprise, "signed")
    return enterprise, product, opportunity, match


def every_kind(parties) -> list[dict]:
    enterprise, product, opportunity, _match = parties
    return [
        row("示范区", name="红谷滩数字经济示范区", focus="城市治理、文旅消费",
            lead_unit="红谷滩区科学技术和经济信息化局"),
        row("示范项目", level="区级", name="智慧停车诱导系统", reason="已上线运行，验收报告见附件。"),
        row("示范项目", level="省级", opportunity=opportunity.public_number,
            supplier=enterprise.name),
        row("高成长性企业", organization=enterprise.name, reason="近三年营收年均增长 45%。"),
        row("推荐目录产品", product=product.public_number.lower()),
    ]


def counts():
    return [db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Designation, AuditLog)]


def designations():
    return db.session.scalars(sa.select(Designation).order_by(Designation.id)).all()


@pytest.fixture
def admin(make):
    return make.admin()


@pytest.fixture
def imports(runner, admin):
    def run(path, *options, actor=None):
        return runner("import-designations", path, "--as", (actor or admin).email, *options)
    return run


def test_each_kind_is_designated_through_the_service(imports, tmp_path, parties, admin):
    enterprise, product, opportunity, match = parties
    before = counts()
    result = imports(write_xlsx(tmp_path / "认定.xlsx", every_kind(parties)))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "已导入 5 项认定：示范区 1，示范项目 2，高成长性企业 1，推荐目录产品 1。")
    assert "第 2 行 → 示范区：红谷滩数字经济示范区" in result.output
    zone, by_hand, paired, grown, listed = designations()
    assert (zone.kind, zone.region_code, zone.year, zone.batch) == (
        "zone", "360113", YEAR, f"{YEAR}年第一批")
    assert zone.lead_unit == "红谷滩区科学技术和经济信息化局"
    assert (by_hand.level, by_hand.match_id, by_hand.reason) == (
        "district", None, "已上线运行，验收报告见附件。")
    assert (paired.level, paired.match_id, paired.name) == (
        "province", match.id, opportunity.title)
    assert (grown.organization_id, grown.name) == (enterprise.id, enterprise.name)
    assert (listed.product_id, listed.name) == (product.id, product.title)
    assert all(d.created_by_id == admin.id and d.is_active for d in designations())
    actions = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.id > 0)
                                 .order_by(AuditLog.id)).all()[-6:]
    assert actions == ["designation.create"] * 5 + ["designation.import"]
    assert counts() == [before[0] + 5, before[1] + 6]


def test_english_headers_csv_and_jsonl(imports, tmp_path, parties):
    enterprise, product, *_ = parties
    zone = row("zone", region="360113", name="数字经济示范区", focus="城市治理",
               lead_unit="区科技局")
    with (tmp_path / "d.csv").open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(EN_HEADERS)
        writer.writerow(cells(zone))
        writer.writerow([""] * len(EN_HEADERS))  # blank rows are skipped
        writer.writerow(cells(row("Catalogue", region="红谷滩区", product=product.public_number,
                                  reason="'=入选理由")))  # neutralised cell restored
    result = imports(tmp_path / "d.csv")
    assert result.exit_code == 0, result.output
    assert "示范区 1，推荐目录产品 1" in result.output
    assert designations()[-1].reason == "=入选理由"

    record = {"kind": "enterprise", "region_code": "360113", "YEAR": f"{YEAR}年",
              "企业名称": enterprise.name, "理由": "营收高速增长"}
    (tmp_path / "d.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    result = imports(tmp_path / "d.jsonl")
    assert result.exit_code == 0, result.output
    assert designations()[-1].reason == "营收高速增长"


def test_every_problem_is_listed_and_nothing_saved(imports, tmp_path, parties, make):
    enterprise, product, *_ = parties
    pending = make.org(status="pending", name="江西待审科技有限公司")
    rows = [
        row("示范区", region="江西省南昌市不存在区", name="示范区甲", focus="治理", lead_unit="科技局"),
        row("示范区", year="明年", name="示范区乙", focus="治理", lead_unit="科技局"),
        row("示范区", year=1999, name="示范区丙", focus="治理", lead_unit="科技局"),
        row("示范区", focus="治理", lead_unit="科技局"),
        row("高成长性企业", organization=pending.name, reason="增长快"),
        row("推荐目录产品", product="CP-1999-01-001"),
        row("示范项目", level="国家级", name="项目", reason="材料"),
        row("示范中心", name="X"),
        row("高成长性企业", organization=enterprise.name, reason="增长快"),  # fine on its own
    ]
    before = counts()
    result = imports(write_xlsx(tmp_path / "bad.xlsx", rows))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "导入失败，共 8 处问题，未写入任何数据："
    assert lines[1:] == [
        "第 2 行 [地区]：未找到地区“江西省南昌市不存在区”，请填写全称（如 江西省南昌市红谷滩区）或 6 位地区代码。",
        "第 3 行 [年份]：年份“明年”应为 4 位数字，如 2026。",
        f"第 4 行 [年份]：认定年份应在 2020—{YEAR + 1} 年之间。",
        "第 5 行 [名称]：请填写示范区名称。",
        "第 6 行 [企业]：“江西待审科技有限公司”尚未通过平台认证，认证后才能认定。",
        "第 7 行 [产品编号]：未找到编号为“CP-1999-01-001”的产品。",
        "第 8 行 [级别]：未知的级别“国家级”，应为区级、市级、省级之一。",
        "第 9 行 [类别]：未知的类别“示范中心”，应为示范区、示范项目、高成长性企业、推荐目录产品之一。",
    ]
    assert counts() == before


def test_several_problems_of_one_row_are_all_listed(imports, tmp_path):
    rows = [row("示范项目", region="999999", year="", level="")]
    result = imports(write_xlsx(tmp_path / "bad.xlsx", rows, EN_HEADERS))
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        "第 2 行 [REGION]：地区代码“999999”不存在。",
        "第 2 行 [year]：请填写年份。",
        "第 2 行 [name]：请填写项目名称。",
        "第 2 行 [Level]：请填写级别（区级、市级、省级）。",
        "第 2 行 [reason]：请填写认定依据（证明材料说明）。",
    ]


def test_pairings_are_found_by_opportunity_and_supplier(imports, tmp_path, parties, make):
    enterprise, _product, opportunity, _match = parties
    talking = make.pairing(make.opportunity(make.org("department"), "published"),
                           enterprise, "negotiating")
    rows = [
        row("示范项目", level="市级", opportunity=opportunity.public_number,
            supplier=enterprise.name),
        row("示范项目", level="市级", opportunity=opportunity.public_number,
            supplier=enterprise.name),
        row("示范项目", level="市级", opportunity=talking.opportunity.public_number,
            supplier=enterprise.name),
        row("示范项目", level="市级", opportunity="JH-1999-01-001", supplier=enterprise.name),
        row("示范项目", level="市级", opportunity=opportunity.public_number),
        row("示范项目", level="市级", opportunity=opportunity.public_number,
            supplier=make.org().name),
    ]
    result = imports(write_xlsx(tmp_path / "p.xlsx", rows))
    assert result.exit_code == 1
    other = rows[-1]["supplier"]
    assert result.output.splitlines()[1:] == [
        "第 3 行 [机会编号]：与第 2 行重复。",
        "第 4 行 [机会编号]：该对接当前为“洽谈中”，签约或落地后才能认定为示范项目。",
        "第 5 行 [机会编号]：未找到编号为“JH-1999-01-001”的机会。",
        "第 6 行 [供给方]：填写了机会编号时请同时填写供给方；手工录入的项目两列都不填。",
        f"第 7 行 [供给方]：机会 {opportunity.public_number} 与“{other}”之间没有对接记录。",
    ]


def test_a_designation_made_before_is_refused_by_the_service(imports, tmp_path, parties):
    enterprise = parties[0]
    rows = [row("高成长性企业", organization=enterprise.name, reason="增长快")]
    assert imports(write_xlsx(tmp_path / "a.xlsx", rows)).exit_code == 0
    result = imports(write_xlsx(tmp_path / "b.xlsx", rows))
    assert result.exit_code == 1
    assert result.output.splitlines()[1] == (
        f"第 2 行 [企业]：“{enterprise.name}”已被认定为{YEAR}年的高成长性企业。")


def test_dry_run_checks_and_writes_nothing(imports, tmp_path, parties):
    before = counts()
    result = imports(write_xlsx(tmp_path / "d.xlsx", every_kind(parties)), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "校验通过，共 5 项认定：示范区 1，示范项目 2，高成长性企业 1，推荐目录产品 1（未写入）。")
    assert counts() == before


def test_a_region_administrator_is_confined_to_its_subtree(imports, tmp_path, make):
    officer = make.region_admin("360113")
    zone = dict(name="示范区", focus="治理", lead_unit="科技局")
    rows = [row("示范区", **zone), row("示范区", region="东湖区", **zone),
            row("示范区", region="360100", **zone)]
    before = counts()
    result = imports(write_xlsx(tmp_path / "r.xlsx", rows), actor=officer)
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        "第 3 行 [地区]：江西省南昌市东湖区不在您管理的地区范围内。",
        "第 4 行 [地区]：江西省南昌市不在您管理的地区范围内。",
    ]
    assert counts() == before
    result = imports(write_xlsx(tmp_path / "ok.xlsx", rows[:1]), actor=officer)
    assert result.exit_code == 0, result.output
    assert designations()[-1].created_by_id == officer.id


def test_only_administrators_may_import(runner, tmp_path, make):
    path = write_xlsx(tmp_path / "x.xlsx", [row("示范区", name="甲", focus="乙", lead_unit="丙")])
    member = make.org().users[0]
    result = runner("import-designations", path, "--as", member.email)
    assert result.exit_code == 1
    assert f"“{member.email}”不是有效的平台管理员或区域管理员账号。" in result.output


def test_file_level_problems(imports, tmp_path):
    result = imports(tmp_path / "missing.xlsx")
    assert result.exit_code == 1 and "文件不存在" in result.output
    path = tmp_path / "h.xlsx"
    workbook = Workbook()
    workbook.active.append(["类别", "地区", "发布单位"])
    workbook.save(path)
    result = imports(path)
    assert result.output.splitlines()[1] == "第 1 行 [发布单位]：无法识别的列“发布单位”。"
    result = imports(write_xlsx(tmp_path / "empty.xlsx", []))
    assert result.output.splitlines()[1] == "文件中没有数据行。"


def test_the_template_round_trips(runner, imports, tmp_path, parties):
    path = tmp_path / "模板.xlsx"
    result = runner("designation-template", path)
    assert result.exit_code == 0, result.output
    workbook = load_workbook(path)
    assert workbook.sheetnames == [SHEET, "填写说明"]
    headers = [cell.value for cell in workbook[SHEET][1]]
    assert headers == CN_HEADERS[1:]
    explained = {r[0]: r for r in workbook["填写说明"].iter_rows(min_row=2, values_only=True)}
    assert explained["级别"][2] == "示范项目" and "区级" in explained["级别"][3]
    assert explained["地区"][2] == "全部类别"
    sheet = workbook[SHEET]
    for values in every_kind(parties):
        sheet.append([values.get(key) for key in KEYS[1:]])
    workbook.save(path)
    result = imports(path)
    assert result.exit_code == 0, result.output
    assert "已导入 5 项认定" in result.output


def test_the_template_is_an_xlsx(runner, tmp_path):
    result = runner("designation-template", tmp_path / "t.csv")
    assert result.exit_code == 1 and "只提供 .xlsx" in result.output
