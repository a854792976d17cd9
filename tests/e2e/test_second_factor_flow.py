"""Two-step sign-in in a real browser: an enterprise user enrols at /account/second-factor
(the secret read from the page's text, codes computed with pyotp as an authenticator app
would), signs out, and signs in with the password and then a code; a wrong code is
refused with the Chinese message at the code field; a recovery code signs in once, not
twice. With REQUIRE_ADMIN_TOTP on, a platform administrator is sent to enrol right after
the password and no other page opens until it is done (but the account page, where the
password is changed and the user signs out).
"""
import time

import pyotp
import pytest

from marketplace.accounts.second_factor import CODE_WRONG
from marketplace.extensions import db
from tests.e2e.axe import assert_accessible
from tests.e2e.test_publish_flow import flash, login, logout
from tests.factories import PASSWORD, Factory

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the ``browser`` fixture skips, or fails when REQUIRE_BROWSER=1
    Page = expect = None

pytestmark = pytest.mark.browser

ENROL_FIRST = "管理员和审计员账号须启用二次验证，请先完成设置。"


def _people(live_server) -> tuple[str, str]:
    """(an enterprise user's e-mail, a platform administrator's), both without a second
    factor, password tests.factories.PASSWORD."""
    make = Factory()
    with live_server.app.app_context():
        try:
            return make.org().users[0].email, make.admin().email
        finally:
            db.session.remove()


def code_field(page: Page):
    return page.get_by_role("textbox", name="验证码")


def enrol(page: Page) -> tuple[pyotp.TOTP, list[str]]:
    """Set the second factor up on the account page; returns the app and the recovery
    codes shown."""
    page.goto("/account/second-factor")
    page.get_by_role("button", name="开始设置").click()
    secret = page.locator(".totp-setup__secret code").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)
    code_field(page).fill(app.now())
    page.get_by_role("button", name="确认并启用").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("二次验证已启用：请保存恢复码")
    codes = page.locator("ol.recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="我已保存，完成").click()
    expect(page.get_by_role("heading", name="状态：已启用")).to_be_visible()
    return app, codes


def password_step(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def code_step(page: Page, code: str) -> None:
    expect(page.get_by_role("heading", name="二次验证", level=1)).to_be_visible()
    code_field(page).fill(code)
    page.get_by_role("button", name="验证并登录").click()


def expect_refused_at_the_field(page: Page) -> None:
    expect(page.locator("#code-error")).to_have_text(CODE_WRONG)
    expect(code_field(page)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name="退出")).to_have_count(0)  # not signed in


def test_two_step_sign_in_with_codes_and_recovery_codes(page: Page, live_server):
    email, _ = _people(live_server)
    login(page, email, PASSWORD)
    app, recovery = enrol(page)
    logout(page)

    password_step(page, email)
    expect(page).to_have_url(f"{live_server.url}/login/code")
    assert_accessible(page)
    code_step(page, "000000")
    expect_refused_at_the_field(page)
    code_step(page, app.at(time.time() + app.interval))  # enrolment took the current step
    expect(flash(page, "欢迎回来")).to_be_visible()
    logout(page)

    password_step(page, email)
    code_step(page, recovery[0])
    expect(flash(page, "欢迎回来")).to_be_visible()
    logout(page)
    password_step(page, email)
    code_step(page, recovery[0])  # used once already
    expect_refused_at_the_field(page)


def test_an_administrator_enrols_before_any_other_page(page: Page, live_server):
    _, admin_email = _people(live_server)
    live_server.app.config["REQUIRE_ADMIN_TOTP"] = True
    try:
        password_step(page, admin_email)
        expect(page).to_have_url(f"{live_server.url}/account/second-factor")
        expect(flash(page, ENROL_FIRST)).to_be_visible()
        # (the account page stays open: changing the password and signing out are allowed)
        for path in ("/admin/", "/workbench", "/opportunities/", "/", "/admin/audit"):
            page.goto(path)
            expect(page).to_have_url(f"{live_server.url}/account/second-factor")
        enrol(page)
        for path in ("/admin/", "/workbench", "/admin/audit"):
            assert page.goto(path).status == 200, path
            expect(page).to_have_url(f"{live_server.url}{path}")
    finally:
        live_server.app.config["REQUIRE_ADMIN_TOTP"] = False
