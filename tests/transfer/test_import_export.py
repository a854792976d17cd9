"""`flask lists import|export`: real files in tmp_path, through the CLI and the services."""
import csv
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from marketplace.audit import AuditLog
from marketplace.db import beijing_today
from marketplace.errors import PermissionDenied
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.transfer import readers
from marketplace.transfer.columns import header_key, match_header
from marketplace.transfer.importer import cell_text
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.releases.models import Release

DEADLINE = (beijing_today() + timedelta(days=90)).isoformat()
CN_HEADERS = ["编号", "名称", "发布单位", "领域", "标签", "地区", "预算（万元）", "截止日期",
              "合作方式", "摘要", "描述", "联系人", "联系电话"]
EN_HEADERS = ["Ref", "Title", "ORGANIZATION", "field", "Tags", "region", "budget_wan",
              "Deadline", "cooperation_mode", "summary", "Description", "contact_name",
              "contact_phone"]


def opportunity_row(org_name, ref="A-01", **overrides):
    values = {"编号": ref, "名称": "智慧停车诱导系统", "发布单位": org_name, "领域": "交通出行",
              "标签": "智慧停车、物联网", "地区": "江西省南昌市红谷滩区", "预算（万元）": "300",
              "截止日期": DEADLINE, "合作方式": "采购服务", "摘要": "建设停车诱导屏。",
              "描述": "覆盖核心商圈 20 个停车场。", "联系人": "王先生",
              "联系电话": "13812345678"}
    values.update(overrides)
    return [values[h] for h in CN_HEADERS]


def write_xlsx(path, rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def write_csv(path, rows, bom=True):
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as file:
        csv.writer(file).writerows(rows)
    return path


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def counts():
    return [db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Opportunity, Product, AuditLog, Release)]


def imported(model=Opportunity):
    return db.session.scalars(sa.select(model).order_by(model.id)).all()


@pytest.fixture
def admin(make):
    return make.admin().email


@pytest.fixture
def imports(runner, admin):
    def run(path, *options, kind="opportunity"):
        return runner("import", path, "--kind", kind, "--as", admin, *options)
    return run


@pytest.fixture
def exports(runner):
    def run(path, *options, kind="opportunity"):
        return runner("export", path, "--kind", kind, *options)
    return run


@pytest.fixture
def department(make):
    return make.org(kind="department").name


@pytest.fixture
def enterprise(make):
    return make.org(kind="enterprise").name


def test_xlsx_with_chinese_headers_and_spreadsheet_types(imports, tmp_path, department):
    row = opportunity_row(department)
    row[5], row[6], row[7] = 360113, 300.5, datetime.fromisoformat(DEADLINE)  # typed cells
    rows = [CN_HEADERS, row, opportunity_row(department, ref="A-02")]
    result = imports(write_xlsx(tmp_path / "机会.xlsx", rows))
    assert result.exit_code == 0, result.output
    assert "已导入 2 条机会清单" in result.output
    assert "第 2 行 [A-01] → 草稿 #" in result.output
    first, second = imported()
    assert first.organization.name == department and first.status == "draft"
    assert first.field.name == "交通出行" and first.tag_names == ["智慧停车", "物联网"]
    assert first.region_code == "360113" and first.budget_wan == Decimal("300.50")
    assert first.deadline.isoformat() == DEADLINE and second.budget_wan == Decimal("300.00")
    actions = db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-3:] == ["opportunity.create", "opportunity.create", "opportunity.import"]


@pytest.mark.parametrize("bom", [True, False])
def test_csv_with_english_headers_with_and_without_bom(imports, tmp_path, department, bom):
    result = imports(write_csv(tmp_path / "l.csv", [EN_HEADERS, opportunity_row(department)], bom))
    assert result.exit_code == 0, result.output
    (item,) = imported()
    assert (item.title, item.contact_phone, item.cooperation_mode) == (
        "智慧停车诱导系统", "13812345678", "采购服务")


def test_products_from_jsonl(imports, tmp_path, enterprise):
    path = write_jsonl(tmp_path / "products.jsonl", [
        {"name": "城市级智慧停车管理平台", "organization": enterprise, "field": "交通出行",
         "tags": ["智慧停车", "5G"], "region": "南昌市", "maturity": "成熟",
         "scenarios": "城市道路停车", "cases": "2025年在某区部署。", "summary": "一体化管理。",
         "description": "泊位感知。", "contact": "李经理", "phone": "0791-83881234"},
    ])
    result = imports(path, kind="product")
    assert result.exit_code == 0, result.output
    assert "已导入 1 条产品清单" in result.output
    (item,) = imported(Product)
    assert item.maturity == "成熟" and item.region_code == "360100"
    assert set(item.tag_names) == {"智慧停车", "5G"}


