"""Notifications, the e-mail outbox, e-mail preferences and subscriptions."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import utcnow
from marketplace.extensions import db

# Every event a user can be told about; users may switch off the e-mail of each.
EVENTS = {
    "listing_returned": "清单被退回",
    "listing_approved": "清单审核通过",
    "listing_published": "清单已发布",
    "question_asked": "收到新的提问",
    "question_answered": "提问得到答复",
    "proposal_submitted": "收到新的揭榜方案",
    "proposal_decided": "揭榜方案入围、选定或未入选",
    "match_stage_changed": "对接进展变化",
    "signing_awaiting_confirmation": "对方登记了签约，待您确认",
    "signing_disputed": "本单位登记的签约被对方提出异议",
    "deadline_approaching": "揭榜截止临近",
    "reminder": "结果登记与对接跟进提醒",
    "digest": "订阅的新机会摘要",
    "registration_changed": "活动报名状态变化",
    "meeting_requested": "收到对接会约见请求",
    "meeting_request_answered": "约见请求得到回复",
    "schedule_published": "对接会日程发布或变更",
}
FREQUENCIES = {"daily": "每日", "weekly": "每周", "off": "暂停"}
# An e-mail that failed this many times is no longer retried (admins see it).
EMAIL_MAX_ATTEMPTS = 8


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    event: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]


class EmailMessage(db.Model):
    """One e-mail waiting to be sent (or sent): written in the request's transaction,
    delivered later by `flask notify send`, retried with back-off on failure."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    event: Mapped[str] = mapped_column(sa.String(40), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")


class EmailPreference(db.Model):
    """A user's choice for one event's e-mail (no row = e-mail on)."""

    __tablename__ = "email_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(sa.String(40))
    enabled: Mapped[bool] = mapped_column(default=True)


class Subscription(db.Model):
    """What newly published opportunities a user wants in a digest, and how often."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    field_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    tag_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    region_codes: Mapped[list] = mapped_column(sa.JSON, default=list)
    match_products: Mapped[bool] = mapped_column(default=False)
    frequency: Mapped[str] = mapped_column(sa.String(10), default="weekly")
    last_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")
