"""Look-alikes for administrators: listings under review compared with each other and
with published ones, stored pairs kept in step by the sync, the report's clusters, and
decided pairs no longer suggested."""
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import links
from marketplace.listings import services as workflow
from marketplace.matching import duplicates
from marketplace.matching.models import SimilarPair
from marketplace.taxonomy.queries import field_by_name, tag_by_name

XIHU, JIANGAN = "360103", "420102"


def parking(make, status, region="360113", **overrides):
    """The factories' parking need (智慧停车诱导与泊位共享系统) from a department of
    ``region``."""
    return make.opportunity(make.org("department", region=region), status,
                            region_code=region, **overrides)


def unrelated(make, status="submitted"):
    return make.opportunity(make.org("department"), status, title="中职学校虚拟现实实训室建设",
                            summary="建设汽修专业虚拟现实实训室。",
                            description="配备头戴式显示设备，完成整车拆装和故障诊断练习。",
                            field_id=str(field_by_name("教育就业").id),
                            tag_ids=[str(tag_by_name("VR+教育").id)])


def _pairs() -> set[tuple[int, int]]:
    return {(p.first_id, p.second_id) for p in db.session.scalars(sa.select(SimilarPair))}


def _pair(a, b) -> tuple[int, int]:
    return tuple(sorted((a.id, b.id)))


def test_two_listings_under_review_find_each_other(ctx, make, index, sync, engine):
    admin = make.admin()
    first, second = parking(make, "submitted"), parking(make, "submitted", JIANGAN)
    other = unrelated(make)
    sync()
    assert _pairs() == {_pair(first, second)}
    assert [a.other for a in duplicates.for_review(engine, first, admin)] == [second]
    assert [a.other for a in duplicates.for_review(engine, second, admin)] == [first]
    assert duplicates.for_review(engine, other, admin) == []


def test_a_listing_under_review_finds_published_ones_and_the_report_groups_them(
        ctx, make, index, sync, engine):
    admin = make.admin()
    last_year = parking(make, "published")
    this_year, elsewhere = parking(make, "submitted", XIHU), parking(make, "approved", JIANGAN)
    unrelated(make)
    sync()
    assert _pairs() == {_pair(last_year, this_year), _pair(last_year, elsewhere),
                        _pair(this_year, elsewhere)}
    [cluster] = duplicates.report("opportunity", admin)
    assert cluster.members == [last_year, this_year, elsewhere]
    assert len(cluster.pairs) == 3 and cluster.best >= 0.5
    assert all(pair.terms for pair in cluster.pairs)
    # Filtered by region: a cluster shows when one of its listings is in the region.
    assert len(duplicates.report("opportunity", admin, region="4201")[0].pairs) == 2
    assert duplicates.report("opportunity", admin, region="3601")[0].pairs
    assert duplicates.report("product", admin) == []


def test_a_region_administrator_sees_only_pairs_within_its_subtree(ctx, make, index, sync):
    inside, also_inside = parking(make, "submitted"), parking(make, "submitted")
    parking(make, "submitted", XIHU)
    sync()
    [cluster] = duplicates.report("opportunity", make.region_admin("360113"))
    assert [(p.first, p.second) for p in cluster.pairs] == [(inside, also_inside)]
    assert len(duplicates.report("opportunity", make.admin())[0].pairs) == 3


def test_decided_pairs_are_no_longer_suggested(ctx, make, index, sync, engine):
    admin = make.admin()
    first, second, third = (parking(make, "submitted"), parking(make, "submitted", XIHU),
                            parking(make, "submitted", JIANGAN))
    sync()
    links.mark(admin, first, second, "dismissed")
    db.session.commit()
    assert [a.other for a in duplicates.for_review(engine, first, admin)] == [third]
    [cluster] = duplicates.report("opportunity", admin)
    assert {(p.first.id, p.second.id) for p in cluster.pairs} == {
        _pair(first, third), _pair(second, third)}
    [(link, a, b)] = duplicates.decisions("opportunity", admin)
    assert link.kind == "dismissed" and {a, b} == {first, second}


def test_pairs_follow_listings_out_of_review(ctx, make, index, sync):
    first, second = parking(make, "submitted"), parking(make, "submitted", XIHU)
    sync()
    assert _pairs() == {_pair(first, second)}
    workflow.withdraw(second.organization.users[0], second)
    db.session.commit()
    sync()
    assert _pairs() == set()


def test_a_rebuild_recomputes_the_pairs_of_listings_under_review(ctx, make, index, sync):
    from marketplace.sync.steps import rebuild_index, refresh_all_queued
    first, second = parking(make, "submitted"), parking(make, "published", XIHU)
    sync()
    db.session.execute(sa.delete(SimilarPair))
    db.session.commit()
    rebuild_index(processes=1)
    refresh_all_queued()
    db.session.expire_all()
    assert _pairs() == {_pair(first, second)}
