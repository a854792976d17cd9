"""Look-alikes in a real browser: a district submits the need another district published
last year; the reviewer sees the pair on the review page, marks the two as related, and
once the new one is published both public pages link each other under 相关清单."""
import time
from datetime import date

import pytest

from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.releases import services as releases
from tests.e2e.test_publish_flow import flash, login, logout
from marketplace.taxonomy.queries import field_by_name, tag_by_name
from tests.factories import Factory

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the ``browser`` fixture skips, or fails when REQUIRE_BROWSER=1
    Page = expect = None

pytestmark = pytest.mark.browser

TITLE = "独居老人用水异常关爱提醒服务"
# A topic of its own: the live server is shared with the other browser tests, whose
# searches count what they find (停车诱导 …).
TOPIC = {"title": TITLE, "summary": "通过智能水表识别独居老人用水异常，及时通知社区网格员上门探视。",
         "description": "为辖区独居高龄老人加装智能水表，连续十二小时无用水或用水异常时自动提醒社区网格员和家属。",
         "timeline": "签约后 3 个月内上线"}


@pytest.fixture(scope="module")
def twins(live_server):
    make = Factory()
    with live_server.app.app_context():
        topic = dict(TOPIC, field_id=str(field_by_name("社会保障").id),
                     tag_ids=[str(tag_by_name("智慧养老").id), str(tag_by_name("物联网").id)])
        published = make.opportunity(make.org("department", name="红谷滩区民政服务中心"),
                                     "published", **topic)
        xihu = make.org("department", region="360103", name="西湖区民政服务中心")
        submitted = make.opportunity(xihu, "submitted", region_code="360103", **topic)
        ids = published.id, submitted.id
        db.session.remove()
    return ids


def _publish(live_server, item_id: int) -> None:
    """The approved listing goes out in a release (the release pages have their own
    browser test)."""
    with live_server.app.app_context():
        admin = Factory()._system_admin()
        item = db.session.get(LISTING_MODELS["opportunity"], item_id)
        release = releases.create_release(admin, {"year": 2026})
        releases.add_items(admin, release, "opportunity", [item.id])
        releases.publish_release(admin, release, date(2026, 6, 1))
        db.session.commit()
        db.session.remove()


def _open_until(page: Page, path: str, locator: str, seconds: float = 20) -> None:
    """Reload until the background drain has built the index the look-alikes need."""
    deadline = time.monotonic() + seconds
    while True:
        page.goto(path)
        if page.locator(locator).count() or time.monotonic() > deadline:
            return
        page.wait_for_timeout(500)


def test_review_page_mark_related_then_both_public_pages_link(page: Page, live_server, twins):
    published_id, submitted_id = twins
    login(page, live_server.admin_email, live_server.admin_password)
    _open_until(page, f"/admin/review/opportunity/{submitted_id}", ".pair-form")
    section = page.locator("section", has=page.get_by_role("heading", name="相似清单（可能重复）"))
    pair = section.locator(".listing-item").filter(has_text="红谷滩区民政服务中心")
    expect(pair.get_by_text("相似度")).to_be_visible()
    pair.get_by_label("处理说明（可选）").fill("同类需求，供两区互相参考")
    pair.get_by_role("button", name="标记为相关清单").click()
    expect(flash(page, "已标记为相关清单")).to_be_visible()
    expect(section.get_by_role("heading", name="已处理的相似清单")).to_be_visible()
    page.get_by_role("button", name="审核通过").click()
    expect(flash(page, "已审核通过")).to_be_visible()
    logout(page)

    _publish(live_server, submitted_id)
    page.goto(f"/opportunities/{published_id}")
    related = page.locator("section", has=page.get_by_role("heading", name="相关清单"))
    related.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(f"{live_server.url}/opportunities/{submitted_id}")
    back = page.locator("section", has=page.get_by_role("heading", name="相关清单"))
    expect(back.get_by_text("红谷滩区民政服务中心")).to_be_visible()
    back.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(f"{live_server.url}/opportunities/{published_id}")
