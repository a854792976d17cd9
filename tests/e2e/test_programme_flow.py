"""十百千 end to end in a real browser: a 红谷滩区 administrator designates a 示范项目 from a
signed pairing, and the 示范项目 numbers of 红谷滩区, 南昌市 and 江西省 all go up by one; a
西湖区 administrator can neither see nor change anything of 红谷滩区.

The starting point is built through the services (a department of 红谷滩区 with a
published opportunity, an enterprise, their pairing advanced to 已签约, the two region
administrators); the designation goes through the form (labels as locators, CSRF on).

Dashboards are read for 2025: 红谷滩区's targets run 2022—2025, so a 2026 designation
would not count towards them. 南昌市 has no targets of its own (no progress bar): its
number is the 合计 row of its roll-up table. A district administrator sees only its own
subtree, so 南昌市 and 江西省 are read as the platform administrator.
"""
import re
import secrets
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from marketplace.demonstrations.models import DemonstrationTarget, Designation
from marketplace.extensions import db
from marketplace.taxonomy.queries import field_by_name, tag_by_name
from tests.e2e.axe import assert_accessible
from tests.e2e.test_proposal_flow import wait_for_background_drain
from tests.e2e.test_publish_flow import flash, login, logout
from tests.factories import Factory

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the ``browser`` fixture skips, or fails when REQUIRE_BROWSER=1
    Page = expect = None

pytestmark = pytest.mark.browser

HGT, NANCHANG, JIANGXI, XIHU = "360113", "360100", "360000", "360103"
YEAR = 2025
OUT_OF_SCOPE = "不在您管理的地区范围内"

