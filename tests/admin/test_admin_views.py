import re

import sqlalchemy as sa

from marketplace.accounts.signin import authenticate
from marketplace.audit import AuditLog
from marketplace.extensions import db
from marketplace.listings.models import Revision
from marketplace.matching import services as recommendations
from marketplace.opportunities import services as opportunities


def test_dashboard_lists_the_review_queue(client, make, login_as):
    item = make.opportunity(make.org(kind="department"), status="submitted", title="待审队列中")
    pending = make.org(status="pending", name="待认证企业有限公司")
    login_as(make.admin())
    html = client.get("/admin/").get_data(as_text=True)
    assert "待审队列中" in html and pending.name in html
    assert f"/admin/review/opportunity/{item.id}" in html


def test_admin_returns_with_reason_through_the_page(client, make, login_as):
    item = make.opportunity(make.org(kind="department"), status="submitted")
    login_as(make.admin())
    missing = client.post(f"/admin/review/opportunity/{item.id}",
                          data={"decision": "return", "reason": ""})
    assert "退回原因" in missing.get_data(as_text=True)
    db.session.refresh(item)
    assert item.status == "submitted"
    client.post(f"/admin/review/opportunity/{item.id}",
                data={"decision": "return", "reason": "预算依据不足"})
    db.session.refresh(item)
    assert item.status == "returned" and item.return_reason == "预算依据不足"


def test_revision_page_shows_readable_changes(client, make, login_as):
    department = make.org(kind="department")
    item = make.opportunity(department, status="published")
    revision = opportunities.update(department.users[0], item,
                                    make.opportunity_data(title="新的名称"))
    db.session.commit()
    login_as(make.admin())
    html = client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True)
    assert "新的名称" in html and "江西省南昌市红谷滩区" in html and "智慧停车" in html
    client.post(f"/admin/revisions/{revision.id}", data={"decision": "approve"})
    assert db.session.get(Revision, revision.id).status == "approved"


def test_audit_log_shows_who_what_and_before_after(client, make, login_as):
    make.opportunity(make.org(kind="department"), status="approved")
    login_as(make.admin())
    html = client.get("/admin/audit?action=opportunity.approve").get_data(as_text=True)
    assert "机会审核通过" in html and "待审核" in html and "已通过" in html
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "opportunity.approve"))
    assert entry.before == {"status": "submitted", "return_reason": ""}


def test_organization_verification_page(client, make, login_as):
    org = make.org(status="pending")
    login_as(make.admin())
    client.post(f"/admin/organizations/{org.id}", data={"decision": "verify"})
    db.session.refresh(org)
    assert org.status == "verified" and org.verified_at is not None


def test_admin_opens_an_account_for_a_seeded_department(client, make, login_as):
    from marketplace.accounts.models import Organization
    department = db.session.scalar(sa.select(Organization).where(
        Organization.name == "红谷滩区科学技术和经济信息化局"))
    login_as(make.admin())
    response = client.post(f"/admin/organizations/{department.id}/members", data={
        "user_name": "科工局王科长", "email": "wang@hgt.gov.cn", "password": make.password,
        "org_role": "admin"})
    assert response.status_code == 302
    assert [u.email for u in department.users] == ["wang@hgt.gov.cn"]


def _audit_rows(html: str) -> str:
    return html.split("<tbody>", 1)[1] if "<tbody>" in html else ""


def test_audit_log_defaults_to_business_events_in_chinese(client, make, login_as):
    make.opportunity(make.org(kind="department"), status="submitted", title="业务事件机会")
    admin = make.admin()
    assert authenticate(admin.email, make.password).user == admin  # writes auth.login
    db.session.commit()
    login_as(admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    rows = _audit_rows(page)
    assert "提交机会审核" in rows and "登录" not in rows
    assert 'aria-current="page">业务操作' in page
    shown = re.sub(r"<[^>]+>", " ", page)  # what a reader sees (codes stay in values)
    assert not re.search(r"\b(opportunity|auth|match)\b", shown)

    account = _audit_rows(client.get("/admin/audit?category=account").get_data(as_text=True))
    assert "登录" in account and "提交机会审核" not in account

    both = _audit_rows(client.get("/admin/audit?category=all").get_data(as_text=True))
    assert "登录" in both and "提交机会审核" in both


def test_audit_filters_offer_chinese_choices_of_the_category(client, make, login_as):
    login_as(make.admin())
    business = client.get("/admin/audit").get_data(as_text=True)
    assert '<option value="opportunity.">机会清单（全部）</option>' in business
    assert 'value="auth.login"' not in business
    account = client.get("/admin/audit?category=account").get_data(as_text=True)
    assert '<option value="auth.login">登录</option>' in account
    assert 'value="opportunity.' not in account
    # An unknown category falls back to business events, an odd filter finds nothing.
    assert client.get("/admin/audit?category=x&action=%25_&page=99999999999").status_code == 200


def test_dashboard_shows_how_far_a_full_refresh_has_come(client, make, login_as):
    department = make.org(kind="department")
    for _ in range(3):
        make.opportunity(department, status="published")
    login_as(make.admin())
    assert "推荐更新中" not in client.get("/admin/").get_data(as_text=True)
    recommendations.queue_refresh_all()
    first = recommendations.queued(1)[0][0]
    recommendations.claim([first])  # one listing refreshed, as a batch would
    db.session.commit()
    html = client.get("/admin/").get_data(as_text=True)
    assert "推荐更新中：已完成 1 / 3（33%），预计剩余约" in html
    assert 'max="3" value="1"' in html
