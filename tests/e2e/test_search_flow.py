"""Search and recommendations in a real browser: a Traditional-Chinese query finds a
Simplified listing with the term highlighted, and an opportunity's page shows a
recommended product with its evidence. The live server's background drain indexes the
listings, as `flask search sync --follow` would in production."""
import re
import time

import pytest
from playwright.sync_api import Page, expect

from marketplace.extensions import db
from tests.e2e.axe import assert_accessible
from tests.factories import Factory

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def published(live_server):
    make = Factory()
    with live_server.app.app_context():
        need = make.opportunity(make.org(kind="department"), status="published",
                                title="城区智慧停车诱导与泊位共享系统")
        answer = make.product(make.org(), status="published",
                              title="路内泊位智慧停车诱导平台",
                              summary="地磁感知路内泊位，诱导屏发布空余车位。",
                              description="支持停车诱导、泊位共享预约和无感支付。")
        ids = need.id, answer.id, answer.title
        db.session.remove()
    return ids


def open_until(page: Page, path: str, locator: str, seconds: float = 20) -> None:
    """Reload until the background drain has indexed what the page needs."""
    deadline = time.monotonic() + seconds
    while True:
        page.goto(path)
        if page.locator(locator).count() or time.monotonic() > deadline:
            return
        page.wait_for_timeout(500)


def test_traditional_query_finds_simplified_listing_highlighted(page: Page, published):
    open_until(page, "/search?q=停車誘導", ".listing-item:nth-child(2) mark")
    results = page.locator(".listing-item")
    expect(results.first).to_be_visible()
    expect(page.locator("mark").first).to_have_text("停车诱导")
    expect(page.get_by_text("找到 2 条结果")).to_be_visible()
    assert_accessible(page)  # highlighted results


def test_header_search_box_is_usable_by_keyboard(page: Page, published):
    open_until(page, "/search?q=泊位", ".listing-item")  # the drain has indexed them
    page.goto("/releases/")  # the home page has its own box instead (tests/e2e/test_workbench)
    box = page.get_by_label("搜索机会清单和产品清单")
    box.fill("泊位")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    expect(page.get_by_label("关键词")).to_have_value("泊位")
    expect(page.locator(".listing-item").first).to_be_visible()


def test_opportunity_page_shows_recommended_product_with_evidence(page: Page, published):
    need_id, _, product_title = published
    open_until(page, f"/opportunities/{need_id}", ".recommendations .listing-item")
    section = page.locator(".recommendations")
    expect(section.get_by_role("heading", name="推荐产品")).to_be_visible()
    first = section.locator(".listing-item").first
    expect(first.locator(".listing-item__title")).to_have_text(product_title)
    expect(first.get_by_text("共同关键词")).to_be_visible()
    expect(first.locator(".tag").first).to_be_visible()
    expect(first.locator("mark").first).to_be_visible()
    expect(first.get_by_text("匹配度")).to_be_visible()
    assert_accessible(page)  # recommendations with their evidence
