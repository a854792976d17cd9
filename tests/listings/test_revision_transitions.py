"""Revision status changes: REVISION_TRANSITIONS decides, every decision is audited."""
import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.errors import IllegalTransition
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.listings.models import REVISION_STATUSES, REVISION_TRANSITIONS, Revision
from marketplace.opportunities import services as opportunities
from tests import transitions
from tests.transitions import assert_table_decides

PAIRS = [(current, target) for current in REVISION_STATUSES for target in REVISION_STATUSES]
ORIGINAL_TITLE = "智慧停车诱导与泊位共享系统"


def audit_rows(obj) -> list[AuditLog]:
    return transitions.audit_rows(obj.audit_type, obj)


def proposed(make, title: str = "修改后的停车系统"):
    """A published opportunity and a pending revision of it, made by its owner."""
    item = make.opportunity(make.org(kind="department"), status="published")
    owner = item.organization.users[0]
    return item, owner, opportunities.update(owner, item, make.opportunity_data(title=title))


def revision_in(make, status: str) -> Revision:
    item, owner, revision = proposed(make)
    if status == "approved":
        listing_services.decide_revision(make.admin(), revision, "approve")
    elif status == "returned":
        listing_services.decide_revision(make.admin(), revision, "return", "标题与内容不符")
    elif status == "discarded":
        listing_services.close(owner, item, "撤回")
    assert revision.status == status
    return revision


@pytest.mark.parametrize("current, target", PAIRS)
def test_the_table_decides_every_move(ctx, make, current, target):
    revision = revision_in(make, current)
    assert_table_decides(make.admin(), revision, target, transitions=REVISION_TRANSITIONS,
                         labels=REVISION_STATUSES, noun="该修改申请",
                         action="opportunity.probe", object_type="revision",
                         audit_prefix=revision.listing_kind)


def test_approval_is_audited_on_the_revision_and_on_the_listing(ctx, make):
    item, _, revision = proposed(make)
    admin = make.admin()
    listing_services.decide_revision(admin, revision, "approve")
    decision = audit_rows(revision)[-1]
    assert decision.action == "opportunity.revision_approve"
    assert decision.actor_id == admin.id and decision.summary == ORIGINAL_TITLE
    assert decision.before == {"status": "pending", "decided_by_id": None, "decided_at": None}
    assert decision.after == {"status": "approved", "decided_by_id": admin.id,
                              "decided_at": revision.decided_at.isoformat()}
    applied = audit_rows(item)[-1]
    assert applied.action == "opportunity.revision_apply" and applied.actor_id == admin.id
    assert applied.before["title"] == ORIGINAL_TITLE
    assert applied.after["title"] == "修改后的停车系统" == item.title


def test_return_is_audited_with_its_reason_and_leaves_the_listing(ctx, make):
    item, _, revision = proposed(make)
    listing_rows = len(audit_rows(item))
    listing_services.decide_revision(make.admin(), revision, "return", "标题与内容不符")
    decision = audit_rows(revision)[-1]
    assert decision.action == "opportunity.revision_return"
    assert decision.before["status"] == "pending" and decision.before["reason"] == ""
    assert decision.after["status"] == "returned"
    assert decision.after["reason"] == "标题与内容不符" == revision.reason
    assert item.title == ORIGINAL_TITLE and len(audit_rows(item)) == listing_rows


def test_a_decided_revision_cannot_be_decided_again(ctx, make):
    revision = revision_in(make, "returned")
    rows = len(audit_rows(revision))
    with pytest.raises(IllegalTransition, match="已处理"):
        listing_services.decide_revision(make.admin(), revision, "approve")
    assert revision.status == "returned" and len(audit_rows(revision)) == rows


def test_closing_a_listing_discards_its_pending_revision_with_an_audit_record(ctx, make):
    item, owner, revision = proposed(make)
    listing_services.close(owner, item, "已落地")
    entry = audit_rows(revision)[-1]
    assert revision.status == "discarded" and item.title == ORIGINAL_TITLE
    assert entry.action == "opportunity.revision_discard" and entry.actor_id == owner.id
    assert (entry.before, entry.after) == ({"status": "pending"}, {"status": "discarded"})
    assert entry.summary == ORIGINAL_TITLE


def test_closing_without_a_pending_revision_discards_nothing(ctx, make):
    revision = revision_in(make, "returned")
    item = listing_services.revision_item(revision)
    listing_services.close(item.organization.users[0], item, "已签约")
    assert revision.status == "returned"
    assert not db.session.scalar(sa.select(AuditLog.id).where(
        AuditLog.action == "opportunity.revision_discard", AuditLog.object_id == revision.id))
