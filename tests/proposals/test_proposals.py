"""Questions and proposals: visibility, deadlines, one proposal per organization."""
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.notifications.models import EmailMessage, Notification
from marketplace.proposals import services
from marketplace.proposals.models import Proposal


@pytest.fixture
def call(make):
    """A published opportunity of a department, an enterprise with a published product."""
    department, enterprise = make.org(kind="department"), make.org()
    opportunity = make.opportunity(department, status="published")
    product = make.product(enterprise, status="published")
    return department, enterprise, opportunity, product


def proposal_data(product=None, **overrides):
    data = {"summary": "路内停车一体化方案", "approach": "地磁+视频桩，三个月完成部署。",
            "timeline": "签约后 90 天", "price_wan": "280",
            "product_ids": [str(product.id)] if product else [],
            "members": [{"name": "南昌某某科技有限公司", "role": "软件开发"}]}
    data.update(overrides)
    return data


def test_question_lifecycle_and_anonymity(ctx, make, call):
    department, enterprise, opportunity, _ = call
    question = services.ask(enterprise.users[0], opportunity, "是否需要对接现有停车场？")
    assert "question_asked" in db.session.scalars(sa.select(Notification.event).where(
        Notification.user_id == department.users[0].id)).all()
    with pytest.raises(PermissionDenied):
        services.answer(enterprise.users[0], question, "自问自答")
    with pytest.raises(PermissionDenied):
        services.ask(department.users[0], opportunity, "本单位提问")
    services.answer(department.users[0], question, "需要，共 20 个。")
    email = db.session.scalar(sa.select(EmailMessage).where(
        EmailMessage.to_address == enterprise.users[0].email,
        EmailMessage.event == "question_answered"))
    assert email is not None and "答复" in email.subject


def test_public_page_shows_answers_but_not_askers(client, make, call, login_as):
    department, enterprise, opportunity, _ = call
    answered = services.ask(enterprise.users[0], opportunity, "公开的问题A")
    services.answer(department.users[0], answered, "公开的答复A")
    services.ask(enterprise.users[0], opportunity, "尚未答复的问题B")
    db.session.commit()
    html = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "公开的问题A" in html and "公开的答复A" in html
    assert "尚未答复的问题B" not in html and enterprise.name not in html
    login_as(department.users[0])
    owner_view = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "尚未答复的问题B" in owner_view


def test_proposal_with_consortium_and_products(ctx, make, call):
    department, enterprise, opportunity, product = call
    proposal = services.create_proposal(enterprise.users[0], opportunity, proposal_data(product))
    assert proposal.status == "draft" and proposal.products == [product]
    assert [(m.name, m.role) for m in proposal.members] == [("南昌某某科技有限公司", "软件开发")]
    services.submit(enterprise.users[0], proposal)
    assert proposal.status == "submitted"
    assert "proposal_submitted" in db.session.scalars(sa.select(Notification.event).where(
        Notification.user_id == department.users[0].id)).all()


@pytest.mark.parametrize("overrides, field", [
    ({"summary": ""}, "summary"),
    ({"approach": "长" * 10001}, "approach"),
    ({"price_wan": "很多"}, "price_wan"),
    ({"members": [{"name": "只有名称", "role": ""}]}, "members"),
])
def test_bad_proposal_input(ctx, make, call, overrides, field):
    _, enterprise, opportunity, product = call
    with pytest.raises(ValidationError) as error:
        services.create_proposal(enterprise.users[0], opportunity,
                                 proposal_data(product, **overrides))
    assert field in error.value.errors


def test_only_own_published_products_can_be_offered(ctx, make, call):
    _, enterprise, opportunity, _ = call
    foreign = make.product(make.org(), status="published")
    with pytest.raises(ValidationError, match="本单位已发布的产品"):
        services.create_proposal(enterprise.users[0], opportunity, proposal_data(foreign))


def test_departments_cannot_propose_and_one_proposal_per_organization(ctx, make, call):
    department, enterprise, opportunity, product = call
    with pytest.raises(PermissionDenied):
        services.create_proposal(make.org(kind="department").users[0], opportunity,
                                 proposal_data())
    services.create_proposal(enterprise.users[0], opportunity, proposal_data(product))
    with pytest.raises(IllegalTransition, match="已对该机会提交过方案"):
        services.create_proposal(enterprise.users[0], opportunity, proposal_data(product))
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 1


def test_submission_one_second_after_the_deadline_is_refused(ctx, make, call, monkeypatch):
    _, enterprise, opportunity, product = call
    opportunity.deadline = date.today() + timedelta(days=2)
    proposal = services.create_proposal(enterprise.users[0], opportunity, proposal_data(product))
    closes = services.deadline_instant(opportunity)
    # 24:00 Beijing time on the deadline day is 16:00 UTC.
    assert closes == datetime.combine(opportunity.deadline, datetime.min.time()) + timedelta(hours=16)
    monkeypatch.setattr(services, "utcnow", lambda: closes + timedelta(seconds=1))
    with pytest.raises(IllegalTransition, match="截止征集"):
        services.submit(enterprise.users[0], proposal)
    assert proposal.status == "draft"
    monkeypatch.setattr(services, "utcnow", lambda: closes - timedelta(seconds=1))
    services.submit(enterprise.users[0], proposal)
    assert proposal.status == "submitted"


