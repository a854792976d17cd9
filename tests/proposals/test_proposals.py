"""Questions and proposals: visibility, deadlines, one proposal per organization."""
import re
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from marketplace.accounts.models import User
from marketplace.audit import AuditLog
from marketplace.db import beijing_today
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.notifications.models import EmailMessage, Notification
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.proposals import services
from marketplace.proposals.models import ConsortiumMember, Proposal, proposal_products


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
    opportunity.deadline = beijing_today() + timedelta(days=2)
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


class Rendezvous:
    """Holds each racing unit of work just before it writes its proposal (a real
    ``before_cursor_execute`` hook on the engine) until the other one has got there too,
    so both have passed the existence check and neither has written or committed.

    Where the database serialises writers (SQLite's BEGIN IMMEDIATE), the other cannot
    get there: it is waiting in its BEGIN for this transaction to end. Then this one goes
    on alone and the other, once it begins, finds the first proposal."""

    INSERT = re.compile(r"\s*INSERT INTO proposals\b", re.IGNORECASE)
    LOCKING_BEGIN = re.compile(r"\s*BEGIN\s+(IMMEDIATE|EXCLUSIVE)\b", re.IGNORECASE)

    def __init__(self, names):
        self.names = set(names)
        self.arrived: set[str] = set()
        self.waiting_to_begin: set[str] = set()
        self.passed_alone: set[str] = set()
        self._condition = threading.Condition()

    def listen(self, engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "handle_error", self._failed)

    def forget(self, engine) -> None:
        event.remove(engine, "before_cursor_execute", self._before)
        event.remove(engine, "after_cursor_execute", self._after)
        event.remove(engine, "handle_error", self._failed)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        name = threading.current_thread().name
        if name not in self.names:
            return
        if self.LOCKING_BEGIN.match(statement):
            with self._condition:
                self.waiting_to_begin.add(name)
                self._condition.notify_all()
        elif self.INSERT.match(statement):
            self._meet(name)

    def _after(self, conn, cursor, statement, *args):
        self._done(threading.current_thread().name, statement)

    def _failed(self, context):
        self._done(threading.current_thread().name, context.statement or "")

    def _done(self, name, statement):
        if name in self.names and self.LOCKING_BEGIN.match(statement):
            with self._condition:
                self.waiting_to_begin.discard(name)

    def _meet(self, name):
        with self._condition:
            self.arrived.add(name)
            self._condition.notify_all()
            others = self.names - {name}
            met = self._condition.wait_for(
                lambda: others <= self.arrived or others <= self.waiting_to_begin,
                timeout=60)
            assert met, "the other unit of work neither arrived nor waited for the lock"
            if not others <= self.arrived:
                self.passed_alone.add(name)


def test_a_concurrent_second_create_finds_the_first(own_app, make):
    """Two requests of one organization racing to create its proposal, each in its own
    thread, session and connection on a real database: both pass the existence check
    before either writes. The unique constraint decides; the loser gets a clear message
    and nothing of its attempt is saved."""
    with own_app.app_context():
        department, enterprise = make.org(kind="department"), make.org()
        opportunity = make.opportunity(department, status="published")
        product = make.product(enterprise, status="published")
        colleague = make.member(enterprise)
        users = {"first": enterprise.users[0].id, "second": colleague.id}
        opportunity_id, product_id = opportunity.id, product.id
        db.session.remove()

    rendezvous = Rendezvous(users)
    start = threading.Barrier(len(users))
    outcomes = {}

    def unit_of_work(name):
        """What one request does (see viewhelpers.perform): one service call, then
        commit, or roll back on a refusal."""
        with own_app.app_context():
            try:
                start.wait(timeout=60)
                actor = db.session.get(User, users[name])
                proposal = services.create_proposal(
                    actor, db.session.get(Opportunity, opportunity_id),
                    proposal_data(db.session.get(Product, product_id)))
                db.session.commit()
                outcomes[name] = proposal.id
            except Exception as error:  # noqa: BLE001 - the test inspects what happened
                db.session.rollback()
                outcomes[name] = error
            finally:
                db.session.remove()

    with own_app.app_context():
        engine = db.engine
    rendezvous.listen(engine)
    try:
        threads = [threading.Thread(target=unit_of_work, args=(name,), name=name)
                   for name in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        rendezvous.forget(engine)

    winners = [name for name, outcome in outcomes.items() if isinstance(outcome, int)]
    losers = [outcome for outcome in outcomes.values() if not isinstance(outcome, int)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], IllegalTransition), repr(losers[0])
    assert "已对该机会提交过方案" in losers[0].message
    # The race took place: both reached the write, or one waited in BEGIN for the other.
    assert rendezvous.arrived == set(users) or rendezvous.passed_alone == set(winners)

    with own_app.app_context():
        [proposal] = db.session.scalars(sa.select(Proposal)).all()
        assert proposal.id == outcomes[winners[0]] and proposal.created_by_id == users[winners[0]]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            ConsortiumMember)) == len(proposal.members) == 1
        assert db.session.execute(sa.select(proposal_products.c.proposal_id)).all() == [
            (proposal.id,)]
        created = db.session.scalars(sa.select(AuditLog.object_id).where(
            AuditLog.action == "proposal.create")).all()
        assert created == [proposal.id]
        db.session.remove()
