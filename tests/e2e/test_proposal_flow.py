"""揭榜 end to end in a real browser: an enterprise asks a question, the department answers
it (publicly, without naming the asker), the enterprise submits a proposal with a
consortium and a PDF attachment, the department selects it (after a confirmation page),
the enterprise moves the pairing to 洽谈中, the department records the signing (after a
confirmation page: 待对方确认), the enterprise confirms it, both agreeing to show the
amount; the public opportunity page and the results list then show the result, and the
admin's funnel counts it.

Only the starting point is built through the services (a verified department with a
published opportunity, a verified enterprise with a published product); everything else
goes through the UI (labels as locators, real clicks, CSRF on).
"""
import re
import secrets
import time
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from marketplace.db import beijing_today
from marketplace.extensions import db
from marketplace.search.models import IndexTask
from marketplace.taxonomy.queries import field_by_name, tag_by_name
from tests.e2e.axe import assert_accessible
from tests.e2e.test_publish_flow import flash, login, logout, main_nav
from tests.factories import Factory
from tests.proposals.test_attachments import make_pdf

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the ``browser`` fixture skips, or fails when REQUIRE_BROWSER=1
    Page = expect = None

pytestmark = pytest.mark.browser

# The opportunity's region (进贤县), so that the funnel can be filtered down to this
# test's pairing.
REGION_CODE = "360124"


@dataclass
class Call:
    opportunity_id: int
    opportunity_title: str
    department_email: str
    enterprise_name: str
    enterprise_email: str
    product_title: str


@pytest.fixture
def call(live_server) -> Call:
    # Water, not parking: the search tests share this server and count parking results.
    make, token = Factory(), secrets.token_hex(3)
    with live_server.app.app_context():
        try:
            field = str(field_by_name("智慧水利").id)
            twin = [str(tag_by_name("数字孪生").id)]
            department = make.org("department", name=f"E2E进贤县水务局{token}",
                                  region=REGION_CODE)
            opportunity = make.opportunity(
                department, status="published", title=f"E2E小型水库大坝安全监测揭榜{token}",
                summary="建设县域小型水库雨水情测报和大坝安全监测系统。",
                description="覆盖全县 30 座小型水库，实时采集水位、渗压与位移数据，超限自动预警。",
                field_id=field, tag_ids=twin, region_code=REGION_CODE,
                cooperation_mode="揭榜挂帅")
            enterprise = make.org("enterprise", name=f"E2E揭榜科技有限公司{token}")
            product = make.product(
                enterprise, status="published", title=f"E2E大坝安全监测云平台{token}",
                summary="渗压、位移、雨水情一体化监测。",
                description="基于北斗形变监测与渗压计，支持超限预警与巡查上报。",
                field_id=field, tag_ids=twin, scenarios="小型水库安全监测")
            data = Call(opportunity.id, opportunity.title, department.users[0].email,
                        enterprise.name, enterprise.users[0].email, product.title)
        finally:
            db.session.remove()
    wait_for_background_drain(live_server)
    return data


def wait_for_background_drain(live_server, seconds: float = 30) -> None:
    """Until the live server's drain thread has indexed the new listings. While a drain
    pass writes, a request that reads and then writes can fail with "database is locked"
    (two deferred SQLite transactions both wanting to write: marketplace/db.py begins
    with a plain BEGIN); once the index tasks are gone its passes only read, and nothing
    in this flow queues more."""
    deadline = time.monotonic() + seconds
    while True:
        with live_server.app.app_context():
            try:
                pending = db.session.scalar(sa.select(sa.func.count(IndexTask.id)))
            finally:
                db.session.remove()
        if not pending:
            return
        assert time.monotonic() < deadline, f"{pending} index tasks still pending"
        time.sleep(0.1)


def questions(page: Page):
    return page.get_by_role("region", name="答疑")


def open_opportunity(page: Page, call: Call) -> None:
    main_nav(page).get_by_role("link", name="机会清单", exact=True).click()
    page.get_by_role("link", name=call.opportunity_title).click()
    expect(page.get_by_role("heading", name=call.opportunity_title, level=1)).to_be_visible()


def open_pairing(page: Page, call: Call) -> None:
    main_nav(page).get_by_role("link", name="对接跟踪").click()
    page.get_by_role("link", name=call.opportunity_title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"对接：{call.opportunity_title} ↔ {call.enterprise_name}")


def stage(page: Page):
    return page.locator(".page-header__meta .badge")


# ---- steps --------------------------------------------------------------------------

