"""The 十百千 dashboard, the designations behind its numbers, one designation, and the
public progress page: what they show, where their numbers lead, what stays private, and
that a page costs the same number of queries whatever the number of designations."""
from html import escape

import pytest
import sqlalchemy as sa
from flask import url_for
from sqlalchemy import event

from marketplace.db import beijing_today
from marketplace.demonstrations import services
from marketplace.demonstrations.models import Designation
from marketplace.extensions import db

YEAR = beijing_today().year


def add(region_code: str, kind: str = "project", year: int = YEAR, active: bool = True,
        name: str = "测试示范项目", **values) -> Designation:
    designation = Designation(region_code=region_code, kind=kind, year=year, name=name,
                              status="active" if active else "revoked", **values)
    db.session.add(designation)
    return designation


def link(app, endpoint: str, **values) -> str:
    """The href as the page writes it."""
    with app.test_request_context():
        return escape(url_for(endpoint, **values))


@pytest.fixture
def admin(make, client, login_as):
    user = make.admin()
    login_as(user)
    return user


@pytest.fixture
def seeded(app):
    """Projects of this year: 4 of 红谷滩区, 2 of 西湖区, 1 of 南昌市 itself, 1 of 九江市's
    濂溪区 and a revoked one; a zone of the province itself."""
    for _ in range(4):
        add("360113")
    add("360103")
    add("360103")
    add("360100", name="南昌市本级项目")
    add("360402")
    add("360113", active=False, name="已撤销的项目")
    add("360000", kind="zone", name="省级示范区", focus="城市治理", lead_unit="省发改委")
    db.session.commit()


def get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_province_dashboard_shows_each_target_and_the_roll_up(app, client, admin, seeded):
    html = get(client, f"/programme/?year={YEAR}")
    assert "十百千计划进展：江西省" in html
    # The province's 示范项目 target (seed 001: 300 左右, 2022-2026) with 8 active projects.
    assert "300个左右" in html and "3%" in html
    assert 'value="8" max="300"' in html and "滞后" in html
    assert link(app, "demonstrations.designations", region="360000", kind="project",
                to=2026, **{"from": 2022}) in html
    # 南昌市 rolls up 7 (its districts' 6 and its own 1), 九江市 1; the revoked one never counts.
    nanchang = link(app, "demonstrations.designations", region="360100", kind="project",
                    to=YEAR)
    assert f'href="{nanchang}" aria-label="南昌市示范项目 7">7</a>' in html
    assert link(app, "demonstrations.designations", region="360100", kind="project",
                own=1, to=YEAR) + '">1</a>' in html
    assert link(app, "demonstrations.dashboard", region="360100", year=YEAR,
                span="all") + '">南昌市</a>' in html
    assert 'aria-label="九江市示范项目 1">1</a>' in html
    # The province's own zone.
    assert link(app, "demonstrations.designations", region="360000", kind="zone", own=1,
                to=YEAR) + '">1</a>' in html


def test_drilling_down_to_a_city_and_a_district(app, client, admin, seeded):
    city = get(client, f"/programme/?region=360100&year={YEAR}&span=year")
    assert "十百千计划进展：江西省南昌市" in city and f"{YEAR}年" in city
    assert link(app, "demonstrations.dashboard", region="360000", year=YEAR,
                span="year") + '">江西省</a>' in city
    assert 'aria-label="红谷滩区示范项目 4">4</a>' in city
    assert 'aria-label="西湖区示范项目 2">2</a>' in city
    district = get(client, "/programme/?region=360113&year=2025")  # its plan ends in 2025
    assert "没有下辖地区" in district and "50个以上" in district  # 红谷滩区's own target


def test_the_designations_behind_a_number(app, client, admin, seeded):
    html = get(client, f"/programme/designations?region=360100&kind=project&to={YEAR}")
    assert "共 7 项" in html and "南昌市本级项目" in html and "已撤销的项目" not in html
    assert "江西省南昌市（含下辖地区） · 示范项目 · 截至" in html
    own = get(client, "/programme/designations?region=360100&kind=project&own=1")
    assert "共 1 项" in own
    revoked = get(client, "/programme/designations?region=360113&status=revoked")
    assert "共 1 项" in revoked and "已撤销的项目" in revoked
    some = db.session.scalar(sa.select(Designation).where(Designation.name == "南昌市本级项目"))
    assert link(app, "demonstrations.designation", designation_id=some.id) in html


def test_a_designation_shows_where_it_came_from(app, client, admin, make):
    department, enterprise = make.org("department"), make.org()
    opportunity = make.opportunity(department, "published", title="城区智慧停车诱导")
    match = make.pairing(opportunity, enterprise, "signed")
    designation = services.designate(admin, {
        "kind": "project", "region_code": "360113", "year": str(YEAR), "level": "district",
        "match_id": str(match.id), "reason": "已签约并开工。"})
    db.session.commit()
    html = get(client, f"/programme/designations/{designation.id}")
    assert "示范项目：城区智慧停车诱导" in html and enterprise.name in html
    assert link(app, "matching.detail", match_id=match.id) in html
    assert link(app, "opportunities.detail", item_id=opportunity.id) in html
    assert "已签约并开工。" in html and "区级" in html
    get(client, "/programme/designations/999999", 404)