@pytest.mark.parametrize("region", ["360113", "江西省南昌市红谷滩区", "南昌市红谷滩区",
                                    "红谷滩区", " 红谷滩区 "])
def test_region_by_code_full_name_or_short_name(imports, tmp_path, department, region):
    result = imports(write_csv(tmp_path / "r.csv",
                               [CN_HEADERS, opportunity_row(department, 地区=region)]))
    assert result.exit_code == 0, result.output
    assert imported()[0].region_code == "360113"


def test_header_variants_and_separators(imports, tmp_path, department):
    headers = [h.replace("（万元）", "(万元)") for h in CN_HEADERS]
    headers[1] = "标题"
    row = opportunity_row(department, 标签="智慧停车，物联网; 5G|大数据", 截止日期="2030/1/5",
                          **{"预算（万元）": "面议"})
    result = imports(write_csv(tmp_path / "v.csv", [headers, row]))
    assert result.exit_code == 0, result.output
    (item,) = imported()
    assert set(item.tag_names) == {"智慧停车", "物联网", "5G", "大数据"}
    assert item.deadline == date(2030, 1, 5) and item.budget_wan is None


def test_loose_headers_and_empty_rows(ctx, tmp_path, department):
    assert header_key("预算(万元)") == header_key("预算（万元）")
    assert match_header("Budget Wan", "opportunity")[0].key == "budget_wan"
    assert match_header("CONTACT_PHONE*", "product")[0].key == "contact_phone"
    assert match_header("成熟度", "opportunity")[0] is None
    path = write_xlsx(tmp_path / "gaps.xlsx", [
        [], CN_HEADERS, opportunity_row(department), [None, "", "  "],
        opportunity_row(department, ref="A-02")])
    table = readers.read(path, "opportunity")
    assert [number for number, _ in table.rows] == [3, 5] and not table.problems


def test_errors_by_row_and_column_and_nothing_written(imports, tmp_path, department, make):
    make.opportunity(make.org(kind="department"))
    before = counts()
    rows = [CN_HEADERS, opportunity_row(department),
            opportunity_row(department, ref="A-02", 领域="不存在的领域", 联系电话="12345"),
            opportunity_row("没有这个单位", ref="A-03", 标签="智慧停车、飞行汽车",
                            **{"预算（万元）": "三百"}),
            opportunity_row(department, ref="A-04", 地区="西湖区", 名称="")]
    result = imports(write_csv(tmp_path / "bad.csv", rows))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "导入失败，共 7 处问题，未写入任何数据："
    assert lines[1:] == [
        "第 3 行 [领域]：未找到领域“不存在的领域”。",
        "第 3 行 [联系电话]：请输入有效的电话号码：11 位手机号，或带区号的固定电话（如 0791-83881234）。",
        "第 4 行 [发布单位]：未找到单位“没有这个单位”，请填写平台上已登记单位的全称。",
        "第 4 行 [标签]：未找到标签：飞行汽车。",
        "第 4 行 [预算（万元）]：预算请填写数字（单位：万元）。",
        "第 5 行 [名称]：请填写标题。",
        "第 5 行 [地区]：地区“西湖区”不唯一：浙江省杭州市西湖区（330106）、江西省南昌市西湖区（360103），"
        "请填写全称或地区代码。",
    ]
    assert counts() == before


def test_error_names_the_column_as_the_file_does(imports, tmp_path, department):
    row = opportunity_row(department, 领域="数字治理", 地区="火星区")
    result = imports(write_csv(tmp_path / "en.csv", [EN_HEADERS, row]))
    assert result.exit_code == 1
    assert "第 2 行 [field]：“数字治理”是领域分组，请填写其下的具体领域。" in result.output
    assert "第 2 行 [region]：未找到地区“火星区”" in result.output


def test_organization_that_may_not_post_is_reported_with_the_rest(imports, tmp_path,
                                                                  enterprise, make):
    pending = make.org(kind="department", status="pending").name
    rows = [CN_HEADERS, opportunity_row(enterprise, 合作方式="送礼"),
            opportunity_row(pending, ref="A-02")]
    result = imports(write_csv(tmp_path / "o.csv", rows))
    assert result.exit_code == 1
    assert f"第 2 行 [发布单位]：“{enterprise}”不能发布机会清单。" in result.output
    assert "第 2 行 [合作方式]：请选择合作方式。" in result.output
    assert f"第 3 行 [发布单位]：“{pending}”不能发布机会清单。" in result.output