def ask_question(page: Page, call: Call, question: str) -> None:
    open_opportunity(page, call)
    questions(page).get_by_label("向发布单位提问").fill(question)
    questions(page).get_by_role("button", name="提交问题").click()
    expect(flash(page, "问题已提交")).to_be_visible()
    # Not public until answered, but the asker sees it waiting, here and in 我的提问.
    mine = questions(page).get_by_role("listitem").filter(has_text=question)
    expect(mine).to_contain_text("待答复")
    expect(mine).to_contain_text("本单位的提问")
    assert_accessible(page)
    page.locator(".user-menu").get_by_role("link", name="我的提问").click()
    expect(page.get_by_role("listitem").filter(has_text=question)).to_contain_text("待答复")


def answer_question(page: Page, call: Call, question: str, reply: str) -> None:
    open_opportunity(page, call)
    item = questions(page).get_by_role("listitem").filter(has_text=question)
    expect(item).to_contain_text(call.enterprise_name)  # the department sees who asked
    assert_accessible(page)  # with the answer forms of unanswered questions
    item.get_by_label("答复", exact=True).fill(reply)
    item.get_by_role("button", name="公开答复").click()
    expect(flash(page, "答复已公开")).to_be_visible()


def check_public_answer(page: Page, call: Call, question: str, reply: str) -> None:
    page.goto(f"/opportunities/{call.opportunity_id}")
    item = questions(page).get_by_role("listitem").filter(has_text=question)
    expect(item).to_contain_text(reply)
    # The asker stays anonymous. (Elsewhere on the page the enterprise may well be named:
    # its public product is recommended once the background drain has indexed it.)
    expect(questions(page)).not_to_contain_text(call.enterprise_name)


