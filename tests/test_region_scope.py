"""Region administrators: the scope rules of authz, and the services refusing (nothing
changed) what lies outside a region administrator's subtree."""
from datetime import date

import pytest
import sqlalchemy as sa

from marketplace import authz
from marketplace.authz import Permission, can, in_scope, region_prefix, region_scope
from marketplace.errors import IllegalTransition, PermissionDenied
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.opportunities import services as opportunities
from marketplace.releases import services as releases
from marketplace.releases.models import Release
from marketplace.taxonomy.models import Region


def test_region_prefix_from_the_code_agrees_with_the_region_table(ctx):
    regions = db.session.scalars(sa.select(Region)).all()
    assert len(regions) > 3000
    assert all(region_prefix(r.code) == r.prefix for r in regions)


def test_scope_of_each_kind_of_user(ctx, make):
    platform, district, city = make.admin(), make.region_admin("360113"), \
        make.region_admin("360100")
    member = make.member(make.org())
    assert region_scope(platform) is None and region_scope(member) is None
    assert region_scope(district) == "360113" and region_scope(city) == "360100"
    assert in_scope(district, "360113") and not in_scope(district, "360103")
    assert not in_scope(district, "360100") and not in_scope(district, "360000")
    assert in_scope(city, "360113") and in_scope(city, "360103") and in_scope(city, "360100")
    assert not in_scope(city, "420102") and not in_scope(city, None)
    assert in_scope(platform, None) and in_scope(platform, "420102")
    assert authz.roles_of(district) == {authz.REGION_ADMIN}


@pytest.mark.parametrize("permission", sorted(authz.REGIONAL_PERMISSIONS))
def test_regional_permissions_hold_inside_the_subtree_only(ctx, make, permission):
    district = make.region_admin("360113")

    class Thing:  # any object with a region (a designation, an indicator …)
        def __init__(self, region_code):
            self.region_code = region_code
    assert can(district, permission)  # the page; the services check each object
    assert can(district, permission, Thing("360113"))
    assert not can(district, permission, Thing("360103"))
    assert not can(district, permission, Thing(None))
    assert can(make.admin(), permission, Thing(None))


def test_region_admins_hold_none_of_the_platforms_permissions(ctx, make):
    district = make.region_admin("360113")
    for permission in (Permission.ORG_REVIEW, Permission.AUDIT_VIEW, Permission.TAXONOMY_MANAGE,
                       Permission.USER_UNLOCK, Permission.PROPOSAL_VIEW, Permission.FUNNEL_VIEW,
                       Permission.LISTING_CLOSE,
                       Permission.REGION_ADMIN_MANAGE, Permission.ORG_MANAGE):
        assert not can(district, permission), permission
    for permission in (Permission.ADMIN_ACCESS, Permission.CONTACT_VIEW):
        assert can(district, permission)
    new = {Permission.DESIGNATION_MANAGE, Permission.TARGET_MANAGE, Permission.INDICATOR_ENTER,
           Permission.DASHBOARD_VIEW}
    assert new <= authz.ROLE_PERMISSIONS[authz.PLATFORM_ADMIN]
    assert new <= authz.ROLE_PERMISSIONS[authz.REGION_ADMIN]


def test_a_disabled_region_admin_holds_nothing(ctx, make):
    district = make.region_admin("360113")
    district.active = False  # Flask-Login: no longer authenticated
    assert authz.roles_of(district) == set()
    assert not can(district, Permission.ADMIN_ACCESS)


# --- services: review --------------------------------------------------------------------
def test_review_outside_the_subtree_is_refused_and_changes_nothing(ctx, make):
    department = make.org(kind="department", region="360103")
    item = make.opportunity(department, "submitted", region_code="360103")
    with pytest.raises(PermissionDenied):
        listing_services.review(make.region_admin("360113"), item, "approve")
    db.session.expire_all()
    assert item.status == "submitted"
    listing_services.review(make.region_admin("360103"), item, "approve")
    assert item.status == "approved"


def test_a_city_admin_reviews_its_districts_but_not_the_province(ctx, make):
    city = make.region_admin("360100")
    item = make.product(make.org(), "submitted", region_code="360113")
    listing_services.review(city, item, "return", "请补充案例")
    assert item.status == "returned"
    provincial = make.product(make.org(), "submitted", region_code="360000")
    with pytest.raises(PermissionDenied):
        listing_services.review(city, provincial, "approve")


def test_revisions_outside_the_subtree_are_refused(ctx, make):
    department = make.org(kind="department")
    item = make.opportunity(department, "published")  # 360113
    revision = opportunities.update(department.users[0], item,
                                    make.opportunity_data(title="修改后的标题"))
    db.session.commit()
    with pytest.raises(PermissionDenied):
        listing_services.decide_revision(make.region_admin("360103"), revision, "approve")
    db.session.expire_all()
    assert revision.status == "pending" and item.title != "修改后的标题"
    listing_services.decide_revision(make.region_admin("360113"), revision, "approve")
    assert item.title == "修改后的标题"


def test_a_region_admin_sees_drafts_of_its_subtree_only(ctx, make):
    item = make.opportunity(make.org(kind="department"), "submitted")  # 360113
    assert authz.can_view_listing(make.region_admin("360113"), item)
    assert authz.can_view_listing(make.region_admin("360100"), item)
    assert not authz.can_view_listing(make.region_admin("360103"), item)


