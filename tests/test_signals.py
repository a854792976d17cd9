"""Services announce what happened as domain signals (marketplace.signals); the packages
above them subscribe. Each signal is sent once, with the changed object and the actor, in
the caller's transaction — and notifications hears it."""
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from marketplace import signals
from marketplace.errors import IllegalTransition
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.notifications.models import Notification


@contextmanager
def heard(signal):
    calls = []

    def receiver(sender, **kwargs):
        calls.append((sender, kwargs))

    with signal.connected_to(receiver):
        yield calls


def test_review_sends_approved_then_returned_with_the_actor(ctx, make):
    item = make.opportunity(make.org("department"), "submitted")
    admin = make.admin()
    with heard(signals.listing_approved) as approved, heard(signals.listing_returned) as back:
        listing_services.review(admin, item, "approve")
        listing_services.review(admin, item, "return", "请补充预算依据")
    assert approved == [(item, {"actor": admin})]
    assert back == [(item, {"actor": admin})]


def test_publishing_a_listing_is_heard_by_notifications(ctx, make):
    department = make.org("department")
    with heard(signals.listing_published) as published:
        item = make.opportunity(department, "published")
    assert [sender for sender, _ in published] == [item]
    titles = db.session.scalars(sa.select(Notification.title).where(
        Notification.user_id == department.users[0].id, Notification.event == "listing_published"))
    assert any(item.title in title for title in titles)


def test_a_refused_change_sends_nothing(ctx, make):
    item = make.opportunity(make.org("department"), "draft")
    with heard(signals.listing_approved) as approved, pytest.raises(IllegalTransition):
        listing_services.review(make.admin(), item, "approve")  # a draft is not submitted
    assert approved == []
