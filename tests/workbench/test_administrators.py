"""The workbench of administrators: the review queue, releases to compose, overdue
outcomes, stale pairings, undeliverable e-mails and 十百千 targets behind schedule. A
region administrator sees its own subtree only, and none of the platform's sections
(organizations to verify, pairings, e-mails)."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import beijing_today
from marketplace.demonstrations.queries import targets_behind
from marketplace.extensions import db
from marketplace.notifications.models import EMAIL_MAX_ATTEMPTS, EmailMessage
from marketplace.notifications.services import notify
from marketplace.opportunities import services as opportunities
from marketplace.opportunities.models import Opportunity
from marketplace.releases import services as releases
from marketplace.workbench import queries
from tests.workbench.test_department_and_supplier import by_key

HGT, XIHU = "360113", "360103"  # 红谷滩区, 西湖区


@pytest.fixture
def admins(make):
    """(platform, 红谷滩区's, 西湖区's administrator)."""
    return make.admin(), make.region_admin(HGT), make.region_admin(XIHU)


def review_rows(user) -> list[tuple[str, int]]:
    return [(what, obj.id) for what, obj, _ in by_key(user)["review"].items]


def overdue(make, department, region: str) -> Opportunity:
    """A published opportunity of ``region`` whose deadline passed 60 days ago (time
    arranged by hand: a deadline in the past cannot be entered)."""
    item = make.opportunity(department, "published", region_code=region)
    db.session.execute(sa.update(Opportunity).where(Opportunity.id == item.id)
                       .values(deadline=beijing_today() - timedelta(days=60)))
    db.session.commit()
    return item


def undeliverable(user, item) -> EmailMessage:
    """An e-mail to ``user`` about ``item`` as delivery leaves it once the server has
    refused it EMAIL_MAX_ATTEMPTS times (tests/notifications/test_delivery.py)."""
    notify("listing_published", [user], item=item, link=f"/opportunities/{item.id}")
    message = db.session.scalar(sa.select(EmailMessage).order_by(EmailMessage.id.desc()))
    message.attempts = EMAIL_MAX_ATTEMPTS
    db.session.commit()
    return message


def test_review_queue_of_each_administrator(ctx, make, admins):
    platform, hgt, xihu = admins
    department = make.org("department")
    here = make.opportunity(department, "submitted", region_code=HGT)
    there = make.product(make.org(), "submitted", region_code=XIHU)
    published = make.opportunity(department, "published", region_code=HGT)
    revision = opportunities.update(department.users[0], published,
                                    make.opportunity_data(title="修改后的停车诱导"))
    newcomer = make.org(status="pending")
    db.session.commit()
    assert review_rows(platform) == [("listing", here.id), ("listing", there.id),
                                     ("revision", revision.id), ("organization", newcomer.id)]
    assert by_key(platform)["review"].pending == 4
    assert review_rows(hgt) == [("listing", here.id), ("revision", revision.id)]
    assert by_key(hgt)["review"].count == 2
    assert review_rows(xihu) == [("listing", there.id)]


def test_releases_to_compose_within_the_subtree(ctx, make, admins):
    platform, hgt, xihu = admins
    make.product(make.org(), "approved", region_code=HGT)
    make.opportunity(make.org("department"), "approved", region_code=HGT)
    make.product(make.org(), "approved", region_code=XIHU)
    composing = releases.create_release(hgt, {"year": 2031, "region_code": HGT})
    db.session.commit()
    assert by_key(platform)["releases"].count == 3
    section = by_key(hgt)["releases"]
    assert section.count == section.pending == 2 and [r.id for r in section.items] == [composing.id]
    assert by_key(xihu)["releases"].count == 1 and by_key(xihu)["releases"].items == []


def test_overdue_outcomes_within_the_subtree(ctx, make, admins):
    platform, hgt, xihu = admins
    department = make.org("department")
    here, there = overdue(make, department, HGT), overdue(make, department, XIHU)
    make.opportunity(department, "published", region_code=HGT)  # deadline ahead
    assert [o.id for o in by_key(platform)["overdue"].items] == [here.id, there.id]
    assert [o.id for o in by_key(hgt)["overdue"].items] == [here.id]
    assert [o.id for o in by_key(xihu)["overdue"].items] == [there.id]


def test_stale_pairings_and_undeliverable_emails_are_the_platforms(ctx, make, admins):
    platform, hgt, _ = admins
    need = make.opportunity(make.org("department"), "published", region_code=HGT)
    stale = make.pairing(need, make.org(), "negotiating", changed_days_ago=60)
    make.pairing(need, make.org(), "negotiating")  # moved today
    message = undeliverable(need.organization.users[0], need)
    sections = by_key(platform)
    assert [m.id for m in sections["stale"].items] == [stale.id]
    assert [e.id for e in sections["emails"].items] == [message.id]
    assert "stale" not in by_key(hgt) and "emails" not in by_key(hgt)


def test_header_number_of_an_administrator(ctx, make, admins):
    platform, hgt, _ = admins
    department = make.org("department")
    make.opportunity(department, "submitted", region_code=HGT)
    make.product(make.org(), "approved", region_code=XIHU)
    overdue(make, department, HGT)
    assert queries.header_counts(platform).pending == 3
    assert queries.header_counts(hgt).pending == 2  # 西湖区's approved product is not its own
    assert queries.header_counts(platform).pending == sum(s.pending for s in queries.sections(platform))


@pytest.mark.parametrize("scope", [HGT, XIHU, "360100"])
def test_targets_behind_schedule_stay_in_the_subtree(ctx, scope):
    rows = targets_behind(scope, date(2024, 7, 1))
    assert rows and all(row.target.region_code.startswith(scope.rstrip("0")) for row in rows)
    assert all(row.on_track is False for row in rows)


def test_targets_behind_schedule_of_the_province_and_on_track_ones_left_out(ctx):
    """Halfway through 2024 with nothing designated, every target in force lags — but
    one whose period has not begun (elapsed 0) is on track."""
    rows = targets_behind(None, date(2024, 7, 1))
    assert {row.target.region_code for row in rows} >= {"360000", HGT}
    assert targets_behind(None, date(2022, 1, 1)) == []
