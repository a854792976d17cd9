"""The listing workflow shared by opportunities and products, and pending revisions.

draft → submitted → returned | approved → published (only through a release) → closed.
A published listing is never changed in place: an edit becomes a pending ``Revision``
that an admin approves (then applied, keeping the public number) or returns.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from marketplace.db import state_is, utcnow
from marketplace.extensions import db

STATUSES = {
    "draft": "草稿", "submitted": "待审核", "returned": "已退回",
    "approved": "已通过", "published": "已发布", "closed": "已关闭",
}
TRANSITIONS = {
    "draft": {"submitted"},
    "submitted": {"draft", "returned", "approved"},
    "returned": {"submitted"},
    "approved": {"submitted", "returned", "published"},
    "published": {"closed"},
    "closed": set(),
}
OUTCOMES = ("已对接", "已签约", "已落地", "撤回", "过期")
PUBLIC_STATUSES = ("published", "closed")
EDITABLE_STATUSES = ("draft", "returned", "approved", "published")
# Statuses a look-alike is returned from when a pair is marked duplicate (the workflow's
# return-with-reason moves); a published listing is never returned.
UNDER_REVIEW = ("submitted", "approved")


class ListingMixin:
    """Columns every listing has. ``title`` is a product's name (产品名称)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    contact_name: Mapped[str] = mapped_column(sa.String(50), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(30), default="")
    # The contact person agreed to be shown (个人信息保护法): without it the public page
    # names no person and gives no number.
    contact_consent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    return_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    outcome: Mapped[str] = mapped_column(sa.String(20), default="")
    public_number: Mapped[str | None] = mapped_column(sa.String(30), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    @declared_attr.directive
    def __table_args__(cls):
        # The public lists and the home page show the newest published first: with this
        # index PostgreSQL reads one page of rows instead of sorting every match.
        return (sa.Index(f"ix_{cls.__tablename__}_published_at_id", "published_at", "id"),)

    @declared_attr
    def organization_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("organizations.id"), index=True)

    @declared_attr
    def field_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("fields.id"), index=True)

    @declared_attr
    def region_code(cls) -> Mapped[str]:
        return mapped_column(sa.ForeignKey("regions.code"), index=True)

    @declared_attr
    def release_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("releases.id"), index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("users.id"))

    @declared_attr
    def organization(cls):
        return relationship("Organization")

    @declared_attr
    def field(cls):
        return relationship("Field")

    @declared_attr
    def region(cls):
        return relationship("Region")

    @declared_attr
    def release(cls):
        return relationship("Release")

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    # Display facts for pages, so that templates never compare status strings.
    is_published = state_is("published")
    is_closed = state_is("closed")
    is_returned = state_is("returned")
    is_approved = state_is("approved")

    @property
    def awaits_approval(self) -> bool:
        """Still with its owner or under review: a duplicate can yet be avoided."""
        return self.status in ("draft", "submitted", "returned")

    @property
    def is_under_review(self) -> bool:
        """Submitted or approved, not yet published: may be returned as a duplicate."""
        return self.status in UNDER_REVIEW

    @property
    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags]

    @property
    def tag_ids(self) -> list[int]:
        return sorted(t.id for t in self.tags)

    def __str__(self):
        return self.title


REVISION_STATUSES = {
    "pending": "待审核", "approved": "已生效", "returned": "已退回", "discarded": "已作废",
}
# Every decision is final: a returned owner edits again, which opens a new revision, and
# closing a listing discards the one still pending.
REVISION_TRANSITIONS = {
    "pending": {"approved", "returned", "discarded"},
    "approved": set(),
    "returned": set(),
    "discarded": set(),
}


class Revision(db.Model):
    """An edit of a published listing, waiting for review before anyone sees it."""

    __tablename__ = "listing_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_kind: Mapped[str] = mapped_column(sa.String(20))
    listing_id: Mapped[int] = mapped_column(index=True)
    data: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending", index=True)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    created_by = relationship("User", foreign_keys=[created_by_id])

    audit_type = "revision"

    @property
    def status_label(self) -> str:
        return REVISION_STATUSES.get(self.status, self.status)

    is_pending = state_is("pending")
    is_returned = state_is("returned")
    is_approved = state_is("approved")

    __table_args__ = (sa.Index("ix_listing_revisions_listing", "listing_kind", "listing_id"),)


LINK_KINDS = {"duplicate": "重复", "related": "相关", "dismissed": "不重复"}


class ListingLink(db.Model):
    """An administrator's decision about two listings of one list: ``duplicate`` (the
    one under review, or the newer, was returned: ``returned_id``), ``related`` (their
    public pages link each other) or ``dismissed`` (not duplicates: no longer suggested).

    One row per pair whichever way round it was marked: ``first_id`` < ``second_id``."""

    __tablename__ = "listing_links"
    __table_args__ = (
        sa.UniqueConstraint("listing_kind", "first_id", "second_id"),
        sa.CheckConstraint("first_id < second_id", name="ordered_pair"),
        sa.Index("ix_listing_links_second", "listing_kind", "second_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_kind: Mapped[str] = mapped_column(sa.String(20))
    first_id: Mapped[int]
    second_id: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20))
    returned_id: Mapped[int | None]
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by = relationship("User")

    audit_type = "listing_link"

    @property
    def kind_label(self) -> str:
        return LINK_KINDS[self.kind]

    @property
    def ids(self) -> tuple[int, int]:
        return self.first_id, self.second_id

    def other_id(self, item_id: int) -> int:
        return self.second_id if item_id == self.first_id else self.first_id

    @property
    def is_reversible(self) -> bool:
        """A duplicate returned a listing through the workflow; that stays done."""
        return self.kind != "duplicate"


# kind → model class; each listing model registers itself where it is defined.
LISTING_MODELS: dict[str, type] = {}


def register_listing_model(model):
    LISTING_MODELS[model.kind] = model
    return model
