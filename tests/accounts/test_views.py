from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Organization
from marketplace.db import utcnow
from marketplace.extensions import db
from tests.factories import PASSWORD, valid_uscc


def test_register_page_shows_chinese_error_at_the_field(client):
    response = client.post("/register", data={
        "name": "测试科技有限公司", "kind": "enterprise", "region_code": "360113",
        "uscc": "91360113MA35ABCDE0", "user_name": "张三", "email": "zs@test.cn",
        "password": PASSWORD})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="uscc-error"' in html and "校验位" in html
    assert db.session.scalar(sa.select(Organization).where(
        Organization.name == "测试科技有限公司")) is None


def test_new_password_hints_state_the_configured_policy(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_MIN_LENGTH", 12)
    html = client.get("/register").get_data(as_text=True)
    assert "至少 12 位，包含小写字母、大写字母、数字、符号中的至少 3 类，不能是常见密码。" in html
    monkeypatch.setitem(app.config, "PASSWORD_MIN_CLASSES", 1)  # the ASVS profile
    html = client.get("/register").get_data(as_text=True)
    assert "至少 12 位，不能是常见密码。" in html and "至少 3 类" not in html


def test_register_then_login_lands_on_pending_notice(client):
    code = valid_uscc(8123)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    response = client.post("/register", data={
        "name": "全角代码科技有限公司", "kind": "enterprise", "region_code": "360103",
        "uscc": full_width, "user_name": "张三", "email": "fw@test.cn", "password": PASSWORD},
        follow_redirects=True)
    assert "正在审核中" in response.get_data(as_text=True)
    org = db.session.scalar(sa.select(Organization).where(Organization.name == "全角代码科技有限公司"))
    assert org.uscc == code and org.status == "pending"


def test_tampered_status_in_registration_is_ignored(client):
    client.post("/register", data={
        "name": "篡改状态有限公司", "kind": "enterprise", "region_code": "360103",
        "uscc": valid_uscc(8124), "user_name": "张三", "email": "tamper@test.cn",
        "password": PASSWORD, "status": "verified", "is_platform_admin": "1"})
    org = db.session.scalar(sa.select(Organization).where(Organization.name == "篡改状态有限公司"))
    assert org.status == "pending" and not org.users[0].is_platform_admin


def test_login_failure_message_and_success(client, make):
    user = make.org().users[0]
    bad = client.post("/login", data={"email": user.email, "password": "nope-12345"})
    assert "邮箱或密码不正确" in bad.get_data(as_text=True)
    good = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert good.status_code == 302
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example", "/%09/evil.example", "/%0a/evil.example",
    "/%0d%0a/evil.example", "/\\evil.example", "%5C%5Cevil.example", "/%5Cevil.example",
    "javascript:alert(1)", "http:/evil.example", "/ /evil.example", "evil.example",
    "https:evil.example", "/%00/evil.example"])