def submit_proposal(page: Page, call: Call, pdf_path) -> None:
    open_opportunity(page, call)
    page.get_by_role("link", name="我要揭榜").click()
    expect(page.get_by_role("heading", name="提交揭榜方案", level=1)).to_be_visible()
    page.get_by_label("方案摘要").fill("小型水库安全监测一体化：北斗形变、渗压与雨水情测报。")
    page.get_by_label("实施方案").fill("第一阶段安装监测站点，第二阶段上线预警平台，三个月完成。")
    page.get_by_label("交付周期").fill("签约后 90 天")
    page.get_by_label("报价（万元）").fill("268.5")
    page.get_by_role("checkbox", name=re.compile(re.escape(call.product_title))).check()
    page.get_by_label("成员单位 1", exact=True).fill("E2E联合体数据服务有限公司")
    page.get_by_label("分工 1", exact=True).fill("数据治理")
    assert_accessible(page)
    page.get_by_role("button", name="保存草稿").click()

    expect(flash(page, "方案已保存为草稿")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{call.enterprise_name}的揭榜方案")
    expect(page.get_by_text("E2E联合体数据服务有限公司（数据治理）")).to_be_visible()

    files = page.get_by_role("region", name="附件")
    files.get_by_label("上传附件").set_input_files(pdf_path)
    files.get_by_role("button", name="上传", exact=True).click()
    expect(flash(page, "附件已上传")).to_be_visible()
    expect(files.get_by_role("link", name=pdf_path.name)).to_be_visible()

    page.get_by_role("button", name="提交方案").click()
    expect(flash(page, "方案已提交")).to_be_visible()
    expect(stage(page)).to_have_text("已提交")
    expect(page.get_by_role("button", name="撤回方案")).to_be_visible()
    assert_accessible(page)


def select_proposal(page: Page, call: Call) -> None:
    open_opportunity(page, call)
    page.get_by_role("link", name="查看并评审方案").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("揭榜方案评审（1 份）")
    row = page.get_by_role("row").filter(has_text=call.enterprise_name)
    expect(row).to_contain_text("E2E联合体数据服务有限公司（数据治理）")
    expect(row).to_contain_text("268.5 万元")
    assert_accessible(page)
    # The link names the organization for screen readers (visually hidden text).
    row.get_by_role("link", name=re.compile(
        rf"^选定\s*：\s*{re.escape(call.enterprise_name)}$")).click()
    # Irreversible: a confirmation page says what happens first.
    expect(page.get_by_role("heading", level=1)).to_have_text("确认选定揭榜方案")
    expect(page.locator("#confirm-consequences")).to_contain_text("不再接受新的揭榜方案")
    page.get_by_role("button", name=f"确认选定{call.enterprise_name}").click()

    expect(flash(page, "已选定该方案")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"对接：{call.opportunity_title} ↔ {call.enterprise_name}")
    expect(stage(page)).to_have_text("已对接")


def mark_negotiating(page: Page, call: Call) -> None:
    open_pairing(page, call)
    expect(stage(page)).to_have_text("已对接")
    page.get_by_role("button", name="标记为“洽谈中”").click()
    expect(flash(page, "对接已更新为“洽谈中”")).to_be_visible()
    expect(stage(page)).to_have_text("洽谈中")


def record_signing(page: Page, call: Call) -> None:
    open_pairing(page, call)
    expect(stage(page)).to_have_text("洽谈中")
    today = beijing_today()  # the users' today, which the app checks the date against
    signing = page.get_by_role("region", name="签约")
    signing.get_by_label("签约日期").fill(today.isoformat())
    signing.get_by_label("合同金额（万元）").fill("268.5")
    signing.get_by_label("本单位同意在揭榜结果公示中公开合同金额").check()
    signing.get_by_role("button", name="登记签约…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("确认登记签约")
    expect(page.locator(".detail-list")).to_contain_text("268.5 万元")
    page.get_by_role("button", name="确认登记签约").click()
    expect(flash(page, "签约已登记，待对方确认")).to_be_visible()
    expect(stage(page)).to_have_text("已登记签约，待对方确认")


def confirm_signing(page: Page, call: Call) -> None:
    open_pairing(page, call)
    expect(stage(page)).to_have_text("对方已登记签约，待本单位确认")
    page.get_by_role("link", name="核对并确认签约").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("确认签约")
    page.get_by_label("本单位同意在揭榜结果公示中公开合同金额").check()
    page.get_by_role("button", name="确认签约").click()
    expect(flash(page, "已确认签约")).to_be_visible()
    expect(stage(page)).to_have_text("已签约")
    today = beijing_today()
    expect(page.locator(".detail-list")).to_contain_text(
        f"{today.year}年{today.month}月{today.day}日，268.5 万元")
    assert_accessible(page)


def check_public_result(page: Page, call: Call) -> None:
    """A visitor sees the result on the opportunity's page and in the results list."""
    page.goto(f"/opportunities/{call.opportunity_id}")
    result = page.get_by_role("region", name="揭榜结果公示")
    expect(result).to_contain_text(call.enterprise_name)
    expect(result).to_contain_text("268.5 万元")
    expect(page.get_by_text("该机会已选定揭榜单位，不再征集揭榜方案。")).to_be_visible()
    main_nav(page).get_by_role("link", name="揭榜结果").click()
    expect(page.get_by_role("heading", name="揭榜结果公示", level=1)).to_be_visible()
    page.get_by_label("地区").select_option(value=REGION_CODE)
    page.get_by_role("button", name="筛选").click()
    item = page.locator(".result-item").filter(has_text=call.opportunity_title)
    expect(item).to_contain_text(call.enterprise_name)
    expect(item).to_contain_text("已签约")
    expect(item).to_contain_text("268.5 万元")


def check_funnel(page: Page) -> None:
    main_nav(page).get_by_role("link", name="对接漏斗").click()
    expect(page.get_by_role("heading", name="对接漏斗", level=1)).to_be_visible()
    page.get_by_label("地区").select_option(value=REGION_CODE)
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_label("地区")).to_have_value(REGION_CODE)

    stages = page.get_by_role("table", name="各阶段数量")
    signed = stages.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="已签约", exact=True))
    cells = signed.get_by_role("cell")  # 当前处于, 累计到达
    expect(cells).to_have_text(["1", "1"])
    expect(page.locator(".stat").filter(has_text="对接总数").locator(".stat__value")
           ).to_have_text("1")
    expect(page.locator(".stat").filter(has_text="签约金额").locator(".stat__value")
           ).to_have_text("268.5 万元")
    assert_accessible(page)


# ---- the flow -----------------------------------------------------------------------

def test_question_proposal_selection_and_pairing_to_signed(page: Page, live_server, call,
                                                            tmp_path):
    question = f"现有水位站的数据接口是否开放？（{secrets.token_hex(2)}）"
    reply = "开放，采用 HTTPS + JSON 接口。"
    pdf_path = tmp_path / "揭榜方案.pdf"
    pdf_path.write_bytes(make_pdf())

    login(page, call.enterprise_email, Factory.password)
    ask_question(page, call, question)
    logout(page)

    login(page, call.department_email, Factory.password)
    answer_question(page, call, question, reply)
    logout(page)

    check_public_answer(page, call, question, reply)

    login(page, call.enterprise_email, Factory.password)
    submit_proposal(page, call, pdf_path)
    logout(page)

    login(page, call.department_email, Factory.password)
    select_proposal(page, call)
    logout(page)

    login(page, call.enterprise_email, Factory.password)
    mark_negotiating(page, call)
    logout(page)

    login(page, call.department_email, Factory.password)
    record_signing(page, call)
    logout(page)

    login(page, call.enterprise_email, Factory.password)
    confirm_signing(page, call)
    logout(page)

    check_public_result(page, call)

    login(page, live_server.admin_email, live_server.admin_password)
    check_funnel(page)
