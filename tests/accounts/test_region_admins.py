"""Opening, disabling and using region administrators' accounts: the service, the
platform admin's page, `flask create-admin --region`, the header and the back office."""
import pytest
import sqlalchemy as sa

from marketplace.accounts import services
from marketplace.accounts.models import User
from marketplace.audit import AuditLog
from marketplace.errors import PermissionDenied, ValidationError
from marketplace.extensions import db
from tests.factories import PASSWORD


def data(**overrides):
    values = {"region_code": "360113", "user_name": "红谷滩区审核员", "email": "HGT@Example.cn",
              "password": PASSWORD}
    values.update(overrides)
    return values


def count_users():
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def test_a_platform_admin_opens_a_region_admin(ctx, make):
    admin = make.admin()
    user = services.create_region_admin(admin, data())
    assert user.email == "hgt@example.cn" and user.organization_id is None
    assert user.admin_region_code == "360113" and not user.is_platform_admin
    assert user.role_label == "红谷滩区管理员" and user.is_region_admin
    record = db.session.scalar(sa.select(AuditLog).where(
        AuditLog.action == "account.region_admin_create"))
    assert record.actor_id == admin.id and record.object_id == user.id
    # E-mail addresses are kept masked in the audit log (personal data; the log is immutable).
    assert record.after == {"email": "h***@example.cn", "admin_region_code": "360113"}


@pytest.mark.parametrize("region_code, message", [
    ("", "请选择有效的地区"),
    ("999999", "请选择有效的地区"),
    ("360000", "全省由平台管理员负责"),  # a province
    ("110100", "请选择有效的地区"),  # 北京市市辖区: a placeholder, not a place
])
def test_the_region_must_be_a_city_or_a_district(ctx, make, region_code, message):
    before = count_users()
    admin = make.admin()
    with pytest.raises(ValidationError) as error:
        services.create_region_admin(admin, data(region_code=region_code))
    assert message in error.value.errors["region_code"]
    assert count_users() == before + 1  # the admin only


def test_every_bad_field_is_reported_at_once(ctx, make):
    make.region_admin("360113")
    taken = db.session.scalar(sa.select(User.email).where(User.admin_region_code == "360113"))
    with pytest.raises(ValidationError) as error:
        services.create_region_admin(make.admin(), data(
            region_code="360000", email=taken.upper(), user_name="", password="short"))
    assert set(error.value.errors) == {"region_code", "email", "user_name", "password"}
    assert error.value.errors["email"] == "该邮箱已注册。"


def test_only_platform_admins_open_region_admins(ctx, make):
    before = count_users()
    district = make.region_admin("360100")
    org_admin = make.org().users[0]
    for actor in (district, org_admin):
        with pytest.raises(PermissionDenied):
            services.create_region_admin(actor, data(region_code="360113"))
    assert count_users() == before + 3  # the city admin, the org admin and its factory's admin


def test_disabling_a_region_admin_ends_its_sessions(ctx, make):
    admin, district = make.admin(), make.region_admin("360113")
    token = district.session_token
    services.set_region_admin_active(admin, district, False)
    assert not district.active and district.session_token != token
    services.set_region_admin_active(admin, district, True)
    assert district.active
    actions = db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.object_id == district.id, AuditLog.action.like("account.region_admin_%"))
        .order_by(AuditLog.id)).all()
    assert actions[-2:] == ["account.region_admin_disable", "account.region_admin_enable"]


def test_only_region_admins_are_disabled_here(ctx, make):
    member = make.member(make.org())
    with pytest.raises(ValidationError):
        services.set_region_admin_active(make.admin(), member, False)
    with pytest.raises(PermissionDenied):
        services.set_region_admin_active(make.region_admin("360103"),
                                         make.region_admin("360113"), False)


# --- the page ---------------------------------------------------------------------------
def test_the_page_opens_an_account_and_shows_errors_at_the_fields(client, make, login_as):
    login_as(make.admin())
    page = client.get("/admin/region-admins")
    assert page.status_code == 200 and "红谷滩区" in page.get_data(as_text=True)
    bad = client.post("/admin/region-admins", data=data(region_code="360000"))
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "全省由平台管理员负责" in html
    assert db.session.scalar(sa.select(User.id).where(User.email == "hgt@example.cn")) is None
    good = client.post("/admin/region-admins", data=data())
    assert good.status_code == 302
    listed = client.get("/admin/region-admins").get_data(as_text=True)
    assert "hgt@example.cn" in listed and "江西省南昌市红谷滩区" in listed


def test_the_header_and_the_back_office_of_a_region_admin(client, make, login_as):
    department = make.org(kind="department")
    ours = make.opportunity(department, "submitted", title="红谷滩区的待审需求")
    theirs = make.opportunity(make.org(kind="department", region="360103"), "submitted",
                              title="西湖区的待审需求", region_code="360103")
    pending = make.org(status="pending", name="待认证的企业有限公司")
    login_as(make.region_admin("360113"))
    html = client.get("/admin/").get_data(as_text=True)
    assert "红谷滩区管理员" in html  # the header's role, the page's scope
    assert ours.title in html and theirs.title not in html
    assert pending.name not in html and "审计日志" not in html and "区域管理员</a>" not in html
    assert client.get(f"/admin/review/opportunity/{theirs.id}").status_code == 404
    assert client.get(f"/admin/review/opportunity/{ours.id}").status_code == 200
    assert client.get("/admin/audit").status_code == 403


def test_the_release_page_offers_a_region_admin_its_own_regions(client, make, login_as):
    login_as(make.region_admin("360100"))
    html = client.get("/admin/releases/").get_data(as_text=True)
    assert 'value="360113"' in html and 'value="360100"' in html
    assert 'value="360000"' not in html and 'value="420102"' not in html
    response = client.post("/admin/releases/", data={"year": "2031", "region_code": "360113"})
    assert response.status_code == 302
    from marketplace.releases.models import Release
    release = db.session.scalar(sa.select(Release).where(Release.year == 2031))
    assert release.title == "红谷滩区2031年第一批机会清单和产品清单"


# --- the command line ---------------------------------------------------------------------
def test_create_admin_with_a_region(app, ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--region", "360103", "--email",
                                 "xh@test.cn", "--name", "西湖区管理员", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "已创建西湖区管理员：xh@test.cn" in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "xh@test.cn"))
    assert user.admin_region_code == "360103"
    refused = runner.invoke(args=["create-admin", "--region", "360000", "--email",
                                  "province@test.cn", "--name", "省", "--password", PASSWORD])
    assert refused.exit_code != 0 and "全省由平台管理员负责" in refused.output


def test_the_header_links_only_pages_the_admin_may_open(client, make, login_as):
    """A region admin cannot open the funnel report, so the header does not offer it."""
    login_as(make.region_admin())
    page = client.get("/workbench").get_data(as_text=True)
    assert "管理后台" in page and "对接漏斗" not in page
    assert client.get("/admin/funnel").status_code == 403
    login_as(make.admin())
    assert "对接漏斗" in client.get("/workbench").get_data(as_text=True)
