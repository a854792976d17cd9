"""Simultaneous requests that once failed with a 500 or took effect twice (issue 13: D4,
D5, D6), as real concurrent requests on a real database: SQLite in the default run,
PostgreSQL under ``python -m tests.postgres``."""
from datetime import date

import sqlalchemy as sa

from marketplace.accounts.models import Organization, User
from marketplace.audit import AuditLog
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.releases import services as releases
from marketplace.releases.models import Release
from tests.concurrency import post_together
from tests.factories import PASSWORD, valid_uscc


def test_simultaneous_release_creations_take_numbers_in_turn(own_app, make):
    """D4: eight admins' requests for one year once collided on the batch number."""
    with own_app.app_context():
        email = make.admin().email
        db.session.remove()
    form = {"year": "2027", "title": "", "region_code": "", "description": ""}
    statuses = post_together(own_app, [(email, "/admin/releases/", form)] * 8)
    assert statuses == [302] * 8
    with own_app.app_context():
        numbers = db.session.scalars(sa.select(Release.sequence)
                                     .where(Release.year == 2027)).all()
    assert sorted(numbers) == list(range(1, 9))


def test_a_release_published_by_simultaneous_requests_is_published_once(own_app, make):
    """D5: four publish requests once all succeeded, each auditing and notifying."""
    with own_app.app_context():
        admin = make.admin()
        item = make.listing("product", make.org("enterprise"), "approved")
        release = releases.create_release(admin, {"year": "2027"})
        releases.add_items(admin, release, "product", [item.id])
        db.session.commit()
        email, release_id = admin.email, release.id
        db.session.remove()
    form = {"published_on": date(2027, 1, 5).isoformat(), "confirmed": "yes"}
    statuses = post_together(own_app,
                             [(email, f"/admin/releases/{release_id}/publish", form)] * 4)
    assert sorted(statuses) == [302, 400, 400, 400]
    with own_app.app_context():
        publications = db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(
            AuditLog.action == "release.publish"))
        published_notices = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.event == "listing_published"))
    assert publications == 1
    assert published_notices == 1


def test_simultaneous_registrations_with_one_email_make_one_account(own_app):
    """D6: six sign-ups with the same e-mail once ended in 500s; one account is made and
    the others see the message at the e-mail field."""
    forms = [{"name": f"并发注册科技有限公司{i}", "kind": "enterprise", "region_code": "360113",
              "uscc": valid_uscc(9100 + i), "user_name": "张三", "email": "race@test.cn",
              "password": PASSWORD} for i in range(6)]
    statuses = post_together(own_app, [(None, "/register", form) for form in forms])
    assert sorted(statuses) == [200] * 5 + [302]
    with own_app.app_context():
        users = db.session.scalar(sa.select(sa.func.count(User.id)).where(
            User.email == "race@test.cn"))
        organizations = db.session.scalar(sa.select(sa.func.count(Organization.id)).where(
            Organization.name.like("并发注册科技有限公司%")))
    assert users == 1 and organizations == 1


def test_simultaneous_wrong_passwords_check_no_more_than_the_limit(own_app, make):
    """D3: eight simultaneous guesses once had eight passwords checked; now five are
    checked (the fifth locks the account) and three are refused as locked, and the count
    starts again after the lock."""
    with own_app.app_context():
        user = make.org().users[0]
        email, user_id = user.email, user.id
        limit = own_app.config["LOGIN_MAX_FAILURES"]
        db.session.remove()
    guesses = [(None, "/login", {"email": email, "password": f"wrong-guess-{i}"})
               for i in range(limit + 3)]
    assert 500 not in post_together(own_app, guesses)
    with own_app.app_context():
        actions = db.session.scalars(sa.select(AuditLog.action).where(
            AuditLog.object_type == "user", AuditLog.object_id == user_id)).all()
        user = db.session.get(User, user_id)
        assert actions.count("auth.login_failed") + actions.count("auth.locked") == limit
        assert actions.count("auth.locked") == 1
        assert actions.count("auth.login_refused_locked") == 3
        assert user.locked_until is not None and user.failed_logins == 0
