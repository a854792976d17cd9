"""End to end in a real browser: an enterprise registers, is verified, posts a product;
the platform admin approves it and publishes it in a release; the public sees it with
a public number and a masked phone number.

Everything goes through the UI (labels as locators, real clicks, CSRF on).
"""
import re
import secrets

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from marketplace.accounts.models import Organization
from marketplace.extensions import db
from tests.e2e.axe import assert_accessible

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the ``browser`` fixture skips, or fails when REQUIRE_BROWSER=1
    Page = expect = None

pytestmark = pytest.mark.browser

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PHONE = "13912345678"
MASKED_PHONE = "139****5678"


# ---- helpers ------------------------------------------------------------------------

def flash(page: Page, text: str):
    """The flash message (role status/alert) containing ``text``."""
    return page.locator(".flash").filter(has_text=text)


def login(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(flash(page, "欢迎回来")).to_be_visible()


def logout(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(flash(page, "您已安全退出")).to_be_visible()
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()


def main_nav(page: Page):
    return page.get_by_role("navigation", name="主导航")


def credit_codes() -> tuple[str, str]:
    """A valid 统一社会信用代码 and the same code with a wrong check character."""
    body = "91360113MA35" + "".join(secrets.choice(USCC_ALPHABET) for _ in range(5))
    check = uscc.calc_check_digit(body)
    wrong = next(c for c in "0123456789" if c != check)
    return body + check, body + wrong


def organization_exists(live_server, name: str) -> bool:
    with live_server.app.app_context():
        try:
            return db.session.scalar(
                sa.select(Organization.id).where(Organization.name == name)) is not None
        finally:
            db.session.remove()


# ---- steps --------------------------------------------------------------------------

def register_enterprise(page: Page, live_server, org: dict) -> None:
    valid_code, invalid_code = credit_codes()
    page.goto("/register")
    page.get_by_label("单位名称").fill(org["name"])
    page.get_by_label("单位类型").select_option(label="企业")
    page.get_by_label("所在地区").select_option(value="360113")  # 　　红谷滩区
    page.get_by_label("统一社会信用代码").fill(invalid_code)
    page.get_by_label("联系人姓名").fill(org["contact"])
    page.get_by_label("电子邮箱").fill(org["email"])
    page.get_by_label("设置密码").fill(org["password"])
    page.get_by_role("button", name="提交注册").click()

    # The error is shown at the field (and announced with it), nothing is saved.
    code_input = page.get_by_label("统一社会信用代码")
    expect(page.locator("#uscc-error")).to_have_text(re.compile("校验位不正确"))
    expect(code_input).to_have_attribute("aria-invalid", "true")
    expect(code_input).to_have_accessible_description(re.compile("校验位不正确"))
    expect(page.get_by_role("alert").filter(has_text="需要修改")).to_be_visible()
    assert_accessible(page)  # the form with its errors shown
    assert not organization_exists(live_server, org["name"])

    # The other answers are kept; the password has to be typed again.
    expect(page.get_by_label("单位名称")).to_have_value(org["name"])
    expect(page.get_by_label("所在地区")).to_have_value("360113")
    code_input.fill(valid_code)
    page.get_by_label("设置密码").fill(org["password"])
    page.get_by_role("button", name="提交注册").click()

    expect(flash(page, "注册成功")).to_be_visible()
    expect(page.get_by_role("heading", name=org["name"])).to_be_visible()
    expect(page.get_by_text("单位信息正在审核中")).to_be_visible()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    assert organization_exists(live_server, org["name"])


def verify_organization(page: Page, org_name: str) -> None:
    main_nav(page).get_by_role("link", name="管理后台").click()
    pending = page.get_by_role("region", name=re.compile("待审核单位"))
    pending.get_by_role("link", name=org_name).click()
    expect(page.get_by_role("heading", name=org_name, level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="认证通过").click()
    expect(flash(page, "单位已认证")).to_be_visible()


def create_and_submit_product(page: Page, product_name: str) -> None:
    main_nav(page).get_by_role("link", name="我的产品清单").click()
    page.get_by_role("link", name="新建产品").click()
    expect(page.get_by_role("heading", name="新建产品")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("产品名称").fill(product_name)
    page.get_by_label("摘要").fill("面向城市管网和园区的自主巡检机器人，支持夜间巡逻与异常告警。")
    page.get_by_label("详细描述").fill(
        "机器人搭载可见光与红外双光谱相机，沿预设路线自主巡检，"
        "识别设备异常、烟火和人员闯入，并将告警推送到值班平台。")
    page.get_by_label("领域").select_option(label="公共安全")
    page.get_by_label("地区").select_option(value="360113")
    page.get_by_role("radio", name="成熟", exact=True).check()
    page.get_by_role("checkbox", name="人工智能", exact=True).check()
    page.get_by_role("textbox", name="联系人").fill("张工")
    page.get_by_label("联系电话").fill(PHONE)
    page.get_by_role("checkbox", name="联系人已同意在平台公开其姓名和电话").check()
    page.get_by_role("button", name="保存").click()

    expect(flash(page, "已保存为草稿")).to_be_visible()
    expect(page.get_by_role("heading", name=product_name)).to_be_visible()
    page.get_by_role("button", name="提交审核").click()
    expect(flash(page, "已提交审核")).to_be_visible()
    expect(page.locator(".page-header__meta")).to_contain_text("待审核")
    assert_accessible(page)  # with its flash message


def approve_product(page: Page, product_name: str) -> None:
    main_nav(page).get_by_role("link", name="管理后台").click()
    queue = page.get_by_role("region", name=re.compile("待审核的产品清单"))
    queue.get_by_role("link", name=product_name).click()
    expect(page.get_by_role("heading", name=product_name, level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="审核通过").click()
    expect(flash(page, "已审核通过")).to_be_visible()


def publish_in_release(page: Page, product_name: str) -> None:
    main_nav(page).get_by_role("link", name="批次编排").click()
    expect(page.get_by_role("heading", name="批次编排", level=1)).to_be_visible()
    page.get_by_role("textbox", name="年份").fill("2026")
    page.get_by_role("button", name="新建批次").click()
    expect(flash(page, "批次已创建")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"2026年第.+批"))

    candidates = page.locator("form").filter(
        has=page.get_by_role("checkbox", name=re.compile(re.escape(product_name))))
    candidates.get_by_role("checkbox", name=re.compile(re.escape(product_name))).check()
    candidates.get_by_role("button", name="加入批次").click()
    expect(flash(page, "已加入批次")).to_be_visible()
    added = page.get_by_role("region", name=re.compile("已编入的产品清单"))
    expect(added.get_by_role("link", name=product_name)).to_be_visible()
    assert_accessible(page)

    expect(page.get_by_label("发布日期")).not_to_have_value("")
    page.get_by_role("button", name="发布批次…").click()
    # Irreversible: the confirmation page shows what will be published first.
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^确认发布：2026年第"))
    expect(page.locator(".detail-list")).to_contain_text("1 条")
    expect(page.get_by_label("发布日期")).not_to_have_value("")
    page.get_by_role("button", name="确认发布批次").click()
    expect(flash(page, "批次已发布")).to_be_visible()
    expect(page.get_by_role("link", name=product_name)).to_be_visible()


def check_public_product(page: Page, product_name: str) -> None:
    page.goto("/products/")
    page.get_by_role("link", name=product_name).click()

    expect(page.get_by_role("heading", name=product_name, level=1)).to_be_visible()
    expect(page.locator(".page-header__meta")).to_contain_text(
        re.compile(r"编号 CP-2026-\d{2}-\d{3}"))
    contact = page.get_by_role("region", name="联系方式")
    expect(contact).to_contain_text("联系人：张工")
    expect(contact).to_contain_text(f"联系电话：{MASKED_PHONE}")
    expect(contact).to_contain_text("号码已部分隐藏")
    assert PHONE not in page.content()
    assert_accessible(page)


# ---- the flow -----------------------------------------------------------------------

def test_enterprise_product_is_reviewed_released_and_shown_publicly(page: Page, live_server):
    token = secrets.token_hex(3)
    org = {"name": f"江西巡检科技有限公司{token}", "contact": "李经理",
           "email": f"e2e-{token}@test.cn", "password": f"Qiye-passw0rd-{token}"}
    product_name = f"E2E智能巡检机器人{token}"

    register_enterprise(page, live_server, org)
    logout(page)

    login(page, live_server.admin_email, live_server.admin_password)
    verify_organization(page, org["name"])
    logout(page)

    login(page, org["email"], org["password"])
    create_and_submit_product(page, product_name)
    logout(page)

    login(page, live_server.admin_email, live_server.admin_password)
    approve_product(page, product_name)
    publish_in_release(page, product_name)
    logout(page)

    check_public_product(page, product_name)
