"""The search outbox and the admin-editable language data."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import utcnow
from marketplace.extensions import db

LANGUAGE_KINDS = {"synonym": "同义词", "stopword": "停用词", "dictionary": "领域词典"}


class IndexTask(db.Model):
    """One pending change to project into the index: written in the same transaction as
    the change (see outbox.py), deleted by the drain once applied."""

    __tablename__ = "search_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    # opportunity | product (object_id set) | rebuild (object_id None)
    kind: Mapped[str] = mapped_column(sa.String(30))
    object_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")


class LanguageEntry(db.Model):
    """One line of the synonym table, the stop-word list or the segmentation dictionary."""

    __tablename__ = "search_language"
    __table_args__ = (sa.UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    value: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