def test_double_submission_submits_once(ctx, make, call):
    _, enterprise, opportunity, product = call
    proposal = services.create_proposal(enterprise.users[0], opportunity, proposal_data(product))
    services.submit(enterprise.users[0], proposal)
    with pytest.raises(IllegalTransition):
        services.submit(enterprise.users[0], proposal)


def test_department_decisions(ctx, make, call):
    department, enterprise, opportunity, product = call
    proposal = services.create_proposal(enterprise.users[0], opportunity, proposal_data(product))
    services.submit(enterprise.users[0], proposal)
    with pytest.raises(PermissionDenied):
        services.decide(make.org(kind="department").users[0], proposal, "shortlist")
    with pytest.raises(ValidationError, match="未入选的原因"):
        services.decide(department.users[0], proposal, "decline")
    services.decide(department.users[0], proposal, "shortlist")
    services.decide(department.users[0], proposal, "decline", "报价超出预算")
    assert proposal.status == "not_selected" and proposal.decline_reason == "报价超出预算"
    with pytest.raises(IllegalTransition):
        services.decide(department.users[0], proposal, "shortlist")


def test_withdraw_and_reopen(ctx, make, call):
    _, enterprise, opportunity, product = call
    proposal = services.create_proposal(enterprise.users[0], opportunity, proposal_data(product))
    services.submit(enterprise.users[0], proposal)
    services.withdraw(enterprise.users[0], proposal)
    services.reopen(enterprise.users[0], proposal)
    services.update_proposal(enterprise.users[0], proposal, proposal_data(product, summary="改"))
    assert proposal.status == "draft" and proposal.summary == "改"


def test_proposals_are_private(client, make, call, login_as):
    department, enterprise, opportunity, product = call
    proposal = services.create_proposal(enterprise.users[0], opportunity, proposal_data(product))
    services.submit(enterprise.users[0], proposal)
    db.session.commit()
    assert client.get(f"/proposals/{proposal.id}").status_code == 302  # to login
    login_as(make.org().users[0])
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    assert client.get(f"/opportunities/{opportunity.id}/proposals").status_code == 404
    login_as(department.users[0])
    html = client.get(f"/opportunities/{opportunity.id}/proposals").get_data(as_text=True)
    assert enterprise.name in html and "南昌某某科技有限公司" in html
    export = client.get(f"/opportunities/{opportunity.id}/proposals.xlsx")
    assert export.mimetype.endswith("spreadsheetml.sheet")
    login_as(make.admin())
    assert client.get(f"/proposals/{proposal.id}").status_code == 200


def test_proposal_pages_through_the_views(client, make, call, login_as):
    _, enterprise, opportunity, product = call
    login_as(enterprise.users[0])
    form = client.get(f"/opportunities/{opportunity.id}/propose")
    assert form.status_code == 200 and "场景建设联合体" in form.get_data(as_text=True)
    bad = client.post(f"/opportunities/{opportunity.id}/propose", data={"summary": ""})
    assert "请填写方案摘要" in bad.get_data(as_text=True)
    response = client.post(f"/opportunities/{opportunity.id}/propose", data={
        "summary": "方案", "approach": "实施", "timeline": "90 天", "price_wan": "100",
        "product_ids": [str(product.id)], "member_name-0": "联合体成员单位", "member_role-0": "集成"})
    assert response.status_code == 302
    proposal = db.session.scalar(sa.select(Proposal))
    assert proposal.members[0].name == "联合体成员单位"
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert 'accept=".pdf,.docx,.xlsx,.png,.jpg,.jpeg"' in page  # what the upload checks allow
    client.post(f"/proposals/{proposal.id}/submit")
    db.session.refresh(proposal)
    assert proposal.status == "submitted"


def test_a_concurrent_second_create_finds_the_first(ctx, make, call, monkeypatch):
    """Two requests racing: the second passed its existence check before the first
    committed. The unique constraint decides; the loser gets a clear message."""
    _, enterprise, opportunity, product = call
    services.create_proposal(enterprise.users[0], opportunity, proposal_data(product))
    real_scalar = db.session.scalar

    def blind_first_check(statement, *args, **kwargs):
        if "FROM proposals" in str(statement):
            return None  # what the racing request saw
        return real_scalar(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalar", blind_first_check)
    with pytest.raises(IllegalTransition, match="已对该机会提交过方案"):
        services.create_proposal(enterprise.users[0], opportunity, proposal_data(product))
    monkeypatch.undo()
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 1
