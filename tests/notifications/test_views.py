"""The notification pages: list, mark read, settings, subscription, admin reminders."""
from datetime import timedelta

import sqlalchemy as sa

from marketplace.db import beijing_today
from marketplace.extensions import db
from marketplace.notifications import queries
from marketplace.notifications.models import EVENTS, Notification
from marketplace.notifications.services import notify
from marketplace.taxonomy.queries import field_by_name, tag_by_name


def _notify(world, user=None, n=1):
    for _ in range(n):
        notify("listing_published", [user or world.ent_user], item=world.product,
               link=f"/products/{world.product.id}")
    db.session.commit()


def test_anonymous_is_sent_to_login(client):
    for url in ("/notifications", "/settings/notifications", "/settings/subscription"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location


def test_list_newest_first_unread_marked_and_header_count(world, login_as):
    _notify(world, n=2)
    notify("listing_approved", [world.ent_user], item=world.product)
    db.session.commit()
    html = login_as(world.ent_user).get("/notifications").get_data(as_text=True)
    assert "通知 (3)" in html  # header
    assert html.count("notification--unread") == 3
    assert html.index("已通过审核") < html.index("已公开发布")
    assert "前往处理" in html and "全部标为已读" in html
    assert "订阅新机会" in html  # an enterprise may subscribe


def test_pagination(world, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    _notify(world, n=5)
    client = login_as(world.ent_user)
    html = client.get("/notifications?page=3").get_data(as_text=True)
    assert "第 3 / 3 页" in html and html.count('class="notification ') == 1


def test_mark_read_and_open(world, login_as):
    _notify(world, n=2)
    first, second = db.session.scalars(sa.select(Notification).order_by(Notification.id))
    client = login_as(world.ent_user)
    response = client.post(f"/notifications/{first.id}/read")
    assert response.status_code == 302 and response.location.endswith("/notifications?page=1")
    response = client.post(f"/notifications/{second.id}/read", data={"open": "1"})
    assert response.location == f"/products/{world.product.id}"
    db.session.expire_all()
    assert queries.unread_count(world.ent_user) == 0
    assert "通知 (" not in client.get("/notifications").get_data(as_text=True)


def test_another_users_notification_is_not_found(world, login_as):
    _notify(world, user=world.dept_user)
    [theirs] = db.session.scalars(sa.select(Notification))
    response = login_as(world.ent_user).post(f"/notifications/{theirs.id}/read")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_read_all(world, login_as):
    _notify(world, n=3)
    _notify(world, user=world.dept_user)
    response = login_as(world.ent_user).post("/notifications/read-all")
    assert response.status_code == 302
    db.session.expire_all()
    assert queries.unread_count(world.ent_user) == 0
    assert queries.unread_count(world.dept_user) == 1


def test_email_settings_persist(world, login_as):
    client = login_as(world.dept_user)
    html = client.get("/settings/notifications").get_data(as_text=True)
    assert all(label in html for label in EVENTS.values())
    assert html.count("checked") == len(EVENTS)
    keep = [e for e in EVENTS if e not in ("digest", "reminder")]
    response = client.post("/settings/notifications", data={"events": keep})
    assert response.status_code == 302
    db.session.expire_all()
    settings = queries.email_settings(world.dept_user)
    assert not settings["digest"] and not settings["reminder"] and settings["question_asked"]
    html = client.get("/settings/notifications").get_data(as_text=True)
    assert html.count("checked") == len(EVENTS) - 2
    assert "设置新机会订阅" not in html  # departments do not subscribe


def _subscription_form(**overrides):
    data = {"field_ids": [str(field_by_name("交通出行").id)],
            "tag_ids": [str(tag_by_name("智慧停车").id)], "region_codes": ["360100", "420102"],
            "match_products": "y", "frequency": "daily"}
    data.update(overrides)
    return data


def test_subscription_page_saves_and_shows_choices(world, login_as):
    client = login_as(world.ent_user)
    html = client.get("/settings/subscription").get_data(as_text=True)
    assert "订阅新机会" in html and "全部数字生活" in html and "红谷滩区" in html
    response = client.post("/settings/subscription", data=_subscription_form())
    assert response.status_code == 302
    db.session.expire_all()
    sub = queries.subscription_of(world.ent_user)
    assert sub.region_codes == ["360100", "420102"] and sub.match_products
    assert sub.frequency == "daily" and sub.tag_ids == [tag_by_name("智慧停车").id]
    html = client.get("/settings/subscription").get_data(as_text=True)
    assert "当前订阅：每日推送" in html
    assert '<option selected value="360100">' in html
    assert f'value="{tag_by_name("智慧停车").id}"\n      checked' in html


def test_bad_subscription_input_shows_chinese_error_and_changes_nothing(world, login_as):
    client = login_as(world.ent_user)
    client.post("/settings/subscription", data=_subscription_form())
    response = client.post("/settings/subscription", data=_subscription_form(
        region_codes=["999999"], frequency="weekly", match_products=""))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "地区选择有误，请重新选择。" in html and 'class="field-error"' in html
    db.session.expire_all()
    sub = queries.subscription_of(world.ent_user)
    assert sub.frequency == "daily" and sub.match_products
    response = client.post("/settings/subscription", data=_subscription_form(frequency=""))
    assert "请选择推送频率。" in response.get_data(as_text=True)


def test_subscription_refused_to_departments_and_admins(world, login_as, make):
    assert login_as(world.dept_user).get("/settings/subscription").status_code == 403
    admin = make.admin()
    assert login_as(admin).get("/settings/subscription").status_code == 403


def test_admin_reminders_page(world, login_as, make):
    world.opportunity.deadline = beijing_today() - timedelta(days=40)
    make.pairing(world.opportunity, world.enterprise, "negotiating", changed_days_ago=60)
    db.session.commit()
    html = login_as(make.admin()).get("/admin/reminders").get_data(as_text=True)
    assert "未登记结果的机会（1）" in html and world.opportunity.title in html
    assert "长期无进展的对接（1）" in html and world.enterprise.name in html
    assert "没有发送失败的邮件" in html
    assert login_as(world.dept_user).get("/admin/reminders").status_code == 403
