"""揭榜结果公示: the opportunity's page says who was selected (and signed) and stops
inviting proposals; the public list, newest first, by region and field, paginated."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.errors import IllegalTransition
from marketplace.extensions import db
from marketplace.matching import pairings, signing
from marketplace.matching.models import Match
from marketplace.proposals import services as proposals
from marketplace.results import queries
from marketplace.taxonomy.queries import field_by_name


@pytest.fixture
def decided(make):
    """A department's published call, one enterprise selected, one still drafting."""
    department, winner, late = make.org(kind="department"), make.org(), make.org()
    opportunity = make.opportunity(department, status="published", title="智慧停车揭榜")
    draft = make.proposal(opportunity, late, "draft")
    proposal = make.proposal(opportunity, winner, "selected")
    match = db.session.scalar(sa.select(Match).where(Match.proposal_id == proposal.id))
    return department, winner, late, opportunity, proposal, draft, match


def sign(match, disclose=(True, True)):
    pairings.advance(match.supplier.users[0], match, "negotiating")
    signing.record(match.opportunity.organization.users[0], match,
                   {"contract_date": "2026-01-15", "contract_amount_wan": "268.5",
                    "disclose_amount": disclose[0]})
    signing.confirm(match.supplier.users[0], match, disclose[1])
    db.session.commit()


def test_a_selection_stops_the_call(ctx, decided, make):
    department, winner, late, opportunity, proposal, draft, match = decided
    with pytest.raises(IllegalTransition, match="已选定揭榜单位"):
        proposals.submit(late.users[0], draft)
    with pytest.raises(IllegalTransition, match="已选定揭榜单位"):
        proposals.create_proposal(make.org().users[0], opportunity, make.proposal_data())


def test_the_opportunity_page_shows_the_selection_then_the_signing(client, login_as, decided):
    department, winner, late, opportunity, proposal, draft, match = decided
    url = f"/opportunities/{opportunity.id}"
    page = client.get(url).get_data(as_text=True)
    assert "揭榜结果公示" in page and winner.name in page and "尚未签约" in page
    assert "该机会已选定揭榜单位，不再征集揭榜方案" in page
    login_as(late.users[0])
    page = client.get(url).get_data(as_text=True)
    assert "我要揭榜" not in page and "不再征集揭榜方案" in page
    # Recorded but not confirmed: nothing about the signing is public yet.
    pairings.advance(winner.users[0], match, "negotiating")
    signing.record(department.users[0], match, {"contract_date": "2026-01-15",
                                                "contract_amount_wan": "268.5",
                                                "disclose_amount": "y"})
    db.session.commit()
    assert "尚未签约" in client.get(url).get_data(as_text=True)
    signing.confirm(winner.users[0], match, False)  # the enterprise keeps the amount private
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "已签约（2026年1月15日）" in page and "未公开" in page and "268.5" not in page


def test_the_amount_is_public_when_both_agree(client, decided):
    *_, opportunity, proposal, draft, match = decided
    sign(match, (True, True))
    page = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "268.5 万元" in page
    assert "268.5 万元" in client.get("/results/").get_data(as_text=True)


def test_no_result_no_section(client, make):
    opportunity = make.opportunity(make.org(kind="department"), status="published")
    make.proposal(opportunity, make.org(), "shortlisted")
    page = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "揭榜结果公示" not in page and "不再征集" not in page


def test_the_list_is_newest_first_and_filtered(ctx, make):
    made = []
    for index, (region, field) in enumerate([("360113", "交通出行"), ("360103", "政务服务"),
                                             ("420102", "交通出行")]):
        department = make.org(kind="department", region=region)
        opportunity = make.opportunity(department, status="published", title=f"结果{index}",
                                       region_code=region, field_id=str(field_by_name(field).id))
        proposal = make.proposal(opportunity, make.org(), "selected")
        proposal.decided_at = utcnow() - timedelta(days=10 - index)
        made.append(proposal)
    db.session.commit()
    titles = [r.opportunity.title for r in queries.public_page(queries.ResultFilters(), 20).items]
    assert titles == ["结果2", "结果1", "结果0"]
    # A confirmed signing makes a result the newest.
    sign(db.session.scalar(sa.select(Match).where(Match.proposal_id == made[0].id)))
    page = queries.public_page(queries.ResultFilters(), 20)
    assert [r.opportunity.title for r in page.items][0] == "结果0" and page.items[0].signed
    in_nanchang = queries.public_page(queries.ResultFilters(region="360100"), 20)
    assert {r.opportunity.title for r in in_nanchang.items} == {"结果0", "结果1"}
    group = field_by_name("交通出行").parent_id
    by_field = queries.public_page(queries.ResultFilters(field=group), 20)
    assert {r.opportunity.title for r in by_field.items} == {"结果0", "结果2"}
    first = queries.public_page(queries.ResultFilters(page=1), 2)
    second = queries.public_page(queries.ResultFilters(page=2), 2)
    assert (first.total, len(first.items), len(second.items)) == (3, 2, 1)


def test_the_results_page(client, decided, make):
    *_, opportunity, proposal, draft, match = decided
    hidden = make.opportunity(make.org(kind="department"), status="published", title="未选定")
    make.proposal(hidden, make.org(), "submitted")
    html = client.get("/results/?region=360000&field=&page=1").get_data(as_text=True)
    assert "揭榜结果公示" in html and "智慧停车揭榜" in html and "未选定" not in html
    assert "共 1 条" in html
    assert "共 0 条" in client.get("/results/?region=420000").get_data(as_text=True)
    assert client.get("/results/?page=abc&field=x").status_code == 200
