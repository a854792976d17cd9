"""A small world for the notification tests: a department with a published opportunity,
an enterprise with a published product, and (built as rows, since the proposal and funnel
services are another package's business) a question, a proposal and a pairing."""
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.matching.models import Match
from marketplace.notifications.models import EmailMessage, Notification
from marketplace.proposals.models import Proposal, Question


@dataclass
class World:
    department: object
    enterprise: object
    opportunity: object
    product: object
    dept_user: object
    ent_user: object


@pytest.fixture
def world(make):
    department = make.org("department", name="南昌市红谷滩区数据局")
    enterprise = make.org("enterprise", name="江西云数科技有限公司")
    opportunity = make.opportunity(department, "published")
    product = make.product(enterprise, "published")
    clear_messages()  # publishing notified the owners; tests start from an empty inbox
    return World(department, enterprise, opportunity, product,
                 department.users[0], enterprise.users[0])


def add_question(world, answered: bool = False) -> Question:
    question = Question(opportunity_id=world.opportunity.id,
                        organization_id=world.enterprise.id,
                        text="停车场数据接口采用什么协议？")
    if answered:
        question.answer, question.answered_at = "采用 HTTPS + JSON 接口，详见附件。", utcnow()
    db.session.add(question)
    db.session.flush()
    return question


def add_proposal(world, status: str = "submitted", organization=None,
                 opportunity=None, **values) -> Proposal:
    proposal = Proposal(opportunity_id=(opportunity or world.opportunity).id,
                        organization_id=(organization or world.enterprise).id,
                        summary="基于地磁与视频桩的泊位感知方案", price_wan=Decimal("280"),
                        status=status, **values)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def add_match(world, stage: str = "negotiating", changed_days_ago: int = 0,
              opportunity=None, supplier=None, **values) -> Match:
    from datetime import timedelta

    match = Match(opportunity_id=(opportunity or world.opportunity).id,
                  supplier_id=(supplier or world.enterprise).id, origin="proposal",
                  stage=stage, stage_changed_at=utcnow() - timedelta(days=changed_days_ago),
                  **values)
    db.session.add(match)
    db.session.flush()
    return match


def outbox(user=None) -> list[EmailMessage]:
    query = sa.select(EmailMessage).order_by(EmailMessage.id)
    if user is not None:
        query = query.where(EmailMessage.user_id == user.id)
    return list(db.session.scalars(query))


def inbox(user, event: str | None = None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if event:
        query = query.where(Notification.event == event)
    return list(db.session.scalars(query.order_by(Notification.id)))


def clear_messages() -> None:
    db.session.execute(sa.delete(Notification))
    db.session.execute(sa.delete(EmailMessage))
    db.session.flush()
