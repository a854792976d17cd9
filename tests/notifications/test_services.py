"""E-mail preferences, the inbox, and the subscription service's validation."""
import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.notifications import queries, services
from marketplace.notifications.models import EVENTS, Subscription
from marketplace.notifications.services import notify
from marketplace.taxonomy.queries import field_by_name, tag_by_name
from tests.notifications.conftest import inbox, outbox


def test_switching_an_event_off_keeps_the_notification_but_not_the_email(world):
    wanted = [e for e in EVENTS if e != "listing_approved"]
    services.save_email_settings(world.ent_user, wanted)
    assert queries.email_settings(world.ent_user)["listing_approved"] is False

    notify("listing_approved", [world.ent_user], item=world.product)
    notify("listing_published", [world.ent_user], item=world.product)
    assert [n.event for n in inbox(world.ent_user)] == ["listing_approved",
                                                        "listing_published"]
    assert [m.event for m in outbox(world.ent_user)] == ["listing_published"]


def test_email_settings_round_trip_and_audit(world):
    user = world.dept_user
    assert all(queries.email_settings(user).values())  # default: every e-mail on
    services.save_email_settings(user, ["digest", "bogus"])
    assert queries.email_settings(user) == {e: e == "digest" for e in EVENTS}
    services.save_email_settings(user, list(EVENTS))
    assert all(queries.email_settings(user).values())
    actions = db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.actor_id == user.id, AuditLog.action == "notification.email_settings"))
    assert len(list(actions)) == 2


def test_mark_read_only_own_notifications(world):
    notify("listing_published", [world.dept_user], item=world.opportunity)
    notify("listing_published", [world.ent_user], item=world.product)
    [mine] = inbox(world.ent_user)
    [theirs] = inbox(world.dept_user)
    with pytest.raises(NotFound):
        services.mark_read(world.ent_user, theirs.id)
    assert theirs.read_at is None
    services.mark_read(world.ent_user, mine.id)
    assert mine.read_at is not None
    assert queries.unread_count(world.ent_user) == 0
    assert queries.unread_count(world.dept_user) == 1


def test_mark_all_read(world):
    for _ in range(3):
        notify("listing_published", [world.ent_user], item=world.product)
    notify("listing_published", [world.dept_user], item=world.opportunity)
    assert services.mark_all_read(world.ent_user) == 3
    assert queries.unread_count(world.ent_user) == 0
    assert queries.unread_count(world.dept_user) == 1


def _form(**overrides):
    data = {"field_ids": [str(field_by_name("交通出行").id)],
            "tag_ids": [str(tag_by_name("智慧停车").id)],
            "region_codes": ["360100"], "match_products": True, "frequency": "daily"}
    data.update(overrides)
    return data


def test_save_subscription_creates_then_updates(world):
    sub = services.save_subscription(world.ent_user, _form())
    assert sub.field_ids == [field_by_name("交通出行").id]
    assert sub.region_codes == ["360100"] and sub.match_products and sub.frequency == "daily"
    assert sub.last_sent_at is None
    services.save_subscription(world.ent_user, _form(frequency="weekly", match_products=False,
                                                     tag_ids=[], region_codes=[]))
    [stored] = db.session.scalars(sa.select(Subscription)).all()
    assert (stored.frequency, stored.match_products, stored.tag_ids, stored.region_codes) == (
        "weekly", False, [], [])
    audit = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.action == "subscription.save").order_by(AuditLog.id)).all()
    assert audit[0].before is None and audit[1].before["frequency"] == "daily"


def test_field_group_is_accepted(world):
    group = field_by_name("交通出行").parent
    sub = services.save_subscription(world.ent_user, _form(field_ids=[str(group.id)]))
    assert sub.field_ids == [group.id]


@pytest.mark.parametrize("field, value, message", [
    ("field_ids", ["999999"], "领域选择有误"),
    ("field_ids", ["abc"], "领域选择有误"),
    ("tag_ids", ["999999"], "标签选择有误"),
    ("region_codes", ["999999"], "地区选择有误"),
    ("frequency", "hourly", "请选择推送频率"),
    ("region_codes", [f"36{n:04d}" for n in range(31)], "地区最多选择 30 个"),
])
def test_bad_subscription_input_is_refused_at_its_field(world, field, value, message):
    services.save_subscription(world.ent_user, _form())
    db.session.commit()
    with pytest.raises(ValidationError) as caught:
        services.save_subscription(world.ent_user, _form(**{"frequency": "weekly",
                                                           field: value}))
    assert caught.value.field == field and message in caught.value.errors[field]
    db.session.rollback()
    assert queries.subscription_of(world.ent_user).frequency == "daily"


def test_every_problem_reported_at_once(world):
    with pytest.raises(ValidationError) as caught:
        services.save_subscription(world.ent_user, _form(field_ids=["0"], tag_ids=["0"],
                                                         frequency=""))
    assert set(caught.value.errors) == {"field_ids", "tag_ids", "frequency"}


def test_only_enterprises_and_institutes_subscribe(world, make):
    with pytest.raises(PermissionDenied):
        services.save_subscription(world.dept_user, _form())
    with pytest.raises(PermissionDenied):
        services.save_subscription(make.admin(), _form())
    institute = make.org("institute")
    assert services.save_subscription(institute.users[0], _form()).id
