"""What is due for a reminder: overdue outcomes, stale pairings, draft proposals near
their deadline (read by the daily run and the admins' reminder page)."""
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from marketplace.authz import region_prefix
from marketplace.db import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.matching.models import OPEN_STAGES, Match
from marketplace.opportunities.models import Opportunity
from marketplace.proposals.models import Proposal


def overdue_outcomes_query(days: int | None = None, today: date | None = None,
                           region_code: str | None = None):
    """Published opportunities whose deadline passed at least ``days`` ago (default
    OUTCOME_REMINDER_DAYS) and that are still not closed with an outcome; in
    ``region_code``'s subtree when given (a region administrator's)."""
    days = current_app.config["OUTCOME_REMINDER_DAYS"] if days is None else days
    cutoff = (today or beijing_today()) - timedelta(days=days)
    query = sa.select(Opportunity).where(
        Opportunity.status == "published", Opportunity.deadline.is_not(None),
        Opportunity.deadline <= cutoff)
    if region_code is not None:
        query = query.where(Opportunity.region_code.startswith(region_prefix(region_code)))
    return query


def overdue_outcomes(days: int | None = None, today: date | None = None,
                     region_code: str | None = None,
                     limit: int | None = None) -> list[Opportunity]:
    """As ``overdue_outcomes_query``, the longest overdue first, with the department."""
    query = (overdue_outcomes_query(days, today, region_code)
             .options(joinedload(Opportunity.organization))
             .order_by(Opportunity.deadline, Opportunity.id))
    return db.session.scalars(query.limit(limit) if limit else query).all()


def stale_matches_query(days: int | None = None):
    """Pairings still in progress whose stage has not changed for ``days`` (default
    STALE_MATCH_DAYS)."""
    days = current_app.config["STALE_MATCH_DAYS"] if days is None else days
    cutoff = utcnow() - timedelta(days=days)
    return sa.select(Match).where(Match.stage.in_(OPEN_STAGES),
                                  Match.stage_changed_at <= cutoff)


def stale_matches(days: int | None = None, limit: int | None = None) -> list[Match]:
    """As ``stale_matches_query``, the longest still first, with both sides."""
    query = (stale_matches_query(days)
             .options(joinedload(Match.opportunity), joinedload(Match.supplier))
             .order_by(Match.stage_changed_at, Match.id))
    return db.session.scalars(query.limit(limit) if limit else query).all()


def draft_proposals_near_deadline(today: date, days: int) -> list[Proposal]:
    """Draft proposals of published opportunities whose deadline is within ``days``."""
    return db.session.scalars(
        sa.select(Proposal).join(Opportunity, Opportunity.id == Proposal.opportunity_id)
        .options(joinedload(Proposal.opportunity), joinedload(Proposal.organization))
        .where(Proposal.status == "draft", Opportunity.status == "published",
               Opportunity.deadline.between(today, today + timedelta(days=days)))
        .order_by(Opportunity.deadline, Proposal.id)).all()