# --- services: releases ------------------------------------------------------------------
def test_a_region_admins_release_is_its_regions(ctx, make):
    district = make.region_admin("360113")
    release = releases.create_release(district, {"year": 2031})
    assert release.region_code == "360113"
    assert release.title == "红谷滩区2031年第一批机会清单和产品清单"
    assert release.publisher_label == "江西省南昌市红谷滩区"


def test_a_release_outside_the_subtree_is_refused(ctx, make):
    with pytest.raises(PermissionDenied):
        releases.create_release(make.region_admin("360113"),
                                {"year": 2031, "region_code": "360103"})
    with pytest.raises(PermissionDenied):
        releases.create_release(make.region_admin("360113"),
                                {"year": 2031, "region_code": "360100"})
    assert db.session.scalar(sa.select(Release.id)) is None


def test_an_unknown_release_region_is_a_field_error(ctx, make):
    from marketplace.errors import ValidationError
    with pytest.raises(ValidationError) as error:
        releases.create_release(make.admin(), {"year": 2031, "region_code": "999999"})
    assert error.value.field == "region_code"


def test_region_admins_touch_neither_the_platforms_releases_nor_others(ctx, make):
    admin, district = make.admin(), make.region_admin("360113")
    item = make.product(make.org(), "approved", region_code="360113")
    platform = releases.create_release(admin, {"year": 2031})
    western = releases.create_release(admin, {"year": 2031, "region_code": "360103"})
    for release in (platform, western):
        with pytest.raises(PermissionDenied):
            releases.add_items(district, release, "product", [item.id])
    releases.add_items(admin, platform, "product", [item.id])
    with pytest.raises(PermissionDenied):
        releases.remove_item(district, platform, item)
    with pytest.raises(PermissionDenied):
        releases.publish_release(district, platform, date(2031, 5, 1))
    db.session.expire_all()
    assert item.release_id == platform.id and platform.status == "draft"


def test_a_regions_release_takes_listings_of_its_subtree_only(ctx, make):
    admin, city = make.admin(), make.region_admin("360100")
    inside = make.product(make.org(), "approved", region_code="360113")
    outside = make.product(make.org(), "approved", region_code="360000")
    release = releases.create_release(city, {"year": 2031, "region_code": "360113"})
    # Not even a platform admin puts the province's product into 红谷滩区's batch.
    with pytest.raises(IllegalTransition):
        releases.add_items(admin, release, "product", [outside.id])
    # The city admin may compose 红谷滩区's batch, but not with the province's listing.
    with pytest.raises(PermissionDenied):
        releases.add_items(city, release, "product", [inside.id, outside.id])
    db.session.expire_all()
    assert inside.release_id is None and outside.release_id is None
    assert releases.add_items(city, release, "product", [inside.id]) == 1


def test_regional_batches_are_numbered_per_region_and_year(ctx, make):
    admin = make.admin()
    hgt, xh = make.region_admin("360113"), make.region_admin("360103")
    platform_first = releases.create_release(admin, {"year": 2031})
    hgt_first = releases.create_release(hgt, {"year": 2031})
    xh_first = releases.create_release(xh, {"year": 2031})
    hgt_second = releases.create_release(hgt, {"year": 2031})
    hgt_next_year = releases.create_release(hgt, {"year": 2032})
    assert [r.sequence for r in (platform_first, hgt_first, xh_first, hgt_second,
                                 hgt_next_year)] == [1, 1, 1, 2, 1]
    assert hgt_second.title == "红谷滩区2031年第二批机会清单和产品清单"
    assert xh_first.title == "西湖区2031年第一批机会清单和产品清单"
    assert releases.create_release(admin, {"year": 2031}).sequence == 2


def test_regional_public_numbers_carry_the_region_and_never_collide(ctx, make):
    admin, hgt = make.admin(), make.region_admin("360113")
    department = make.org(kind="department")
    ours = [make.opportunity(department, "approved") for _ in range(2)]
    theirs = make.opportunity(department, "approved")
    regional = releases.create_release(hgt, {"year": 2031})
    platform = releases.create_release(admin, {"year": 2031})
    assert (regional.year, regional.sequence) == (platform.year, platform.sequence)
    releases.add_items(hgt, regional, "opportunity", [o.id for o in ours])
    releases.add_items(admin, platform, "opportunity", [theirs.id])
    releases.publish_release(hgt, regional, date(2031, 5, 1))
    releases.publish_release(admin, platform, date(2031, 5, 2))
    assert sorted(o.public_number for o in ours) == ["JH-360113-2031-01-001",
                                                     "JH-360113-2031-01-002"]
    assert theirs.public_number == "JH-2031-01-001"
    assert regional.status == "published"


def test_a_districts_count_of_published_lists(ctx, make):
    from marketplace.releases import queries
    hgt = make.region_admin("360113")
    department = make.org(kind="department")
    for n in range(3):
        item = make.opportunity(department, "approved")
        release = releases.create_release(hgt, {"year": 2031})
        releases.add_items(hgt, release, "opportunity", [item.id])
        if n < 2:
            releases.publish_release(hgt, release, date(2031, 5, 1 + n))
    assert queries.published_count("360113", 2031) == 2
    assert queries.published_count("360113", 2030) == 0
    assert queries.published_count("360100") == 0  # the city's own, not its districts'
