"""Release status changes: RELEASE_TRANSITIONS decides, publishing is audited."""
from datetime import date

import pytest

from marketplace.audit import AuditLog
from marketplace.errors import IllegalTransition
from marketplace.releases import services
from marketplace.releases.models import RELEASE_STATUSES, RELEASE_TRANSITIONS, Release
from tests import transitions
from tests.transitions import assert_table_decides

PAIRS = [(current, target) for current in RELEASE_STATUSES for target in RELEASE_STATUSES]


def audit_rows(release: Release) -> list[AuditLog]:
    return transitions.audit_rows("release", release)


def release_in(make, status: str) -> Release:
    if status == "published":
        return make.opportunity(make.org(kind="department"), status="published").release
    return services.create_release(make.admin(), {"year": 2030})


@pytest.mark.parametrize("current, target", PAIRS)
def test_the_table_decides_every_move(ctx, make, current, target):
    release = release_in(make, current)
    assert_table_decides(make.admin(), release, target, transitions=RELEASE_TRANSITIONS,
                         labels=RELEASE_STATUSES, noun="该批次", action="release.probe",
                         object_type="release", summary=release.title)


def test_publishing_audits_status_and_dates_before_and_after(ctx, make):
    admin = make.admin()
    item = make.opportunity(make.org(kind="department"), status="approved")
    release = services.create_release(admin, {"year": 2030})
    services.add_items(admin, release, "opportunity", [item.id])
    services.publish_release(admin, release, date(2030, 6, 1))
    entry = audit_rows(release)[-1]
    assert entry.action == "release.publish" and entry.actor_id == admin.id
    assert entry.before == {"status": "draft", "published_on": None, "published_at": None}
    assert entry.after == {"status": "published", "published_on": "2030-06-01",
                           "published_at": release.published_at.isoformat()}
    assert entry.summary == release.title


def test_a_published_release_cannot_be_published_again(ctx, make):
    release = release_in(make, "published")
    before, rows = (release.published_on, release.published_at), len(audit_rows(release))
    with pytest.raises(IllegalTransition, match="已发布"):
        services.publish_release(make.admin(), release, date(2031, 1, 1))
    assert (release.published_on, release.published_at) == before
    assert len(audit_rows(release)) == rows
