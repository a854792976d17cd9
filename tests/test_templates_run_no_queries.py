"""Templates run no queries: each view gathers what its page shows.

Every SQL statement is watched; one that runs while a page renders — between Flask's
``before_render_template`` and ``template_rendered``, included templates and lazy loads
of relationships counted — fails the test. Before each request the session forgets every
object, as a new request's session would, so nothing the test built is already loaded.
"""
import io

import pytest
import sqlalchemy as sa
from flask import before_render_template, render_template_string, template_rendered
from flask_login import login_user
from sqlalchemy import event
from werkzeug.datastructures import FileStorage

from marketplace.extensions import db
from marketplace.db import beijing_today
from marketplace.matching import pairings, signing
from marketplace.notifications.services import notify
from marketplace.opportunities import services as opportunities
from marketplace.proposals import services as proposals
from tests.proposals.test_attachments import make_pdf
from tests.signin import sign_in_session


@pytest.fixture
def render_queries(app):
    """[(template, SQL)] of the statements that ran while a template rendered."""
    seen, rendering = [], []

    def started(sender, template, context, **extra):
        rendering.append(template.name)

    def finished(sender, template, context, **extra):
        rendering.pop()

    def executed(conn, cursor, statement, parameters, context, executemany):
        if rendering:
            seen.append((rendering[-1], statement))

    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    event.listen(db.engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", executed)
        template_rendered.disconnect(finished, app)
        before_render_template.disconnect(started, app)


def test_a_query_in_a_template_is_caught(app, render_queries):
    with app.test_request_context():
        # after an included template, the page is still rendering
        render_template_string("{% include 'macros/search.html' %}{{ count() }}",
                               count=lambda: db.session.scalar(sa.select(sa.literal(1))))
    assert any(sql.startswith("SELECT") for _, sql in render_queries)


def test_emails_render_without_the_pages_header(app, make):
    """The header's unread count and menu are for pages: notifying a signed-in user's
    colleagues counts no unread notifications."""
    department = make.org(kind="department")
    item = make.opportunity(department)
    statements = []

    def executed(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.test_request_context():
        login_user(department.users[0])
        event.listen(db.engine, "before_cursor_execute", executed)
        try:
            notify("listing_approved", department.users, item=item)
        finally:
            event.remove(db.engine, "before_cursor_execute", executed)
    assert statements and not [sql for sql in statements if "count(notifications.id)" in sql]


@pytest.fixture
def page(client, render_queries):
    """GET ``url`` (POST ``data`` if given) signed in as ``user`` (a session id from
    ``world``; None: anonymous) from a cold session; returns the HTML and fails on any
    query run while rendering."""
    def get(url, user=None, data=None, status=200):
        db.session.commit()
        db.session.expunge_all()
        if user:
            sign_in_session(client, user)
        else:
            with client.session_transaction() as session:
                session.clear()
        response = client.get(url) if data is None else client.post(url, data=data)
        assert response.status_code == status, url
        assert render_queries == [], f"{url} ran queries while rendering"
        return response.get_data(as_text=True)
    return get


@pytest.fixture
def world(app, make, sync, tmp_path, monkeypatch):
    """A published opportunity with recommendations, answered and open questions and a
    pending revision; a look-alike under review; an enterprise's product and proposal
    (with a consortium member and an attachment) selected into a pairing."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    department, enterprise, other = make.org("department"), make.org(), make.org("department")
    need = make.opportunity(department, status="published")
    product = make.product(enterprise, status="published",
                           title="智慧停车诱导与泊位共享平台",
                           summary="核心商圈停车场泊位实时采集、停车诱导屏发布、泊位共享。")
    twin = make.opportunity(other, status="submitted", region_code="420102")
    head, supplier = department.users[0], enterprise.users[0]
    answered = proposals.ask(supplier, need, "是否接受联合体？")
    proposals.answer(head, answered, "接受。")
    proposals.ask(supplier, need, "预算是否含运维？")
    proposal = proposals.create_proposal(supplier, need, {
        "summary": "地磁加视频桩", "approach": "三个月完成部署。", "timeline": "90 天",
        "price_wan": "280", "product_ids": [str(product.id)],
        "members": [{"name": "某软件公司", "role": "软件开发"}]})
    proposals.add_attachment(supplier, proposal,
                             FileStorage(io.BytesIO(make_pdf()), "方案.pdf"))
    proposals.submit(supplier, proposal)
    match = pairings.select_proposal(head, proposal)
    pairings.advance(head, match, "negotiating")
    revision = opportunities.update(head, need,
                                    make.opportunity_data(title="城区智慧停车诱导屏建设"))
    db.session.commit()
    sync()
    return {"need": need.id, "product": product.id, "twin": twin.id, "proposal": proposal.id,
            "match": match.id, "revision": revision.id, "department": department.id,
            "release": need.release_id, "head": head.get_id(), "supplier": supplier.get_id(),
            "outsider": other.users[0].get_id(), "newcomer": make.org().users[0].get_id(),
            "admin": make.admin().get_id()}


def test_listing_detail_for_owner_other_organization_admin_and_visitor(page, world):
    url = f"/opportunities/{world['need']}"
    owner_view = page(url, world["head"])
    assert "您提交的修改正在审核中" in owner_view and "查看并评审方案" in owner_view
    assert "推荐产品" in owner_view and "预算是否含运维" in owner_view
    supplier_view = page(url, world["supplier"])
    assert "查看本单位方案" in supplier_view and "预算是否含运维" in supplier_view  # its own
    assert "预算是否含运维" not in page(url, world["outsider"])
    assert "关闭并记录结果" in page(url, world["admin"])
    assert "是否接受联合体" in page(url)
    assert "可对接的机会" in page(f"/products/{world['product']}", world["supplier"])


def test_listing_detail_with_look_alikes_for_its_owner(page, world):
    assert "已有相似的机会清单" in page(f"/opportunities/{world['twin']}", world["outsider"])


def test_proposal_pages(page, world):
    for user in (world["supplier"], world["head"]):
        assert "方案.pdf" in page(f"/proposals/{world['proposal']}", user)
    evaluation = page(f"/opportunities/{world['need']}/proposals", world["head"])
    assert "匹配度" in evaluation and "某软件公司" in evaluation
    assert "智慧停车诱导与泊位共享系统" in page("/proposals/mine", world["supplier"])


def test_pairing_pages(page, world):
    for user in (world["supplier"], world["head"]):
        html = page(f"/matches/{world['match']}", user)
        assert "登记签约" in html and "终止对接" in html
    assert "洽谈中" in page("/matches/", world["head"])
    contract = {"contract_date": beijing_today().isoformat(), "contract_amount_wan": "120"}
    preview = page(f"/matches/{world['match']}/signing", world["head"], contract)
    assert "确认登记签约" in preview and "120 万元" in preview
    page(f"/matches/{world['match']}/signing", world["head"], {**contract, "confirmed": "yes"},
         302)
    assert "待对方确认" in page(f"/matches/{world['match']}", world["head"])
    confirm = page(f"/matches/{world['match']}/signing/confirm", world["supplier"])
    assert "确认签约" in confirm and "提出异议" in confirm
    assert "待本单位确认" in page(f"/matches/{world['match']}", world["supplier"])


def test_admin_review(page, world):
    html = page(f"/admin/review/opportunity/{world['twin']}", world["admin"])
    assert "相似清单" in html and "审核通过" in html


def test_look_alike_pages(page, world, make, sync):
    """Decisions (with who took them), the report's clusters, related listings on public
    pages, and a refused decision shown again."""
    from marketplace.listings import links
    from marketplace.opportunities.models import Opportunity
    need, twin = (db.session.get(Opportunity, world["need"]),
                  db.session.get(Opportunity, world["twin"]))
    decider = make.admin()
    links.mark(decider, need, twin, "dismissed")
    related = make.opportunity(make.org("department", region="360103"), "published",
                               region_code="360103")
    links.mark(decider, need, related, "related")
    pending = make.opportunity(make.org("department"), "submitted").id
    decider = decider.name
    db.session.commit()
    sync()
    review = page(f"/admin/review/opportunity/{world['twin']}", world["admin"])
    assert "已处理的相似清单" in review and decider in review
    report = page("/admin/duplicates", world["admin"])
    assert "第 1 组" in report and "最近的处理记录" in report and decider in report
    assert "相关清单" in page(f"/opportunities/{world['need']}")
    html = page("/admin/duplicates/opportunity/mark", world["admin"],
                {"item_id": pending, "other_id": world["need"], "decision": "related",
                 "note": "长" * 201, "back": "report"}, 400)
    assert "说明不能超过 200 个字" in html
    html = page("/admin/duplicates/opportunity/mark", world["admin"],
                {"item_id": pending, "other_id": world["need"], "decision": "x",
                 "back": "review"}, 400)
    assert "请选择处理方式" in html


def test_home_and_own_lists_with_the_header_of_a_signed_in_user(page, world):
    home = page("/", world["head"])
    assert "通知 (" in home and "我的机会清单" in home and "对接跟踪" in home
    assert "智慧停车" in page("/")
    assert "为本单位需求推荐的产品" in page("/opportunities/mine", world["head"])


def test_pages_shown_again_after_a_refused_change(page, world):
    """The refused change was rolled back, which expired everything the page shows."""
    html = page(f"/matches/{world['match']}/signing", world["head"],
                {"contract_date": "", "contract_amount_wan": ""}, 400)
    assert "请填写合同金额" in html
    html = page(f"/matches/{world['match']}/advance", world["head"],
                {"stage": "terminated", "termination_reason": ""}, 400)
    assert "终止原因" in html
    html = page(f"/admin/review/opportunity/{world['twin']}", world["admin"],
                {"decision": "return", "reason": ""})
    assert "请填写退回原因" in html
    html = page(f"/admin/revisions/{world['revision']}", world["admin"],
                {"decision": "return", "reason": ""})
    assert "请填写退回原因" in html
    html = page(f"/opportunities/{world['need']}/edit", world["head"],
                {"title": "", "summary": "x"})
    assert "请填写标题" in html
    html = page(f"/opportunities/{world['need']}/questions", world["supplier"],
                {"text": "问" * 1001}, 400)
    assert "您的问题不能超过 1000 个字" in html


# Every other page, as someone who may see it.
OTHER_PAGES = [
    ("/opportunities/", None), ("/products/", None), ("/releases/", None),
    ("/releases/{release}", None), ("/releases/{release}/print", None),
    ("/search?q=停车", None),
    ("/account", "supplier"), ("/organization", "head"), ("/notifications", "head"),
    ("/settings/notifications", "head"), ("/settings/subscription", "supplier"),
    ("/opportunities/new", "head"), ("/opportunities/{need}/edit", "head"),
    ("/opportunities/{need}/propose", "newcomer"),
    ("/products/mine", "supplier"), ("/proposals/{proposal}/edit", "supplier"),
    ("/matches/", "supplier"), ("/questions/mine", "supplier"),
    ("/admin/", "admin"), ("/admin/organizations", "admin"),
    ("/admin/organizations/{department}", "admin"), ("/admin/revisions/{revision}", "admin"),
    ("/admin/audit", "admin"), ("/admin/audit?category=all", "admin"),
    ("/admin/reminders", "admin"), ("/admin/taxonomy", "admin"), ("/admin/releases/", "admin"),
    ("/admin/releases/{release}", "admin"), ("/admin/funnel", "admin"),
    ("/admin/matches/new", "admin"), ("/admin/search/language/synonym", "admin"),
]


def test_every_other_page(page, world):
    for url, who in OTHER_PAGES:
        page(url.format(**world), world[who] if who else None)


def test_workbench_of_every_role(page, world, make):
    """Each role's workbench, with something in its sections (the world's proposal and
    pairing, its questions and revision), and the header's 工作台 count on the way."""
    for who in ("head", "supplier", "admin"):
        assert "<h1>工作台</h1>" in page("/workbench", world[who])
    assert "待审核" in page("/workbench", make.region_admin("360113").get_id())


def test_programme_pages(page, world, make):
    """The 十百千 dashboard, its designations (with region paths and organizations), one
    designation from the signed pairing it came from, and the public progress page."""
    from marketplace.db import beijing_today
    from marketplace.demonstrations import services as demonstrations
    from marketplace.accounts.models import User
    from marketplace.demonstrations import indicators as demonstrations_indicators
    from marketplace.demonstrations.models import DemonstrationTarget, Indicator
    from marketplace.matching.models import Match

    admin = db.session.get(User, int(world["admin"].split(":")[0]))
    match = db.session.get(Match, world["match"])
    signing.record(match.opportunity.organization.users[0], match, {
        "contract_date": beijing_today().isoformat(), "contract_amount_wan": "120"})
    signing.confirm(match.supplier.users[0], match)
    designation = demonstrations.designate(admin, {
        "kind": "project", "region_code": "360113", "year": str(beijing_today().year),
        "level": "district", "match_id": str(match.id)}).id
    db.session.commit()
    assert "120 万元" in page("/programme/", world["admin"])
    page("/programme/?region=360113", world["admin"])
    assert "智慧停车" in page("/programme/designations?region=360100&kind=project",
                              world["admin"])
    assert "查看方案" in page(f"/programme/designations/{designation}", world["admin"])
    page("/progress")
    page("/progress?region=360100")
    assert "撤销认定" in page(f"/programme/designations/{designation}", world["admin"])
    assert "来自对接" in page(f"/programme/designations/new/project?match={world['match']}",
                              world["admin"])
    page("/programme/designations/new/enterprise", world["admin"])
    revenue = db.session.scalar(sa.select(Indicator).where(Indicator.region_code == "360103",
                                                           Indicator.number == 1))
    admin = db.session.get(User, int(world["admin"].split(":")[0]))  # pages close sessions
    demonstrations_indicators.enter_value(admin, revenue, {"year": "2025", "value": "140"})
    db.session.commit()
    assert "140" in page("/programme/indicators?region=360103&year=2025", world["admin"])
    assert "调度报告" in page("/programme/report?region=360100&year=2026", world["admin"])
    target = db.session.scalar(sa.select(DemonstrationTarget.id).where(
        DemonstrationTarget.region_code == "360113"))
    page(f"/programme/targets/{target}", world["admin"])
