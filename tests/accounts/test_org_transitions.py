"""Organization status changes: ORG_TRANSITIONS decides, every change is audited."""
import pytest
import sqlalchemy as sa

from marketplace.accounts import services
from marketplace.accounts.models import ORG_STATUSES, ORG_TRANSITIONS, Organization
from marketplace.audit import AuditLog
from marketplace.errors import IllegalTransition, ValidationError
from marketplace.extensions import db
from tests import transitions
from tests.transitions import assert_table_decides

PAIRS = [(current, target) for current in ORG_STATUSES for target in ORG_STATUSES]
DECISIONS = {"verify": "verified", "reject": "rejected"}


def audit_rows(org: Organization) -> list[AuditLog]:
    return transitions.audit_rows("organization", org)


def state(org: Organization) -> tuple:
    return org.status, org.reject_reason, org.verified_at


@pytest.mark.parametrize("current, target", PAIRS)
def test_the_table_decides_every_move(ctx, make, current, target):
    org = make.org(status=current)
    assert_table_decides(make.admin(), org, target, transitions=ORG_TRANSITIONS,
                         labels=ORG_STATUSES, noun="该单位", action="organization.probe",
                         object_type="organization", summary=org.name)


@pytest.mark.parametrize("current", ORG_STATUSES)
@pytest.mark.parametrize("decision", DECISIONS)
def test_review_follows_the_table_and_audits_before_and_after(ctx, make, current, decision):
    admin, org = make.admin(), make.org(status=current)
    before, rows = state(org), len(audit_rows(org))
    target = DECISIONS[decision]
    if target not in ORG_TRANSITIONS[current]:
        with pytest.raises(IllegalTransition, match="不能变为"):
            services.review_organization(admin, org, decision, "营业执照信息不一致")
        assert state(org) == before and len(audit_rows(org)) == rows
        return
    services.review_organization(admin, org, decision, "营业执照信息不一致")
    entry = audit_rows(org)[-1]
    assert entry.action == f"organization.{decision}" and entry.actor_id == admin.id
    assert entry.before == {"status": current, "reject_reason": "", "verified_at": None}
    assert entry.after["status"] == target == org.status
    if target == "verified":
        assert entry.after["reject_reason"] == "" and org.verified_at is not None
        assert entry.after["verified_at"] == org.verified_at.isoformat()
    else:
        assert entry.after["reject_reason"] == "营业执照信息不一致" == org.reject_reason
        assert entry.after["verified_at"] is None


def test_an_illegal_move_is_reported_before_a_missing_reason(ctx, make):
    admin, org = make.admin(), make.org()
    with pytest.raises(IllegalTransition, match="已认证"):
        services.review_organization(admin, org, "reject", "")


def test_an_unknown_decision_changes_nothing(ctx, make):
    admin, org = make.admin(), make.org(status="pending")
    rows = len(audit_rows(org))
    with pytest.raises(IllegalTransition):
        services.review_organization(admin, org, "approve")
    assert org.status == "pending" and len(audit_rows(org)) == rows


def test_reference_department_is_seeded_then_verified_by_the_system(ctx):
    org = services.add_reference_department(
        {"name": "测试区数据局", "short_name": "区数据局", "region": "360113", "source": "seed 000"})
    assert org.kind == "department" and org.is_verified and org.verified_at is not None
    assert org.users == [] and org.description == "来源：seed 000"
    seed, verify = audit_rows(org)
    assert (seed.action, verify.action) == ("organization.seed", "organization.verify")
    assert seed.actor_id is None and seed.actor_label == "系统" and verify.actor_id is None
    assert (verify.before["status"], verify.after["status"]) == ("pending", "verified")


def test_reference_department_with_a_taken_name_or_unknown_region_is_refused(ctx):
    taken = db.session.scalar(sa.select(Organization.name).limit(1))
    with pytest.raises(ValidationError, match="已注册"):
        services.add_reference_department({"name": taken, "region": "360113"})
    with pytest.raises(ValidationError, match="地区"):
        services.add_reference_department({"name": "不存在地区的局", "region": "999999"})
