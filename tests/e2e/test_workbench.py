"""Each role lands on its workbench after login and finds what waits for it there: a
department its question to answer and its returned opportunity, an enterprise its draft
proposal, the platform administrator the review queue and its own sections, a region
administrator (江岸区) the listing submitted in its district. One link is followed to
where the work is done. Also the home page's own search box.

The starting point is built through the services; everything goes through the browser
from the login form on (labels and roles as locators, CSRF on). Names carry a token: the
live server is shared with the other browser tests."""
import re
import secrets
from dataclasses import dataclass

import pytest

from marketplace.extensions import db
from marketplace.taxonomy.queries import field_by_name, tag_by_name
from tests.e2e.test_proposal_flow import wait_for_background_drain
from tests.e2e.test_publish_flow import login, logout
from tests.factories import PASSWORD, Factory

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the ``browser`` fixture skips, or fails when REQUIRE_BROWSER=1
    Page = expect = None

pytestmark = pytest.mark.browser

JIANGAN = "420102"  # 江岸区: no other browser test works there


@dataclass
class Desk:
    department_email: str
    enterprise_email: str
    region_admin_email: str
    question: str
    returned_title: str
    opportunity_title: str
    submitted_title: str


def community(title: str) -> dict:
    """An opportunity of 江岸区 about communities — neither parking nor water: the search
    tests share this server and count their results."""
    return {"title": title, "region_code": JIANGAN,
            "summary": "社区网格事件自动发现与派单。",
            "description": "在江岸区试点社区部署巡查设备，事件推送至网格化管理平台。",
            "field_id": str(field_by_name("社会保障").id),
            "tag_ids": [str(tag_by_name("智慧社区").id)]}


@pytest.fixture
def desk(live_server) -> Desk:
    make, token = Factory(), secrets.token_hex(3)
    with live_server.app.app_context():
        try:
            department = make.org("department", name=f"E2E江岸区数据局{token}", region=JIANGAN)
            need = make.opportunity(department, "published",
                                    **community(f"E2E社区网格巡查机器人{token}"))
            returned = make.opportunity(department, "returned",
                                        **community(f"E2E退回的街区安防改造{token}"))
            submitted = make.opportunity(department, "submitted",
                                         **community(f"E2E待审核的社区养老服务{token}"))
            enterprise = make.org("enterprise", name=f"E2E巡检机器人有限公司{token}")
            question = make.question(need, enterprise, f"巡查机器人需要接入哪些系统？{token}")
            make.proposal(need, enterprise, "draft")
            region_admin = make.region_admin(JIANGAN)
            data = Desk(department.users[0].email, enterprise.users[0].email,
                        region_admin.email, question.text, returned.title, need.title,
                        submitted.title)
        finally:
            db.session.remove()
    wait_for_background_drain(live_server)
    return data


def work_section(page: Page, title: str):
    return page.get_by_role("region", name=re.compile(title))


def lands_on_workbench(page: Page, email: str, password: str) -> None:
    login(page, email, password)
    expect(page).to_have_url(re.compile(r"/workbench$"))
    expect(page.get_by_role("heading", level=1, name="工作台")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^工作台 \(\d+\)"))).to_be_visible()


def test_each_role_lands_on_its_workbench(page: Page, live_server, desk: Desk):
    # The department: its question (followed to the answer form) and its returned item.
    lands_on_workbench(page, desk.department_email, PASSWORD)
    expect(work_section(page, "待完善的机会清单").get_by_role(
        "link", name=desk.returned_title)).to_be_visible()
    work_section(page, "待答复的提问").get_by_role("link", name=desk.question).click()
    expect(page).to_have_url(re.compile(r"/opportunities/\d+#questions$"))
    expect(page.get_by_role("heading", level=1, name=desk.opportunity_title)).to_be_visible()
    expect(page.get_by_text(desk.question)).to_be_visible()
    logout(page)

    # The enterprise: its draft proposal, marked as a draft.
    lands_on_workbench(page, desk.enterprise_email, PASSWORD)
    proposals = work_section(page, "我的揭榜")
    expect(proposals.get_by_role("link", name=f"《{desk.opportunity_title}》")).to_be_visible()
    expect(proposals.get_by_text("草稿", exact=True)).to_be_visible()
    logout(page)

    # The platform administrator: the review queue and the platform's own sections.
    lands_on_workbench(page, live_server.admin_email, live_server.admin_password)
    expect(work_section(page, "待审核")).to_be_visible()
    expect(work_section(page, "无法投递的邮件")).to_be_visible()
    logout(page)

    # 江岸区's administrator: the listing submitted in its district, followed to review.
    lands_on_workbench(page, desk.region_admin_email, PASSWORD)
    expect(work_section(page, "无法投递的邮件")).to_have_count(0)
    work_section(page, "待审核").get_by_role("link", name=desk.submitted_title).click()
    expect(page).to_have_url(re.compile(r"/admin/review/opportunity/\d+$"))
    expect(page.get_by_role("button", name="审核通过")).to_be_visible()
    logout(page)


def test_home_page_leads_with_its_search_box(page: Page, live_server):
    page.goto("/")
    expect(page.get_by_role("search")).to_have_count(1)
    box = page.get_by_label("搜索机会清单和产品清单")
    box.fill("巡查机器人")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    expect(page.get_by_label("关键词")).to_have_value("巡查机器人")