def test_login_redirects_only_to_paths_of_this_site(client, make, target):
    user = make.org().users[0]
    response = client.post(f"/login?next={target}", data={
        "email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/workbench"


def test_login_keeps_a_local_next_with_its_query(client, make):
    user = make.org().users[0]
    response = client.post("/login?next=/opportunities/%3Fq%3D%E5%81%9C%E8%BD%A6", data={
        "email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/opportunities/?q=%E5%81%9C%E8%BD%A6"


def test_logout_ends_sessions_on_other_devices(app, make):
    user = make.org().users[0]
    laptop, phone = app.test_client(), app.test_client()
    for c in (laptop, phone):
        c.post("/login", data={"email": user.email, "password": PASSWORD})
        assert c.get("/account").status_code == 200
    laptop.post("/logout")
    assert phone.get("/account").status_code == 302  # back to the login page


def test_password_change_keeps_this_session_and_ends_others(app, make):
    user = make.org().users[0]
    this, other = app.test_client(), app.test_client()
    for c in (this, other):
        c.post("/login", data={"email": user.email, "password": PASSWORD})
    response = this.post("/account", data={"current_password": PASSWORD,
                                           "new_password": "Another-Passw0rd"})
    assert response.status_code == 302
    assert this.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


def test_csrf_is_enforced_on_forms(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = make.org().users[0]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)


def test_security_headers_are_set(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/account", "/organization", "/notifications", "/"])
def test_signed_in_pages_are_not_stored(client, make, path):
    user = make.org().users[0]
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_and_static_files_may_be_cached(client, make):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    user = make.org().users[0]
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    stylesheet = client.get("/static/css/app.css")
    assert stylesheet.status_code == 200
    assert "no-store" not in stylesheet.headers.get("Cache-Control", "")


def _signed_in(client, make):
    user = make.org().users[0]
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert client.get("/account").status_code == 200
    return user


def _shift_clocks(client, *, auth: int = 0, seen: int = 0) -> None:
    """Move the session's sign-in and last-seen times ``auth`` / ``seen`` seconds back."""
    with client.session_transaction() as session:
        session["_auth_at"] -= auth
        session["_seen_at"] -= seen


def test_a_sign_in_ends_after_the_idle_time(app, client, make):
    _signed_in(client, make)
    _shift_clocks(client, seen=app.config["SESSION_IDLE_MINUTES"] * 60 + 1)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "登录已超时" in client.get("/login").get_data(as_text=True)


def test_activity_does_not_extend_a_sign_in_past_its_whole_lifetime(app, client, make):
    """D12: the lifetime once slid with every re-signed cookie."""
    _signed_in(client, make)
    _shift_clocks(client, auth=app.config["SESSION_MAX_HOURS"] * 3600 - 120, seen=0)
    assert client.get("/account").status_code == 200  # active: still within both limits
    _shift_clocks(client, auth=240)
    assert client.get("/account").status_code == 302


def test_recent_activity_keeps_a_sign_in(app, client, make):
    _signed_in(client, make)
    _shift_clocks(client, seen=app.config["SESSION_IDLE_MINUTES"] * 60 - 120)
    assert client.get("/account").status_code == 200
    with client.session_transaction() as session:  # the request counted as activity
        assert session["_seen_at"] >= session["_auth_at"]
    _shift_clocks(client, seen=200)
    assert client.get("/account").status_code == 200


def test_signing_in_starts_a_new_session(client, make):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    _signed_in(client, make)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_https_settings_come_from_one_switch(app_with, make):
    app = app_with(PREFER_HTTPS=True)
    with app.app_context():
        email = make.org().users[0].email
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD},
                           base_url="https://localhost")
    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Secure" in response.headers["Set-Cookie"]
    assert app.config["PREFERRED_URL_SCHEME"] == "https"


def test_plain_http_by_default_sends_no_hsts(client, make):
    user = make.org().users[0]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and "Set-Cookie" in response.headers
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in response.headers["Set-Cookie"]


def _age_password(user, days: int) -> None:
    user.password_changed_at = utcnow() - timedelta(days=days)
    db.session.commit()


def test_a_password_past_its_age_is_changed_before_anything_else(app, client, make):
    user = make.org().users[0]
    _age_password(user, app.config["PASSWORD_MAX_AGE_DAYS"] + 1)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    response = client.get("/opportunities/")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "请先修改密码" in client.get("/account").get_data(as_text=True)
    changed = client.post("/account", data={"current_password": PASSWORD,
                                            "new_password": "Fresh-passw0rd-2026",
                                            "confirm": "Fresh-passw0rd-2026"})
    assert changed.status_code == 302
    assert client.get("/opportunities/").status_code == 200


def test_password_age_is_not_enforced_when_set_to_zero(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_MAX_AGE_DAYS", 0)
    user = make.org().users[0]
    _age_password(user, 1000)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert client.get("/opportunities/").status_code == 200


def test_the_header_names_a_user_and_a_different_role_once_each(client, make, login_as):
    admin = make.admin()
    admin.name = "平台管理员"
    db.session.commit()
    login_as(admin)
    page = client.get("/account").get_data(as_text=True)
    header = page[page.index('class="user-menu"'):page.index("</header>")]
    assert header.count("平台管理员") == 1
    user = make.org().users[0]
    login_as(user)
    header = client.get("/account").get_data(as_text=True)
    assert user.name in header and user.role_label in header


def test_pages_point_to_an_icon_that_is_served(client):
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in page and "favicon.svg" in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