def test_header_problems_are_named(imports, tmp_path, department):
    rows = [CN_HEADERS + ["颜色", "成熟度", "title"], opportunity_row(department) + ["红"]]
    result = imports(write_xlsx(tmp_path / "x.xlsx", rows))
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        "第 1 行 [颜色]：无法识别的列“颜色”。",
        "第 1 行 [成熟度]：“成熟度”列只用于产品清单，不适用于机会清单。",
        "第 1 行 [title]：与“名称”是同一列，请只保留一个。"]
    rows = [CN_HEADERS, opportunity_row(department) + [None, "多出来的"]]
    table = readers.read(write_csv(tmp_path / "e.csv", rows), "opportunity")
    assert [str(p) for p in table.problems] == ["第 2 行 [第 15 列]：该列有数据但没有列名。"]


def test_duplicate_refs_are_refused(imports, tmp_path, department):
    rows = [CN_HEADERS, opportunity_row(department), opportunity_row(department)]
    result = imports(write_csv(tmp_path / "dup.csv", rows))
    assert result.exit_code == 1
    assert "第 3 行 [编号]：编号“A-01”与第 2 行重复。" in result.output
    assert imported() == []


def test_bad_jsonl_lines_and_non_utf8_csv(imports, tmp_path, department):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"名称": "x"}\n{not json\n[1, 2]\n', encoding="utf-8")
    result = imports(path)
    assert "第 2 行：不是有效的 JSON。" in result.output
    assert "第 3 行：每行应为一个 JSON 对象。" in result.output
    (tmp_path / "gbk.csv").write_bytes(",".join(CN_HEADERS).encode("gbk"))
    result = imports(tmp_path / "gbk.csv")
    assert result.exit_code == 1 and "不是 UTF-8 编码" in result.output


def test_command_refusals(runner, tmp_path, admin, make, department):
    org_user = make.org(kind="department").users[0].email
    path = write_csv(tmp_path / "ok.csv", [CN_HEADERS, opportunity_row(department)])
    cases = [
        (["import", path, "--kind", "opportunity", "--as", org_user], "不是有效的平台管理员账号"),
        (["import", tmp_path / "a.xls", "--kind", "opportunity", "--as", admin], "不支持的文件格式"),
        (["import", tmp_path / "none.csv", "--kind", "opportunity", "--as", admin], "文件不存在"),
        (["import", path, "--kind", "opportunity", "--as", admin, "--release-date",
          "2026-05-01"], "需与 --release 一起使用"),
        (["export", tmp_path / "out.txt", "--kind", "product"], "不支持的文件格式"),
        (["export", tmp_path / "out.csv", "--kind", "product", "--status", "gone"], "未知的状态"),
        (["import", write_csv(tmp_path / "empty.csv", [CN_HEADERS]), "--kind", "opportunity",
          "--as", admin], "没有数据行"),
    ]
    for args, words in cases:
        result = runner(*args)
        assert result.exit_code == 1 and words in result.output, (args, result.output)
    assert imported() == []


def test_submit_imported_needs_the_import_permission(ctx, make):
    department = make.org(kind="department")
    with pytest.raises(PermissionDenied):
        listing_services.submit_imported(department.users[0], make.opportunity(department))


def test_dry_run_writes_nothing(imports, tmp_path, department):
    path = write_csv(tmp_path / "dry.csv", [CN_HEADERS, opportunity_row(department),
                                            opportunity_row(department, ref="A-02")])
    before = counts()
    result = imports(path, "--dry-run", "--release", "2026年第三批机会清单")
    assert result.exit_code == 0, result.output
    assert "校验通过，共 2 条（未写入）" in result.output
    assert counts() == before


def test_release_publishes_with_public_numbers_and_audit(imports, tmp_path, department):
    path = write_csv(tmp_path / "rel.csv", [CN_HEADERS, opportunity_row(department),
                                            opportunity_row(department, ref="A-02")])
    result = imports(path, "--release", "2026年第三批机会清单", "--release-date", "2026-12-01")
    assert result.exit_code == 0, result.output
    release = db.session.scalar(sa.select(Release).where(Release.title.like("%第三批机会清单")))
    assert release.is_published and release.published_on == date(2026, 12, 1)
    items = imported()
    numbers = [item.public_number for item in items if item.release_id == release.id]
    assert numbers == [f"JH-2026-{release.sequence:02d}-{n:03d}" for n in (1, 2)]
    assert f"已发布为“2026年第三批机会清单”（2026-12-01），编号 {numbers[0]} 至 {numbers[1]}" \
        in result.output
    assert f"第 2 行 [A-01] → {numbers[0]}" in result.output
    actions = db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.object_type == "opportunity", AuditLog.object_id == items[0].id)
        .order_by(AuditLog.id)).all()
    assert actions == ["opportunity.create", "opportunity.import_submit",
                       "opportunity.approve", "opportunity.publish"]
    release_actions = db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.object_type == "release", AuditLog.object_id == release.id)
        .order_by(AuditLog.id)).all()
    assert release_actions == ["release.create", "release.add_items", "release.publish"]


