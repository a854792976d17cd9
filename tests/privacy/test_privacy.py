"""A person's copy of their data, and erasing their account (个人信息保护法)."""
import json

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import RecoveryCode, User
from marketplace.audit import AuditLog
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.listings.models import Revision
from marketplace.notifications.models import EmailMessage, Notification
from marketplace.notifications.services import notify
from marketplace.privacy import services
from marketplace.search.queries import SearchParams, search
from tests.factories import PASSWORD

PHONE = "13912340000"


@pytest.fixture
def person(make):
    """A department user who is also the contact of two of their organization's listings."""
    department = make.org(kind="department")
    user = department.users[0]
    user.phone = PHONE
    item = make.opportunity(department, "published", contact_name="周小梅",
                            contact_phone=PHONE, title="智慧河道巡查无人机服务")
    make.opportunity(department, "draft", contact_name="周小梅", contact_phone=PHONE)
    make.opportunity(department, "published", contact_name="钱工", contact_phone="13900001111")
    notify("listing_approved", [user], link="/", item=item)
    db.session.commit()
    return user


def _listings_of(user):
    from marketplace.opportunities.models import Opportunity
    return db.session.scalars(sa.select(Opportunity).filter_by(
        organization_id=user.organization_id).order_by(Opportunity.id)).all()


def test_the_copy_holds_the_account_listings_and_activity(person):
    data = json.loads(services.export_personal_data(person))
    db.session.commit()
    assert data["账户"]["电子邮箱"] == person.email and data["账户"]["手机号码"] == PHONE
    titles = {row["标题"] for row in data["发布或联系的清单"]}
    assert "智慧河道巡查无人机服务" in titles
    assert data["站内通知"] and data["操作记录（最近 5000 条）"]
    record = db.session.scalars(sa.select(AuditLog).filter_by(
        action="account.data_export", actor_id=person.id)).one()
    assert record.after["rows"] > 3


def test_the_copy_is_a_download_for_the_signed_in_user_only(client, person, login_as):
    assert client.get("/account/privacy/data.json").status_code == 302  # to the login page
    login_as(person)
    response = client.get("/account/privacy/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.get_json()["账户"]["姓名"] == person.name
    assert response.headers["Cache-Control"].startswith("no-store")


def test_erasure_removes_the_person_everywhere_but_keeps_the_organization_s_work(
        person, app):
    email, name, user_id = person.email, person.name, person.id
    items = _listings_of(person)
    db.session.add(Revision(listing_kind="opportunity", listing_id=items[0].id,
                            data={"title": "改", "contact_name": "周小梅", "contact_phone": PHONE}))
    person.totp_secret, person.totp_enabled_at = "an-encrypted-secret", person.created_at
    db.session.add(RecoveryCode(user_id=person.id, code_hash="0" * 64))
    db.session.commit()

    services.erase_account(person, PASSWORD, "注销")
    db.session.commit()
    db.session.expire_all()

    user = db.session.get(User, user_id)
    assert (user.name, user.phone, user.active) == ("已注销用户", "", False)
    assert user.email.endswith(".invalid") and email not in user.email
    assert user.totp_secret is None and not user.second_factor_enabled
    assert not db.session.scalars(sa.select(RecoveryCode).filter_by(user_id=user_id)).all()
    erased, kept = _listings_of(user)[:2], _listings_of(user)[2]
    assert all((i.contact_name, i.contact_phone, i.contact_consent) == ("", "", False)
               for i in erased)
    assert kept.contact_phone == "13900001111" and len(_listings_of(user)) == 3
    revision = db.session.scalars(sa.select(Revision)).one()
    assert revision.data["contact_phone"] == "" and revision.data["title"] == "改"
    assert not db.session.scalars(sa.select(Notification).filter_by(user_id=user_id)).all()
    assert not db.session.scalars(sa.select(EmailMessage).filter_by(user_id=user_id)).all()
    # The audit log never held the person in full, before or after.
    for record in db.session.scalars(sa.select(AuditLog)):
        text = json.dumps([record.actor_label, record.summary, record.before, record.after],
                          ensure_ascii=False)
        assert PHONE not in text and email not in text, (record.action, text)
    assert db.session.scalars(sa.select(AuditLog).filter_by(action="account.erase")).one()


def test_contacts_never_reach_the_search_index(person, index, sync):
    """Names and numbers are not indexed at all, so an erased contact cannot linger there;
    the listings themselves stay findable after the erasure re-indexes them."""
    sync()
    assert not _found(index, "周小梅") and not _found(index, PHONE)
    services.erase_account(person, PASSWORD, "注销")
    db.session.commit()
    sync()
    assert "智慧河道巡查无人机服务" in _found(index, "河道巡查无人机")
    assert not _found(index, "周小梅") and not _found(index, PHONE)


def _found(index, q):
    return [hit.item.title for hit in search(index, SearchParams(q=q)).hits]


@pytest.mark.parametrize("password, confirm, field", [
    ("wrong-password", "注销", "password"), (PASSWORD, "", "confirm"),
    (PASSWORD, "确定", "confirm")])
def test_erasure_refused_changes_nothing(person, password, confirm, field):
    with pytest.raises(ValidationError) as error:
        services.erase_account(person, password, confirm)
    assert error.value.field == field
    db.session.rollback()
    assert db.session.get(User, person.id).phone == PHONE


def test_the_last_platform_admin_cannot_erase_their_account(make):
    admin = make.admin()
    for other in db.session.scalars(sa.select(User).filter(
            User.is_platform_admin.is_(True), User.id != admin.id)):
        other.active = False
    with pytest.raises(ValidationError, match="最后一位平台管理员"):
        services.erase_account(admin, PASSWORD, "注销")
    assert make.admin() and services.erase_account(admin, PASSWORD, "注销") is None


def test_erasing_through_the_page_signs_out_and_the_old_password_fails(client, person, login_as):
    login_as(person)
    page = client.get("/account/privacy/").get_data(as_text=True)
    assert "注销账户" in page and "下载个人信息副本" in page
    bad = client.post("/account/privacy/erase", data={"password": "x", "confirm": "注销"})
    assert bad.status_code == 400 and "密码不正确" in bad.get_data(as_text=True)
    done = client.post("/account/privacy/erase", data={"password": PASSWORD, "confirm": "注销"})
    assert done.status_code == 200 and "账户已注销" in done.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    login = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert "/account" not in (login.location or "")
