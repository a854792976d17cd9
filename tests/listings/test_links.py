"""Deciding about look-alikes (listings.links): duplicates returned through the workflow,
related and dismissed pairs, one decision per pair, scope, bad input changing nothing."""
import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.listings import links
from marketplace.listings import queries
from marketplace.listings.models import ListingLink

XIHU = "360103"  # 西湖区, beside 红谷滩区 (360113, the factories' default)


def _count(model=ListingLink) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _audits(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditLog.id))
                             .where(AuditLog.action == action))


def twins(make, first_status="submitted", second_status="submitted", second_region="360113"):
    """The same parking need from two departments; the second submitted later."""
    first = make.opportunity(make.org("department"), first_status)
    second = make.opportunity(make.org("department", region=second_region), second_status,
                              region_code=second_region)
    return first, second


def test_marking_a_duplicate_returns_the_newer_of_two_under_review(ctx, make):
    first, second = twins(make)
    link = links.mark(make.admin(), first, second, "duplicate", "两区同一需求")
    db.session.commit()
    assert (first.status, second.status) == ("submitted", "returned")
    assert link.returned_id == second.id and link.ids == tuple(sorted((first.id, second.id)))
    assert first.title in second.return_reason and first.organization.name in second.return_reason
    assert second.return_reason.endswith("两区同一需求")
    assert _audits("listing_link.create") == 1 and _audits("opportunity.return") == 1


def test_a_duplicate_of_a_published_listing_returns_the_one_under_review(ctx, make):
    published, pending = twins(make, "published", "submitted")
    links.mark(make.admin(), published, pending, "duplicate")  # either order
    assert (published.status, pending.status) == ("published", "returned")
    assert published.public_number in pending.return_reason
    assert "已发布" in pending.return_reason


def test_two_published_listings_cannot_be_marked_duplicate(ctx, make):
    first, second = twins(make, "published", "published")
    with pytest.raises(IllegalTransition, match="都不在审核中"):
        links.mark(make.admin(), first, second, "duplicate")
    db.session.rollback()
    assert _count() == 0 and first.status == second.status == "published"


def test_related_pairs_are_listed_for_both_and_can_be_taken_back(ctx, make):
    first, second = twins(make, "published", "published")
    admin = make.admin()
    link = links.mark(admin, second, first, "related")
    assert queries.related_public(first) == [second]
    assert queries.related_public(second) == [first]
    links.unlink(admin, link, first, second)
    assert queries.related_public(first) == [] and _count() == 0
    assert _audits("listing_link.delete") == 1


def test_a_duplicate_cannot_be_taken_back(ctx, make):
    first, second = twins(make)
    admin = make.admin()
    link = links.mark(admin, first, second, "duplicate")
    with pytest.raises(IllegalTransition, match="不能取消"):
        links.unlink(admin, link, first, second)


@pytest.mark.parametrize("kind", ["related", "dismissed", "duplicate"])
def test_one_decision_per_pair_whichever_way_round(ctx, make, kind):
    first, second = twins(make)
    admin = make.admin()
    links.mark(admin, first, second, "dismissed")
    with pytest.raises(ValidationError, match="已标记为“不重复”") as raised:
        links.mark(admin, second, first, kind)
    assert raised.value.field == "decision"
    assert _count() == 1 and second.status == "submitted"


def test_the_database_refuses_a_second_row_for_a_pair(ctx, make):
    first, second = twins(make)
    low, high = sorted((first.id, second.id))
    db.session.add(ListingLink(listing_kind="opportunity", first_id=low, second_id=high,
                               kind="related"))
    db.session.flush()
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            db.session.add(ListingLink(listing_kind="opportunity", first_id=low,
                                       second_id=high, kind="dismissed"))


def test_a_region_administrator_decides_only_within_its_subtree(ctx, make):
    inside, outside = twins(make, second_region=XIHU)
    region_admin = make.region_admin("360113")
    with pytest.raises(PermissionDenied):
        links.mark(region_admin, inside, outside, "duplicate")
    db.session.rollback()
    assert _count() == 0 and outside.status == "submitted"
    both_inside = make.opportunity(make.org("department"), "submitted")
    links.mark(region_admin, inside, both_inside, "related")
    assert _count() == 1


def test_a_region_administrator_cannot_take_back_a_mark_outside_its_subtree(ctx, make):
    inside, outside = twins(make, "published", "published", second_region=XIHU)
    link = links.mark(make.admin(), inside, outside, "related")
    with pytest.raises(PermissionDenied):
        links.unlink(make.region_admin("360113"), link, inside, outside)
    assert _count() == 1


@pytest.mark.parametrize("case,field,message", [
    ("itself", "other_id", "不能把一条机会与它自己关联"),
    ("other list", "other_id", "机会清单不能与产品清单标记为重复或相关"),
    ("no decision", "decision", "请选择处理方式"),
    ("long note", "note", "说明不能超过 200 个字"),
])
def test_bad_input_is_refused_in_chinese_and_changes_nothing(ctx, make, case, field, message):
    item, twin = twins(make)
    other = {"itself": item, "other list": make.product(make.org(), "submitted")}.get(case, twin)
    decision = "" if case == "no decision" else "duplicate"
    note = "说明" * 101 if case == "long note" else ""
    with pytest.raises(ValidationError) as raised:
        links.mark(make.admin(), item, other, decision, note)
    db.session.rollback()
    assert raised.value.field == field and message in raised.value.message
    assert _count() == 0 and _audits("listing_link.create") == 0
    assert item.status == twin.status == "submitted"