def test_period_totals_count_published_listings_and_signed_pairings(app, client, admin, make):
    department, enterprise = make.org("department"), make.org()
    published = make.opportunity(department, "published", region_code="360113")
    make.opportunity(department, "submitted", region_code="360113")
    make.product(enterprise, "published", region_code="360103")
    make.pairing(published, enterprise, "signed", contract_amount_wan="250")
    make.pairing(published, make.org(), "negotiating")
    html = get(client, "/programme/?region=360100")
    assert link(app, "opportunities.index", region="360100", status="all") + '">1</a>' in html
    assert link(app, "products.index", region="360100", status="all") + '">1</a>' in html
    assert link(app, "matching.funnel_report", region="360100") + '">1</a>' in html
    assert "250 万元" in html
    assert "发布清单批次" in html


def test_a_region_administrator_sees_its_subtree_only(client, make, login_as):
    login_as(make.region_admin("360100"))  # 南昌市's administrator
    html = get(client, "/programme/")
    assert "十百千计划进展：江西省南昌市" in html  # opens on its own region
    assert 'value="360113"' in html and 'value="360400"' not in html
    assert "江西省九江市不在您管理的地区范围内" in get(client, "/programme/?region=360400", 403)
    get(client, "/programme/designations?region=360402", 403)
    get(client, "/programme/?region=360000", 403)  # not the province either
    get(client, "/programme/?region=360113")       # a district below it


def test_unknown_region_is_not_found_and_a_bad_year_falls_back(client, admin):
    get(client, "/programme/?region=999999", 404)
    get(client, "/progress?region=110100", 404)  # a grouping, not a place
    assert f"截至{YEAR}年" in get(client, "/programme/?year=abc&span=x")


def test_the_public_page_shows_counts_and_nothing_private_or_revoked(app, client, make,
                                                                     seeded):
    department, enterprise = make.org("department"), make.org()
    make.opportunity(department, "published", region_code="360113")
    make.opportunity(department, "draft", region_code="360113", title="草稿中的机会")
    add("360113", kind="enterprise", organization_id=enterprise.id, name=enterprise.name,
        reason="内部评估：营收增长率 80%")
    db.session.commit()
    html = get(client, "/progress")
    assert "十百千计划进展：江西省" in html and "300个左右" in html
    assert 'value="8" max="300"' in html  # active projects only
    assert link(app, "demonstrations.progress", region="360100", year=YEAR,
                span="all") + '">南昌市</a>' in html
    for private in ("内部评估", "已撤销的项目", "草稿中的机会", enterprise.name,
                    "南昌市本级项目", "/programme/", department.users[0].email):
        assert private not in html, private
    assert "推荐目录产品" not in html
    district = get(client, "/progress?region=360113")
    assert "江西省南昌市红谷滩区" in district
    assert link(app, "demonstrations.progress", region="360100", year=YEAR,
                span="all") + '">南昌市</a>' in district


def test_the_home_page_links_to_the_progress_page(app, client):
    assert link(app, "demonstrations.progress") in get(client, "/")


def statements_of(client, url: str) -> int:
    db.session.expunge_all()
    seen = []

    def executed(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", executed)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", executed)
    return len(seen)


def test_the_province_dashboard_costs_the_same_queries_for_20_or_200(
        client, admin, app, monkeypatch):
    # The header's numbers counted on every page, so each count includes them.
    monkeypatch.setitem(app.config, "HEADER_COUNTS_SECONDS", 0)
    codes = ["360113", "360103", "360100", "360402", "360000", "360702"]
    kinds = ["zone", "project", "enterprise", "catalogue"]

    def designate(n):
        for i in range(n):
            add(codes[i % len(codes)], kinds[i % len(kinds)], 2022 + i % 5)
        db.session.commit()

    designate(20)
    few = statements_of(client, "/programme/")
    public_few = statements_of(client, "/progress")
    designate(180)
    assert statements_of(client, "/programme/") == few
    assert statements_of(client, "/progress") == public_few
    # The page's own reads, plus one statement each for the header's unread notifications
    # and its 工作台 (n) count, as on every page of a signed-in user.
    assert few <= 16, few


def test_fields_and_funnel_charts_link_to_their_rows(app, client, admin, make):
    from marketplace.taxonomy.queries import field_by_name

    department, enterprise = make.org("department"), make.org()
    opportunity = make.opportunity(department, "published", region_code="360113")
    make.pairing(opportunity, enterprise, "signed")
    db.session.commit()
    group = field_by_name(opportunity.field.name).parent
    html = get(client, "/programme/?region=360100")
    assert '<div class="chart" id="fields-chart"' in html and 'id="funnel-chart"' in html
    field_link = link(app, "opportunities.index", region="360100", field=group.id,
                      status="all")
    assert f'<th scope="row">{group.name}</th><td class="num"><a href="{field_link}">1</a>' in html
    funnel_link = link(app, "matching.funnel_report", region="360100")
    assert f'<th scope="row">已签约</th><td class="num"><a href="{funnel_link}">1</a>' in html