def test_release_title_already_taken(imports, tmp_path, department, make):
    make.opportunity(make.org(kind="department"), status="published")
    taken = db.session.scalar(sa.select(Release.title))
    before = counts()
    path = write_csv(tmp_path / "t.csv", [CN_HEADERS, opportunity_row(department)])
    result = imports(path, "--release", taken)
    assert result.exit_code == 1 and "[批次]：已有同名批次。" in result.output
    assert counts() == before


def read_back(path, kind):
    """The exported content, normalised the way the importer reads it."""
    table = readers.read(path, kind)
    assert not table.problems
    return [{key: cell_text(value) for key, value in values.items() if key != "ref"}
            for _, values in table.rows]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".jsonl"])
def test_export_import_round_trip(imports, exports, tmp_path, department, suffix):
    rows = [CN_HEADERS, opportunity_row(department, 名称="=SUM(1,2) 智慧停车", 摘要="-负责人@"),
            opportunity_row(department, ref="A-02", 标签="", **{"预算（万元）": ""},
                            截止日期="", 描述="第一行\n第二行\u2028第三行")]
    assert imports(write_csv(tmp_path / "in.csv", rows)).exit_code == 0
    first = tmp_path / f"first{suffix}"
    assert exports(first, "--status", "draft").exit_code == 0
    result = imports(first)
    assert result.exit_code == 0, result.output
    second = tmp_path / f"second{suffix}"
    assert exports(second, "--status", "all").exit_code == 0
    exported = read_back(first, "opportunity")
    assert read_back(second, "opportunity") == exported + exported
    originals, copies = imported()[:2], imported()[2:]
    for original, copy in zip(originals, copies):
        fields = (*Opportunity.content_fields, "organization_id")
        assert [getattr(copy, f) for f in fields] == [getattr(original, f) for f in fields]
    assert originals[0].title == "=SUM(1,2) 智慧停车" and originals[1].budget_wan is None


def test_export_neutralises_formulas_in_spreadsheets_only(exports, tmp_path, make):
    department = make.org(kind="department")
    make.opportunity(department, status="published", title="=HYPERLINK(\"http://evil\",\"点\")",
                     summary="@SUM(1+1)", contact_name="+王")
    for suffix in (".xlsx", ".csv", ".jsonl"):
        assert exports(tmp_path / f"o{suffix}").exit_code == 0
    sheet = load_workbook(tmp_path / "o.xlsx")["机会清单"]
    row = {h.value: c.value for h, c in zip(sheet[1], sheet[2])}
    assert row["名称"].startswith("'=") and row["摘要"] == "'@SUM(1+1)" and row["联系人"] == "'+王"
    for line in sheet.iter_rows(values_only=True):
        assert not any(isinstance(v, str) and v[:1] in "=+-@\t\r" for v in line)
    with (tmp_path / "o.csv").open(encoding="utf-8-sig", newline="") as file:
        header, values = list(csv.reader(file))
    assert dict(zip(header, values))["名称"].startswith("'=HYPERLINK")
    record = json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8"))
    assert record["名称"].startswith("=HYPERLINK") and record["摘要"] == "@SUM(1+1)"


def test_export_columns_and_default_statuses(exports, tmp_path, make):
    department = make.org(kind="department")
    published = make.opportunity(department, status="published", budget_wan="12.5")
    closed = make.opportunity(department, status="closed")
    make.opportunity(department)  # a draft: not exported by default
    path = tmp_path / "o.jsonl"
    result = exports(path)
    assert result.exit_code == 0 and "已导出 2 条机会清单" in result.output
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert " ".join(records[0]) == ("编号 名称 发布单位 领域 标签 地区 预算（万元） 截止日期 预期周期 "
                                    "合作方式 摘要 描述 联系人 联系电话 联系人同意公开 状态 批次")
    first, second = records
    assert first["编号"] == published.public_number and first["预算（万元）"] == 12.5
    assert first["发布单位"] == department.name and first["标签"] == "智慧停车、物联网"
    assert first["地区"] == "江西省南昌市红谷滩区" and first["状态"] == "已发布"
    assert first["批次"] == published.release.title and first["联系电话"] == "13812345678"
    assert second["编号"] == closed.public_number and second["状态"] == "已关闭（已签约）"
    exports(path, "--status", "all")
    assert len(path.read_text(encoding="utf-8").splitlines()) == 3
    exports(path, "--status", "draft,submitted")
    assert json.loads(path.read_text(encoding="utf-8"))["编号"] == ""
    make.product(make.org(), status="published")
    assert exports(tmp_path / "p.csv", kind="product").exit_code == 0
    with (tmp_path / "p.csv").open(encoding="utf-8-sig", newline="") as file:
        row = dict(zip(*csv.reader(file)))
    assert "预算（万元）" not in row and row["成熟度"] == "成熟" and row["地区"] == "江西省南昌市"
