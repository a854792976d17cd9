"""Roll-up over the region tree and progress against targets.

Property: over random designations in random regions of a real subtree (江西省), for every
region, the rolled-up count equals the region's own designations plus its children's
rolled-up counts, and revoked designations never count."""
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.demonstrations.models import DemonstrationTarget, Designation
from marketplace.demonstrations.queries import Tally, progress
from marketplace.extensions import db
from marketplace.taxonomy.models import Region

KINDS = ("zone", "project", "enterprise")


def regions_of(prefix: str) -> list[Region]:
    return db.session.scalars(sa.select(Region).where(Region.code.startswith(prefix))
                              .order_by(Region.code)).all()


def children(region: Region, regions: list[Region]) -> list[Region]:
    return [r for r in regions if r.parent_code == region.code]


def add(region_code: str, kind: str, year: int, active: bool = True) -> Designation:
    designation = Designation(region_code=region_code, kind=kind, year=year, name="测试认定",
                              status="active" if active else "revoked")
    db.session.add(designation)
    return designation


@pytest.fixture
def nanchang(app):
    """南昌市 and its districts, with 江西省 above them (a small real tree)."""
    return regions_of("3601"), db.session.get(Region, "360000")


ROWS = st.lists(st.tuples(st.integers(0, 40), st.sampled_from(KINDS),
                          st.integers(2022, 2026), st.booleans()), max_size=40)


def test_a_parent_counts_its_own_and_its_childrens(ctx, each_example, nanchang):
    districts, province = nanchang
    tree = [province, *districts]

    @settings(max_examples=25)
    @given(rows=ROWS)
    def check(rows):
        with each_example():
            for index, kind, year, active in rows:
                add(tree[index % len(tree)].code, kind, year, active)
            db.session.flush()
            tally = Tally("36")
            for region in tree:
                below = children(region, tree)
                for kind in KINDS:
                    total = tally.count(region, kind)
                    assert total == tally.count(region, kind, own=True) + sum(
                        tally.count(child, kind) for child in below)
                    expected = sum(1 for i, k, _, active in rows if k == kind and active
                                   and tree[i % len(tree)].code.startswith(region.prefix))
                    assert total == expected  # revoked ones never count

    check()


def test_progress_against_a_period_target_and_a_yearly_one(ctx):
    honggutan, xihu = db.session.get(Region, "360113"), db.session.get(Region, "360103")
    for year in (2023, 2024):
        add("360113", "project", year)
    add("360113", "project", 2024, active=False)
    add("360103", "project", 2023)
    db.session.flush()
    tally = Tally()
    today = date(2024, 1, 1)
    [project] = [p for p in progress(honggutan, tally, 2024, today) if p.target.kind == "project"]
    assert (project.goal, project.value, project.own) == (50, 2, 2)
    assert project.wording == "50个以上" and project.percent == 4
    assert project.on_track is False  # two of fifty when half of 2022-2025 has passed
    xihu = {("yearly" if p.target.targets_by_year else p.target.qualifier or "total"): p
            for p in progress(xihu, tally, 2024, today) if p.target.kind == "project"}
    # 西湖区 表1第12项: the 2024 goal (3), counted over every year up to 2024
    assert (xihu["yearly"].goal, xihu["yearly"].value, xihu["yearly"].last_year) == (3, 1, 2024)
    assert xihu["2—3个"].wording == "2—3个" and xihu["2—3个"].value == 1


def test_a_city_sees_its_districts_designations(ctx):
    add("360113", "zone", 2024)
    add("360103", "zone", 2024)
    add("360102", "zone", 2024, active=False)
    db.session.flush()
    tally = Tally()
    nanchang = db.session.get(Region, "360100")
    assert tally.count(nanchang, "zone") == 2 and tally.count(nanchang, "zone", own=True) == 0
    assert tally.count(db.session.get(Region, "360000"), "zone") == 2
    assert DemonstrationTarget  # targets are reference data (flask seed reference)
