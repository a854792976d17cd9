"""清单批次: a numbered batch in which approved listings are published together."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import state_is, utcnow
from marketplace.extensions import db

PLATFORM_PUBLISHER = "平台"
RELEASE_STATUSES = {"draft": "编排中", "published": "已发布"}
# Publishing is final: items get public numbers that never change.
RELEASE_TRANSITIONS = {"draft": {"published"}, "published": set()}


class Release(db.Model):
    __tablename__ = "releases"
    # Batches are numbered per region and year; the platform's own batches (no region)
    # per year, which a partial index guarantees (NULLs never collide in a unique
    # constraint).
    __table_args__ = (
        sa.UniqueConstraint("region_code", "year", "sequence"),
        sa.Index("uq_releases_platform_year_sequence", "year", "sequence", unique=True,
                 sqlite_where=sa.text("region_code IS NULL"),
                 postgresql_where=sa.text("region_code IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    # The city or district that published it (红谷滩区2026年第二批…); None: the platform's.
    region_code: Mapped[str | None] = mapped_column(sa.ForeignKey("regions.code"),
                                                    index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    published_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    region = relationship("Region")

    audit_type = "release"
    audit_fields = ("title", "region_code", "year", "sequence", "status", "published_on")

    is_published = state_is("published")

    @property
    def status_label(self) -> str:
        return RELEASE_STATUSES[self.status]

    @property
    def publisher_label(self) -> str:
        """Who published it: the region's full name, or the platform."""
        return self.region.full_name if self.region_code else PLATFORM_PUBLISHER

    def __str__(self):
        return self.title
