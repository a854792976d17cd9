"""What is due for a reminder: overdue outcomes, stale pairings, draft proposals near
their deadline (read by the daily run and the admins' reminder page)."""
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from marketplace.db import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.matching.models import Match
from marketplace.opportunities.models import Opportunity
from marketplace.proposals.models import Proposal

OPEN_MATCH_STAGES = ("recommended", "contacted", "negotiating", "signing", "signed")


def overdue_outcomes(days: int | None = None, today: date | None = None) -> list[Opportunity]:
    """Published opportunities whose deadline passed at least ``days`` ago (default
    OUTCOME_REMINDER_DAYS) and that are still not closed with an outcome."""
    days = current_app.config["OUTCOME_REMINDER_DAYS"] if days is None else days
    cutoff = (today or beijing_today()) - timedelta(days=days)
    return db.session.scalars(
        sa.select(Opportunity)
        .options(joinedload(Opportunity.organization))
        .where(Opportunity.status == "published", Opportunity.deadline.is_not(None),
               Opportunity.deadline <= cutoff)
        .order_by(Opportunity.deadline, Opportunity.id)).all()


def stale_matches(days: int | None = None) -> list[Match]:
    """Pairings still in progress whose stage has not changed for ``days`` (default
    STALE_MATCH_DAYS)."""
    days = current_app.config["STALE_MATCH_DAYS"] if days is None else days
    cutoff = utcnow() - timedelta(days=days)
    return db.session.scalars(
        sa.select(Match)
        .options(joinedload(Match.opportunity), joinedload(Match.supplier))
        .where(Match.stage.in_(OPEN_MATCH_STAGES), Match.stage_changed_at <= cutoff)
        .order_by(Match.stage_changed_at, Match.id)).all()


def draft_proposals_near_deadline(today: date, days: int) -> list[Proposal]:
    """Draft proposals of published opportunities whose deadline is within ``days``."""
    return db.session.scalars(
        sa.select(Proposal).join(Opportunity, Opportunity.id == Proposal.opportunity_id)
        .options(joinedload(Proposal.opportunity), joinedload(Proposal.organization))
        .where(Proposal.status == "draft", Opportunity.status == "published",
               Opportunity.deadline.between(today, today + timedelta(days=days)))
        .order_by(Opportunity.deadline, Proposal.id)).all()
