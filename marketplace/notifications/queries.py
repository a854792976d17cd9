"""Reads for the notification pages, the header count and the e-mail outbox's state."""
import sqlalchemy as sa
from flask import current_app

from marketplace.extensions import db
from marketplace.notifications.models import (
    EMAIL_MAX_ATTEMPTS, EVENTS, EmailMessage, EmailPreference, Notification, Subscription)


def notifications_page(user, page: int = 1):
    query = (sa.select(Notification).where(Notification.user_id == user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return db.paginate(query, page=page, per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)


def unread_query(user_id: int):
    """The user's unread notifications (a SELECT to count: the header counts it together
    with the workbench's, workbench.queries.header_counts)."""
    return sa.select(Notification.id).where(Notification.user_id == user_id,
                                            Notification.read_at.is_(None))


def unread_count(user) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(sa.select(sa.func.count())
                             .select_from(unread_query(user.id).subquery())) or 0


def email_settings(user) -> dict[str, bool]:
    """Every event → whether the user gets its e-mail (no stored choice: yes)."""
    stored = dict(db.session.execute(
        sa.select(EmailPreference.event, EmailPreference.enabled)
        .where(EmailPreference.user_id == user.id)).all())
    return {event: stored.get(event, True) for event in EVENTS}


def subscription_of(user) -> Subscription | None:
    return db.session.scalar(sa.select(Subscription).where(Subscription.user_id == user.id))


def failed_emails_query():
    """E-mails given up after EMAIL_MAX_ATTEMPTS (undeliverable)."""
    return sa.select(EmailMessage).where(EmailMessage.sent_at.is_(None),
                                         EmailMessage.attempts >= EMAIL_MAX_ATTEMPTS)


def failed_emails(limit: int = 100) -> list[EmailMessage]:
    """E-mails given up after EMAIL_MAX_ATTEMPTS, newest first."""
    return db.session.scalars(failed_emails_query().order_by(EmailMessage.id.desc())
                              .limit(limit)).all()


def pending_email_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(EmailMessage.id)).where(
        EmailMessage.sent_at.is_(None), EmailMessage.attempts < EMAIL_MAX_ATTEMPTS)) or 0
