"""A small world for the notification tests: a department with a published opportunity
and an enterprise with a published product. Questions, proposals and pairings come from
the factory (``make.question``, ``make.proposal``, ``make.pairing``), through their
services; what arranging them sent is cleared with ``clear_messages`` before asserting."""
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.notifications.models import EmailMessage, Notification


@dataclass
class World:
    department: object
    enterprise: object
    opportunity: object
    product: object
    dept_user: object
    ent_user: object
    make: object  # the factory (tests/factories.py), for questions, proposals, pairings


@pytest.fixture
def world(make):
    department = make.org("department", name="南昌市红谷滩区数据局")
    enterprise = make.org("enterprise", name="江西云数科技有限公司")
    opportunity = make.opportunity(department, "published")
    product = make.product(enterprise, "published")
    clear_messages()  # publishing notified the owners; tests start from an empty inbox
    return World(department, enterprise, opportunity, product,
                 department.users[0], enterprise.users[0], make)


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