# Collected before any page script runs: CSP refusals.
WATCH_CSP = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});"""


@dataclass
class Setting:
    match_id: int
    opportunity_title: str
    enterprise_name: str
    target_id: int  # 红谷滩区's 示范项目 target
    hgt_email: str
    xihu_email: str


@pytest.fixture
def setting(live_server) -> Setting:
    # Neither parking nor water: the search tests share this server and count results.
    make, token = Factory(), secrets.token_hex(3)
    with live_server.app.app_context():
        try:
            department = make.org("department", name=f"E2E红谷滩区城管局{token}", region=HGT)
            opportunity = make.opportunity(
                department, status="published", title=f"E2E城市部件智能巡检示范{token}",
                summary="以无人机和车载视频巡检城市部件，自动发现井盖、路灯等问题。",
                description="覆盖红谷滩区主次干道，识别结果推送至城管案件系统。",
                field_id=str(field_by_name("新型智慧城市").id),
                tag_ids=[str(tag_by_name("智慧城管").id)], region_code=HGT)
            enterprise = make.org("enterprise", name=f"E2E巡检智能科技有限公司{token}")
            match = make.pairing(opportunity, enterprise, "signed")
            hgt, xihu = make.region_admin(HGT), make.region_admin(XIHU)
            target = db.session.scalar(sa.select(DemonstrationTarget).where(
                DemonstrationTarget.region_code == HGT, DemonstrationTarget.kind == "project"))
            data = Setting(match.id, opportunity.title, enterprise.name, target.id,
                           hgt.email, xihu.email)
        finally:
            db.session.remove()
    wait_for_background_drain(live_server)
    return data


def dashboard_url(region: str) -> str:
    return f"/programme/?region={region}&year={YEAR}&span=all"


def project_row(page: Page):
    """The 示范项目 row of the targets table."""
    return page.locator(".progress-table tbody tr").filter(
        has=page.get_by_role("rowheader", name=re.compile("^示范项目")))


def progress_of(page: Page, region: str) -> dict:
    """The region's 示范项目 numbers on its dashboard: the progress bar's value and the
    已认定 count when the region has a 示范项目 target, and the 合计 of the roll-up."""
    response = page.goto(dashboard_url(region))
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("十百千计划进展")
    numbers = {}
    row = project_row(page)
    if row.count():
        expect(row).to_have_count(1)
        numbers["bar"] = int(row.locator("progress").get_attribute("value"))
        numbers["designated"] = int(row.get_by_role("cell").nth(2).inner_text())
    table = page.locator(".rollup-table")
    column = table.locator("thead th").all_inner_texts().index("示范项目")
    numbers["total"] = int(table.locator("tfoot tr").locator("th, td").nth(column).inner_text())
    return numbers


def check_charts(page: Page, problems: list) -> None:
    """The dashboard's charts are drawn (an SVG each), with no console error and nothing
    refused by the Content-Security-Policy."""
    page.goto(dashboard_url(HGT))
    for chart in ("#progress-chart", "#by-year-chart"):
        expect(page.locator(chart)).to_have_attribute("data-chart-ready", "true")
        expect(page.locator(f"{chart} svg").first).to_be_attached()
    assert_accessible(page)  # with its charts drawn
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []


def designate(page: Page, setting: Setting) -> int:
    page.goto(f"/programme/designations/new/project?region={HGT}")
    expect(page.get_by_role("heading", name="认定示范项目", level=1)).to_be_visible()
    form = page.locator("form.form").filter(has=page.get_by_role("button", name="认定"))
    expect(form.get_by_label("地区")).to_have_value(HGT)
    assert_accessible(page)
    form.get_by_label("认定年份").fill(str(YEAR))
    form.get_by_label("示范项目级别").select_option(label="区级")
    pairings = form.get_by_label("来自对接")
    option = pairings.locator("option").filter(has_text=setting.opportunity_title)
    expect(option).to_contain_text(f"↔ {setting.enterprise_name}（已签约）")
    pairings.select_option(option.get_attribute("value"))
    form.get_by_role("button", name="认定").click()

    expect(flash(page, "已认定")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"示范项目：{setting.opportunity_title}")
    facts = page.locator(".detail-list")
    expect(facts.first).to_contain_text("区级")
    source = page.get_by_role("region", name="认定依据")
    # The pairing is named, not linked: a region administrator may not open pairings.
    expect(source).to_contain_text("已签约")
    expect(source.get_by_role("link", name=re.compile("^已签约"))).to_have_count(0)
    expect(source.get_by_role("link", name=re.compile(re.escape(setting.opportunity_title)))
           ).to_be_visible()
    expect(source).to_contain_text(setting.enterprise_name)
    assert_accessible(page)
    match = re.search(r"/programme/designations/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def check_out_of_scope(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response.status == 403, path
    expect(page.locator("main")).to_contain_text(OUT_OF_SCOPE)


def designation_state(live_server, designation_id: int, target_id: int) -> tuple:
    with live_server.app.app_context():
        try:
            d = db.session.get(Designation, designation_id)
            t = db.session.get(DemonstrationTarget, target_id)
            return d.status, d.revoke_reason, t.target, t.start_year, t.end_year, t.note
        finally:
            db.session.remove()


def test_a_district_designates_a_project_and_every_level_above_counts_it(
        page: Page, live_server, setting):
    problems = []
    # The browser's own request for /favicon.ico (the app has none) is not the page's.
    page.on("console", lambda m: m.type == "error" and not m.location.get(
        "url", "").endswith("/favicon.ico") and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.add_init_script(WATCH_CSP)

    # Before: 红谷滩区 as its administrator, 南昌市 and 江西省 as the platform admin.
    login(page, live_server.admin_email, live_server.admin_password)
    before = {region: progress_of(page, region) for region in (NANCHANG, JIANGXI)}
    logout(page)
    login(page, setting.hgt_email, Factory.password)
    before[HGT] = progress_of(page, HGT)
    assert {"bar", "designated"} <= before[HGT].keys()
    assert {"bar", "designated"} <= before[JIANGXI].keys()
    assert "bar" not in before[NANCHANG]  # 南昌市 has no targets of its own

    designation_id = designate(page, setting)
    check_charts(page, problems)
    after = {HGT: progress_of(page, HGT)}
    logout(page)

    login(page, live_server.admin_email, live_server.admin_password)
    after.update({region: progress_of(page, region) for region in (NANCHANG, JIANGXI)})
    logout(page)
    for region in (HGT, NANCHANG, JIANGXI):
        assert after[region] == {k: v + 1 for k, v in before[region].items()}, region
    assert problems == []  # (the 403 pages below log their status as console errors)

    # 西湖区's administrator: no 红谷滩区 to choose, and every 红谷滩区 page refused.
    login(page, setting.xihu_email, Factory.password)
    state = designation_state(live_server, designation_id, setting.target_id)
    page.goto("/programme/designations/new/project")
    form = page.locator("form.form").filter(has=page.get_by_role("button", name="认定"))
    regions = form.get_by_label("地区").locator("option")
    assert [v for v in regions.evaluate_all("os => os.map(o => o.value)") if v] == [XIHU]
    expect(form.get_by_label("来自对接").locator("option")).to_have_count(1)  # manual only
    csrf = form.locator("input[name=csrf_token]").input_value()

    check_out_of_scope(page, dashboard_url(HGT))
    check_out_of_scope(page, f"/programme/designations/{designation_id}")
    check_out_of_scope(page, f"/programme/targets/{setting.target_id}")
    response = page.request.post(f"/programme/designations/{designation_id}/revoke",
                                 form={"csrf_token": csrf, "reason": "西湖区越权撤销"},
                                 max_redirects=0)
    assert response.status == 403
    assert OUT_OF_SCOPE in response.text()  # the refusal names the region, like the pages
    assert designation_state(live_server, designation_id, setting.target_id) == state
    assert state[0] == "active"
