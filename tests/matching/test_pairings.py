"""Pairings through the funnel, and the admin's funnel report."""
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.db import beijing_today
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.matching import funnel, pairings, signing
from marketplace.matching.models import Match, Recommendation
from marketplace.proposals import services as proposals


@pytest.fixture
def selected(make):
    """A department selected an enterprise's proposal: a pairing at 已对接."""
    department, enterprise = make.org(kind="department"), make.org()
    opportunity = make.opportunity(department, status="published")
    proposal = proposals.create_proposal(enterprise.users[0], opportunity, {
        "summary": "方案", "approach": "实施", "timeline": "90 天", "price_wan": "100"})
    proposals.submit(enterprise.users[0], proposal)
    match = pairings.select_proposal(department.users[0], proposal)
    db.session.commit()
    return department, enterprise, match


def test_selecting_a_proposal_starts_a_pairing(ctx, selected):
    department, enterprise, match = selected
    assert match.stage == "contacted" and match.origin == "proposal"
    assert match.proposal.status == "selected" and match.supplier_id == enterprise.id
    assert [c.to_stage for c in match.changes] == ["contacted"]


def test_both_sides_advance_to_signed_and_delivered(ctx, selected):
    department, enterprise, match = selected
    pairings.advance(enterprise.users[0], match, "negotiating")
    with pytest.raises(ValidationError) as error:
        signing.record(department.users[0], match, {"contract_date": "",
                                                    "contract_amount_wan": ""})
    assert set(error.value.errors) == {"contract_date", "contract_amount_wan"}
    signing.record(department.users[0], match, {
        "contract_date": beijing_today().isoformat(), "contract_amount_wan": "268.5"})
    signing.confirm(enterprise.users[0], match)
    assert match.stage == "signed" and float(match.contract_amount_wan) == 268.5
    with pytest.raises(ValidationError, match="落地情况说明"):
        pairings.advance(enterprise.users[0], match, "delivered", {"delivery_note": ""})
    pairings.advance(enterprise.users[0], match, "delivered", {"delivery_note": "已上线运行"})
    assert [c.to_stage for c in match.changes] == ["contacted", "negotiating", "signing",
                                                    "signed", "delivered"]


def test_stage_rules(ctx, selected, make):
    department, enterprise, match = selected
    with pytest.raises(IllegalTransition):
        pairings.advance(department.users[0], match, "delivered", {"delivery_note": "跳过"})
    with pytest.raises(PermissionDenied):
        pairings.advance(make.org().users[0], match, "negotiating")
    pairings.advance(enterprise.users[0], match, "negotiating")
    with pytest.raises(ValidationError):
        signing.record(department.users[0], match, {
            "contract_date": (beijing_today() + timedelta(days=3)).isoformat(),
            "contract_amount_wan": "10"})
    pairings.advance(make.admin(), match, "terminated", {"termination_reason": "需求取消"})
    with pytest.raises(IllegalTransition):
        pairings.advance(department.users[0], match, "negotiating")


def test_start_from_a_recommendation_and_manual_entry(ctx, make):
    department, enterprise = make.org(kind="department"), make.org()
    opportunity = make.opportunity(department, status="published")
    product = make.product(enterprise, status="published")
    rec = Recommendation(opportunity_id=opportunity.id, product_id=product.id, score=0.6,
                         band="strong", evidence={"terms": ["停车"]}, in_opportunity_list=True)
    db.session.add(rec)
    db.session.flush()
    with pytest.raises(PermissionDenied):
        pairings.start_from_recommendation(make.org().users[0], rec)
    match = pairings.start_from_recommendation(enterprise.users[0], rec)
    assert match.stage == "recommended" and match.origin == "suggestion"
    again = pairings.start_from_recommendation(department.users[0], rec)
    assert again.id == match.id  # one pairing per opportunity and supplier
    with pytest.raises(PermissionDenied):
        pairings.start_manual(department.users[0], opportunity, make.org())
    other = pairings.start_manual(make.admin(), opportunity, make.org())
    assert other.origin == "manual" and other.stage == "contacted"


def test_funnel_report_counts_conversion_and_stale(ctx, selected, make, monkeypatch):
    department, enterprise, match = selected
    pairings.advance(enterprise.users[0], match, "negotiating")
    signing.record(department.users[0], match, {
        "contract_date": beijing_today().isoformat(), "contract_amount_wan": "100"})
    signing.confirm(enterprise.users[0], match)
    stalled = pairings.start_manual(make.admin(), match.opportunity, make.org())
    stalled.stage_changed_at -= timedelta(days=45)
    db.session.flush()
    result = funnel.report(stale_days=30)
    assert result.total == 2
    assert result.current["signed"] == 1 and result.current["contacted"] == 1
    assert result.reached["contacted"] == 2 and result.reached["signed"] == 1
    conversion = {(a, b): rate for a, b, rate in result.conversion}
    assert conversion[("contacted", "negotiating")] == 0.5
    assert conversion[("negotiating", "signed")] == 1.0
    assert result.stale == [stalled] and result.signed_amount_wan == Decimal("100")
    assert funnel.report(region_code="420000").total == 0
    assert funnel.report(region_code="360113").total == 2


def test_funnel_and_match_pages(client, selected, make, login_as):
    department, enterprise, match = selected
    login_as(enterprise.users[0])
    page = client.get(f"/matches/{match.id}").get_data(as_text=True)
    assert "已对接" in page and "标记为“洽谈中”" in page
    bad = client.post(f"/matches/{match.id}/advance", data={"stage": "delivered"})
    assert bad.status_code == 400
    client.post(f"/matches/{match.id}/advance", data={"stage": "negotiating"})
    db.session.refresh(match)
    assert match.stage == "negotiating"
    login_as(make.org().users[0])
    assert client.get(f"/matches/{match.id}").status_code == 404
    login_as(make.admin())
    report = client.get("/admin/funnel").get_data(as_text=True)
    assert "对接漏斗" in report and "洽谈中" in report
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 1


def test_funnel_writes_the_signed_amount_in_wan_like_every_page(client, make, login_as):
    department = make.org(kind="department")
    for amount in ("226", "100"):
        make.pairing(make.opportunity(department, status="published"), make.org(), "signed",
                     contract_amount_wan=amount)
    login_as(make.admin())
    html = client.get("/admin/funnel").get_data(as_text=True)
    assert '<span class="stat__value">326 万元</span>' in html and "326.0" not in html
