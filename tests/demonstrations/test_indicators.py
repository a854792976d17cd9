"""The indicator table: entered values as rows with history, computed ones live and never
entered, bad input refused at its field with nothing changed."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.demonstrations import indicators
from marketplace.demonstrations.models import Designation, Indicator, IndicatorValue
from marketplace.errors import PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.taxonomy.models import Region


def xihu_indicator(number: int) -> Indicator:
    return db.session.scalar(sa.select(Indicator).where(Indicator.region_code == "360103",
                                                        Indicator.number == number))


def entries() -> int:
    return db.session.scalar(sa.select(sa.func.count(IndicatorValue.id)))


def test_seeded_indicators_know_which_the_platform_computes(ctx):
    assert xihu_indicator(11).metric == "lists_published"
    assert xihu_indicator(12).metric == "designations:project:province"
    assert not xihu_indicator(1).is_computed


def test_a_changed_value_keeps_its_history(ctx, make):
    admin, revenue = make.admin(), xihu_indicator(1)
    indicators.enter_value(admin, revenue, {"year": "2024", "value": "101.5"})
    indicators.enter_value(admin, revenue, {"year": "2024", "value": "1,203.25",
                                            "note": "统计局修订"})
    indicators.enter_value(admin, revenue, {"year": "2024", "quarter": "2", "value": "55"})
    rows = {row.indicator.number: row for row in
            indicators.table(db.session.get(Region, "360103"), 2024)}
    assert rows[1].value == Decimal("1203.25") and rows[1].target == 140
    assert rows[1].entry.note == "统计局修订" and not rows[1].computed
    assert [e.value for e in rows[1].earlier] == [Decimal("101.5")]  # the year's history
    quarter = {r.indicator.number: r for r in
               indicators.table(db.session.get(Region, "360103"), 2024, quarter=2)}
    assert quarter[1].value == Decimal("55")
    audit = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.action == "indicator.enter").order_by(AuditLog.id)).all()
    assert audit[1].before == {"period": "2024年", "value": "101.5000"}
    assert audit[1].after["value"] == "1203.2500"


@pytest.mark.parametrize("data, errors", [
    ({"year": "1999", "value": "1"}, {"year": "年份应在 2020—"}),
    ({"year": "2024", "quarter": "5", "value": "1"}, {"quarter": "季度应为 1—4"}),
    ({"year": "2024", "value": "很多"}, {"value": "请填写数值。"}),
    ({"year": "2024", "value": "NaN"}, {"value": "请填写有效的数值。"}),
])
def test_bad_input_is_refused_at_its_field(ctx, make, data, errors):
    with pytest.raises(ValidationError) as refused:
        indicators.enter_value(make.admin(), xihu_indicator(1), data)
    assert {k: v[:len(errors[k])] for k, v in refused.value.errors.items()} == errors
    assert entries() == 0


def test_a_computed_indicator_is_never_entered(ctx, make):
    with pytest.raises(ValidationError, match="自动统计"):
        indicators.enter_value(make.admin(), xihu_indicator(12), {"year": "2024", "value": "9"})
    assert entries() == 0


def test_organization_users_may_not_enter_values(ctx, make):
    with pytest.raises(PermissionDenied):
        indicators.enter_value(make.org("department").users[0], xihu_indicator(1),
                               {"year": "2024", "value": "1"})
    assert entries() == 0


def test_computed_values_follow_the_platforms_rows(ctx, make):
    for code, level, status in (("360103", "province", "active"), ("360103", "city", "active"),
                                ("360103", "province", "revoked"),
                                ("360113", "province", "active")):
        db.session.add(Designation(region_code=code, kind="project", year=2023, level=level,
                                   name="项目", status=status))
    db.session.flush()
    rows = {r.indicator.number: r for r in
            indicators.table(db.session.get(Region, "360103"), 2024)}
    assert rows[12].computed and rows[12].value == 1 and rows[12].target == 3


def test_a_region_administrator_enters_values_only_in_its_subtree(ctx, make):
    with pytest.raises(PermissionDenied):
        indicators.enter_value(make.region_admin("360113"), xihu_indicator(1),
                               {"year": "2024", "value": "1"})
    assert entries() == 0
    indicators.enter_value(make.region_admin("360100"), xihu_indicator(1),
                           {"year": "2024", "value": "1"})  # 南昌市 covers 西湖区
    assert entries() == 1
