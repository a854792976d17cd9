from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.db import beijing_today
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.opportunities import services as opportunities
from marketplace.opportunities.models import Opportunity
from marketplace.products import services as products


@pytest.fixture
def department(make):
    return make.org(kind="department")


def test_create_is_a_draft_of_the_actors_organization(ctx, make, department):
    other = make.org(kind="department")
    owner = department.users[0]
    item = opportunities.create(owner, make.opportunity_data(
        organization_id=other.id, status="published", public_number="JH-2026-01-001"))
    assert item.organization_id == department.id
    assert item.status == "draft" and item.public_number is None
    assert [t.name for t in item.tags] == ["智慧停车", "物联网"]


def test_full_lifecycle_is_audited(ctx, make, department):
    item = make.opportunity(department, status="closed")
    assert item.status == "closed" and item.outcome == "已签约"
    actions = db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.object_type == "opportunity", AuditLog.object_id == item.id)
        .order_by(AuditLog.id)).all()
    assert actions == ["opportunity.create", "opportunity.submit", "opportunity.approve",
                       "opportunity.publish", "opportunity.close"]
    publish = db.session.scalar(sa.select(AuditLog).where(
        AuditLog.action == "opportunity.publish", AuditLog.object_id == item.id))
    assert publish.before["status"] == "approved" and publish.after["status"] == "published"


@pytest.mark.parametrize("field, value, words", [
    ("title", "", "请填写标题"),
    ("title", "长" * 101, "不能超过 100"),
    ("summary", "", "摘要"),
    ("description", "x" * 10001, "10000"),
    ("field_id", "99999", "领域"),
    ("field_id", "abc", "领域"),
    ("region_code", "000000", "地区"),
    ("contact_phone", "12345", "电话号码"),
    ("contact_phone", "", "联系电话"),
    ("budget_wan", "三百", "数字"),
    ("budget_wan", "-5", "负数"),
    ("deadline", "2020-01-01", "早于今天"),
    ("deadline", "31/12/2030", "格式"),
    ("cooperation_mode", "送礼", "合作方式"),
    ("tag_ids", ["999999"], "标签"),
])
def test_bad_input_is_refused_at_its_field(ctx, make, department, field, value, words):
    before = db.session.scalar(sa.select(sa.func.count(Opportunity.id)))
    with pytest.raises(ValidationError) as error:
        opportunities.create(department.users[0], make.opportunity_data(**{field: value}))
    assert error.value.field == field and words in error.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Opportunity.id))) == before


def test_phone_numbers_are_normalised(ctx, make, department):
    item = opportunities.create(department.users[0],
                                make.opportunity_data(contact_phone="１３８ 1234 5678"))
    assert item.contact_phone == "13812345678"


def test_departments_cannot_post_products_and_enterprises_cannot_post_opportunities(
        ctx, make, department):
    enterprise = make.org(kind="enterprise")
    with pytest.raises(PermissionDenied):
        products.create(department.users[0], make.product_data())
    with pytest.raises(PermissionDenied):
        opportunities.create(enterprise.users[0], make.opportunity_data())


def test_unverified_organizations_cannot_post(ctx, make):
    pending = make.org(kind="department", status="pending")
    with pytest.raises(PermissionDenied):
        opportunities.create(pending.users[0], make.opportunity_data())


def test_illegal_transitions_are_refused(ctx, make, department):
    owner, admin = department.users[0], make.admin()
    item = make.opportunity(department)
    with pytest.raises(IllegalTransition):
        listing_services.review(admin, item, "approve")  # still a draft
    with pytest.raises(IllegalTransition):
        listing_services.close(owner, item, "撤回")
    listing_services.submit(owner, item)
    with pytest.raises(IllegalTransition, match="请先撤回"):
        opportunities.update(owner, item, make.opportunity_data(title="改标题"))
    with pytest.raises(ValidationError, match="退回原因"):
        listing_services.review(admin, item, "return", "  ")
    with pytest.raises(PermissionDenied):
        listing_services.review(owner, item, "approve")


def test_returned_item_shows_reason_and_can_be_resubmitted(ctx, make, department):
    item = make.opportunity(department, status="returned")
    assert item.return_reason == "请补充预算明细"
    opportunities.update(department.users[0], item, make.opportunity_data(budget_wan="320"))
    listing_services.submit(department.users[0], item)
    assert item.status == "submitted" and item.return_reason == ""


def test_editing_an_approved_item_sends_it_back_to_review(ctx, make, department):
    item = make.opportunity(department, status="approved")
    opportunities.update(department.users[0], item, make.opportunity_data(title="新标题"))
    assert item.status == "submitted" and item.title == "新标题"


def test_published_edit_waits_for_review_and_keeps_its_number(ctx, make, department, client):
    item = make.opportunity(department, status="published")
    number, owner = item.public_number, department.users[0]
    revision = opportunities.update(owner, item, make.opportunity_data(
        title="修改后的标题", contact_phone="13900001111"))
    db.session.commit()
    assert item.title == "智慧停车诱导与泊位共享系统" and revision.status == "pending"
    page = client.get(f"/opportunities/{item.id}").get_data(as_text=True)
    assert "修改后的标题" not in page and "智慧停车诱导与泊位共享系统" in page
    # A second edit replaces the pending revision instead of stacking another.
    again = opportunities.update(owner, item, make.opportunity_data(title="再次修改"))
    assert again.id == revision.id
    listing_services.decide_revision(make.admin(), revision, "approve")
    db.session.commit()
    assert item.title == "再次修改" and item.public_number == number
    assert item.status == "published"


def test_returned_revision_leaves_the_published_item_alone(ctx, make, department):
    item = make.opportunity(department, status="published")
    revision = opportunities.update(department.users[0], item,
                                    make.opportunity_data(title="夸大宣传"))
    listing_services.decide_revision(make.admin(), revision, "return", "标题与内容不符")
    assert item.title == "智慧停车诱导与泊位共享系统" and revision.reason == "标题与内容不符"
    with pytest.raises(IllegalTransition):
        listing_services.decide_revision(make.admin(), revision, "approve")


def test_closing_needs_a_known_outcome_and_discards_pending_edits(ctx, make, department):
    item = make.opportunity(department, status="published")
    revision = opportunities.update(department.users[0], item, make.opportunity_data())
    with pytest.raises(ValidationError):
        listing_services.close(department.users[0], item, "随便")
    listing_services.close(department.users[0], item, "已落地")
    assert item.outcome == "已落地" and revision.status == "discarded"


def test_withdraw_returns_a_submission_to_draft(ctx, make, department):
    item = make.opportunity(department, status="submitted")
    listing_services.withdraw(department.users[0], item)
    assert item.status == "draft"


def test_products_share_the_workflow(ctx, make):
    enterprise = make.org(kind="enterprise")
    item = make.product(enterprise, status="published")
    assert item.public_number.startswith("CP-2026-")
    with pytest.raises(ValidationError, match="成熟度"):
        products.create(enterprise.users[0], make.product_data(maturity="概念"))


def test_deadline_today_is_allowed(ctx, make, department):
    item = opportunities.create(department.users[0], make.opportunity_data(
        deadline=beijing_today().isoformat(), budget_wan=""))
    assert item.deadline == beijing_today() and item.budget_wan is None
    with pytest.raises(ValidationError):
        opportunities.create(department.users[0], make.opportunity_data(
            deadline=(beijing_today() - timedelta(days=1)).isoformat()))
