"""The 调度 report: JSON (for scheduled runs) and .xlsx, from the same figures."""
import json
from io import BytesIO

from click.testing import CliRunner
from openpyxl import load_workbook

from marketplace.demonstrations import indicators, services
from marketplace.demonstrations.cli import demonstrations_cli
from marketplace.demonstrations.models import Indicator
from marketplace.extensions import db
from tests.demonstrations.test_designations import zone


def designate_in_nanchang(make):
    admin = make.admin()
    services.designate(admin, zone(region_code="360113", year="2024"))
    services.designate(admin, zone(region_code="360103", year="2024", name="西湖示范区"))
    revoked = services.designate(admin, zone(region_code="360113", year="2024", name="撤销的"))
    services.revoke(admin, revoked, "复核未通过")
    revenue = db.session.query(Indicator).filter_by(region_code="360103", number=1).one()
    indicators.enter_value(admin, revenue, {"year": "2024", "value": "130.5"})
    db.session.commit()


def run(app, *args) -> str:
    with app.app_context():
        result = CliRunner().invoke(demonstrations_cli, ["report", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_report_rolls_up_and_lists_the_indicator_table(app, ctx, make):
    designate_in_nanchang(make)
    city = json.loads(run(app, "--region", "360100", "--year", "2024"))
    assert city["region"] == {"code": "360100", "name": "江西省南昌市"}
    assert city["levels"]["zone"] == {"label": "示范区", "target": None, "value": 2, "own": 0,
                                      "new": 2}
    xihu = json.loads(run(app, "--region", "360103", "--year", "2024"))
    rows = {row["number"]: row for row in xihu["indicators"]}
    assert rows[1] == {"number": 1, "name": "数字经济核心产业营业收入", "unit": "亿元",
                       "value": 130.5, "target": 140, "computed": False, "binding": "约束性",
                       "responsible_unit": "区发改委"}
    assert rows[6]["computed"] and rows[6]["value"] == 1.0 and rows[6]["target"] == 3
    zone_targets = [t for t in xihu["targets"] if t["kind"] == "zone"]
    assert {t["wording"] for t in zone_targets} == {"3个", "1个"}


def test_xlsx_report_holds_the_same_figures(app, ctx, make, tmp_path):
    designate_in_nanchang(make)
    output = tmp_path / "report.xlsx"
    assert "已生成" in run(app, "--region", "360113", "--year", "2024", "--quarter", "4",
                          "--format", "xlsx", "--output", str(output))
    book = load_workbook(BytesIO(output.read_bytes()))
    assert book.sheetnames == ["目标进度", "指标", "新增认定", "清单与对接"]
    progress = [row for row in book["目标进度"].iter_rows(min_row=3, values_only=True)]
    assert ("示范区", "10个以上", 1, 1) == progress[0][:4]
    assert book["目标进度"]["A1"].value == "江西省南昌市红谷滩区2024年第4季度应用场景“十百千”调度报告"


def test_an_unknown_region_is_refused(app):
    with app.app_context():
        result = CliRunner().invoke(demonstrations_cli, ["report", "--region", "999999",
                                                         "--year", "2024"])
    assert result.exit_code != 0 and "没有地区代码 999999" in result.output
