"""Irreversible steps (发布批次, 选定, 未入选, 登记/确认签约) happen only from their
confirmation page: a plain POST without it changes nothing and leads to that page."""
from datetime import date

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.matching.models import Match
from marketplace.proposals.models import Proposal
from marketplace.releases import services as releases
from marketplace.releases.models import Release


def status_of(model, ident) -> str:
    db.session.expire_all()
    return db.session.get(model, ident).status


def test_publishing_a_release(client, login_as, make):
    admin = make.admin()
    item = make.opportunity(make.org(kind="department"), status="approved")
    release = releases.create_release(admin, {"year": 2031, "title": "2031年第一批"})
    releases.add_items(admin, release, "opportunity", [item.id])
    db.session.commit()
    login_as(admin)
    assert "发布批次…" in client.get(f"/admin/releases/{release.id}").get_data(as_text=True)
    bare = client.post(f"/admin/releases/{release.id}/publish", data={"published_on": "2031-05-01"})
    assert bare.status_code == 302 and "/publish?published_on=2031-05-01" in bare.location
    assert status_of(Release, release.id) == "draft"
    page = client.get(bare.location).get_data(as_text=True)
    assert "确认发布：2031年第一批" in page and "机会清单" in page and "1 条" in page
    assert "不能撤回" in page and 'value="2031-05-01"' in page
    bad = client.post(f"/admin/releases/{release.id}/publish",
                      data={"published_on": "", "confirmed": "yes"})
    assert bad.status_code == 400 and 'id="published_on-error"' in bad.get_data(as_text=True)
    assert status_of(Release, release.id) == "draft"
    client.post(f"/admin/releases/{release.id}/publish",
                data={"published_on": "2031-05-01", "confirmed": "yes"})
    assert status_of(Release, release.id) == "published"
    assert db.session.get(Release, release.id).published_on == date(2031, 5, 1)


def test_selecting_a_proposal(client, login_as, make):
    department = make.org(kind="department")
    opportunity = make.opportunity(department, status="published")
    proposal = make.proposal(opportunity, make.org(), "submitted")
    login_as(department.users[0])
    evaluation = client.get(f"/opportunities/{opportunity.id}/proposals").get_data(as_text=True)
    assert f'href="/proposals/{proposal.id}/select"' in evaluation
    bare = client.post(f"/proposals/{proposal.id}/select", data={"reason": ""})
    assert bare.status_code == 302 and bare.location.endswith(f"/proposals/{proposal.id}/select")
    assert status_of(Proposal, proposal.id) == "submitted"
    page = client.get(bare.location).get_data(as_text=True)
    assert "确认选定揭榜方案" in page and "不再接受新的揭榜方案" in page
    assert "选定后不能撤销" in page
    client.post(f"/proposals/{proposal.id}/select", data={"reason": "", "confirmed": "yes"})
    assert status_of(Proposal, proposal.id) == "selected"
    assert db.session.scalar(sa.select(Match.stage).where(Match.proposal_id == proposal.id)) \
        == "contacted"


def test_declining_a_proposal(client, login_as, make):
    department = make.org(kind="department")
    opportunity = make.opportunity(department, status="published")
    proposal = make.proposal(opportunity, make.org(), "submitted")
    login_as(department.users[0])
    bare = client.post(f"/proposals/{proposal.id}/decide",
                       data={"decision": "decline", "reason": "报价超出预算"})
    assert bare.status_code == 302 and bare.location.endswith(f"/proposals/{proposal.id}/decline")
    assert status_of(Proposal, proposal.id) == "submitted"
    page = client.get(bare.location).get_data(as_text=True)
    assert "确认标记为未入选" in page and 'name="reason"' in page
    empty = client.post(f"/proposals/{proposal.id}/decide",
                        data={"decision": "decline", "reason": "", "confirmed": "yes"})
    assert empty.status_code == 400 and 'id="reason-error"' in empty.get_data(as_text=True)
    assert status_of(Proposal, proposal.id) == "submitted"
    client.post(f"/proposals/{proposal.id}/decide",
                data={"decision": "decline", "reason": "报价超出预算", "confirmed": "yes"})
    assert status_of(Proposal, proposal.id) == "not_selected"
    # 入围 is not irreversible: it needs no confirmation.
    other = make.proposal(opportunity, make.org(), "submitted")
    client.post(f"/proposals/{other.id}/decide", data={"decision": "shortlist"})
    assert status_of(Proposal, other.id) == "shortlisted"
