"""What the daily reminders remember: when each object was last reminded about."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import utcnow
from marketplace.extensions import db


class ReminderLog(db.Model):
    """When a reminder about one object was last sent, so `flask notify reminders` (run
    daily) does not repeat it every day. ``object_id`` is an opportunity (outcome), a
    match (stale_match) or a proposal (deadline)."""

    __tablename__ = "reminder_logs"
    __table_args__ = (sa.Index("ix_reminder_logs_kind_object", "kind", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
