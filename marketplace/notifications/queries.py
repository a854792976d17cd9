"""Reads for the notification pages, the header count and the admins' reminder list."""
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from marketplace.db import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.matching.models import Match
from marketplace.notifications.models import (
    EMAIL_MAX_ATTEMPTS, EVENTS, EmailMessage, EmailPreference, Notification, Subscription)
from marketplace.opportunities.models import Opportunity

OPEN_MATCH_STAGES = ("recommended", "contacted", "negotiating", "signed")


def notifications_page(user, page: int = 1):
    query = (sa.select(Notification).where(Notification.user_id == user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return db.paginate(query, page=page, per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)


def unread_count(user) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def email_settings(user) -> dict[str, bool]:
    """Every event → whether the user gets its e-mail (no stored choice: yes)."""
    stored = dict(db.session.execute(
        sa.select(EmailPreference.event, EmailPreference.enabled)
        .where(EmailPreference.user_id == user.id)).all())
    return {event: stored.get(event, True) for event in EVENTS}


def subscription_of(user) -> Subscription | None:
    return db.session.scalar(sa.select(Subscription).where(Subscription.user_id == user.id))


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


def failed_emails(limit: int = 100) -> list[EmailMessage]:
    """E-mails given up after EMAIL_MAX_ATTEMPTS, newest first."""
    return db.session.scalars(
        sa.select(EmailMessage)
        .where(EmailMessage.sent_at.is_(None), EmailMessage.attempts >= EMAIL_MAX_ATTEMPTS)
        .order_by(EmailMessage.id.desc()).limit(limit)).all()


def pending_email_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(EmailMessage.id)).where(
        EmailMessage.sent_at.is_(None), EmailMessage.attempts < EMAIL_MAX_ATTEMPTS)) or 0
