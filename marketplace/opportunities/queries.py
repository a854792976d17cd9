"""Reads of opportunities that only opportunities have (their 揭榜 deadline)."""
from datetime import date

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.opportunities.models import Opportunity


def deadlines_between_query(organization_id: int, first: date, last: date):
    """The organization's published opportunities whose deadline falls in [first, last]."""
    return sa.select(Opportunity).where(
        Opportunity.organization_id == organization_id, Opportunity.status == "published",
        Opportunity.deadline.between(first, last))


def deadlines_between(organization_id: int, first: date, last: date) -> list[Opportunity]:
    """As ``deadlines_between_query``, the nearest deadline first."""
    return db.session.scalars(deadlines_between_query(organization_id, first, last)
                              .order_by(Opportunity.deadline, Opportunity.id)).all()
