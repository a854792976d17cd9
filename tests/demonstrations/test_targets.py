"""Targets: editable by administrators, bad input refused at its field, history kept in
the audit log; the plan's own wording ("左右", "以上", "2—3个") is kept."""
import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.db import beijing_today
from marketplace.demonstrations import services
from marketplace.demonstrations.models import DemonstrationTarget
from marketplace.errors import PermissionDenied, ValidationError
from marketplace.extensions import db

NEXT_YEAR = beijing_today().year + 1


def honggutan_projects() -> DemonstrationTarget:
    return db.session.scalar(sa.select(DemonstrationTarget).where(
        DemonstrationTarget.region_code == "360113", DemonstrationTarget.kind == "project"))


def state(target) -> tuple:
    return target.target, target.qualifier, target.start_year, target.end_year, target.note


def test_a_target_is_changed_and_its_history_audited(ctx, make):
    admin, target = make.admin(), honggutan_projects()
    services.update_target(admin, target, {"target": "60", "qualifier": "以上",
                                           "start_year": "2022", "end_year": str(NEXT_YEAR),
                                           "note": "区政府2026年调整"})
    assert state(target) == (60, "以上", 2022, NEXT_YEAR, "区政府2026年调整")
    entry = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.action == "target.update")).one()
    assert entry.before["target"] == 50 and entry.after["target"] == 60
    assert entry.summary == "江西省南昌市红谷滩区示范项目目标"


def test_a_range_is_kept_as_the_plan_says_it(ctx, make):
    target = honggutan_projects()
    services.update_target(make.admin(), target, {"target": "3", "qualifier": "2—3个",
                                                  "start_year": "2023", "end_year": "2025"})
    assert target.qualifier == "2—3个"


@pytest.mark.parametrize("data, errors", [
    ({"target": "-1"}, {"target": "目标数量不能小于 0。"}),
    ({"target": "很多"}, {"target": "目标数量请填写整数。"}),
    ({"qualifier": "大约"}, {"qualifier": "请选择“左右”“以上”，或按原文填写区间（如“2—3个”）。"}),
    ({"start_year": "1990"}, {"start_year": "起始年份应在 2020—"}),
    ({"start_year": "2025", "end_year": "2023"}, {"end_year": "结束年份不能早于起始年份。"}),
])
def test_bad_input_changes_nothing(ctx, make, data, errors):
    target = honggutan_projects()
    before = state(target)
    form = {"target": "50", "qualifier": "以上", "start_year": "2022", "end_year": "2025",
            **data}
    with pytest.raises(ValidationError) as refused:
        services.update_target(make.admin(), target, form)
    assert {k: v[:len(errors[k])] for k, v in refused.value.errors.items()} == errors
    assert state(target) == before


def test_organization_users_may_not_change_targets(ctx, make):
    with pytest.raises(PermissionDenied):
        services.update_target(make.org("department").users[0], honggutan_projects(),
                               {"target": "1"})
