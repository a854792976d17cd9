"""清单批次: a numbered batch in which approved listings are published together."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import state_is, utcnow
from marketplace.extensions import db

RELEASE_STATUSES = {"draft": "编排中", "published": "已发布"}
# Publishing is final: items get public numbers that never change.
RELEASE_TRANSITIONS = {"draft": {"published"}, "published": set()}


class Release(db.Model):
    __tablename__ = "releases"
    __table_args__ = (sa.UniqueConstraint("year", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    published_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    audit_type = "release"
    audit_fields = ("title", "year", "sequence", "status", "published_on")

    is_published = state_is("published")

    @property
    def status_label(self) -> str:
        return RELEASE_STATUSES[self.status]

    def __str__(self):
        return self.title
