"""揭榜 / 答题: questions on published opportunities, and enterprises' proposals."""
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from marketplace.db import state_is, utcnow
from marketplace.extensions import db

PROPOSAL_STATUSES = {
    "draft": "草稿", "submitted": "已提交", "withdrawn": "已撤回",
    "shortlisted": "入围", "not_selected": "未入选", "selected": "已选定",
}
PROPOSAL_TRANSITIONS = {
    "draft": {"submitted"},
    "submitted": {"withdrawn", "shortlisted", "not_selected", "selected"},
    "shortlisted": {"withdrawn", "not_selected", "selected"},
    "withdrawn": {"draft"},
    "not_selected": set(),
    "selected": set(),
}

proposal_products = sa.Table(
    "proposal_products", db.metadata,
    sa.Column("proposal_id", sa.ForeignKey("proposals.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("product_id", sa.ForeignKey("products.id"), primary_key=True),
)


class Question(db.Model):
    """A clarification question; public once answered, with the asker anonymised."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    opportunity = relationship("Opportunity")
    organization = relationship("Organization")

    audit_type = "question"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class Proposal(db.Model):
    """An enterprise's or institute's answer to an opportunity (one per organization)."""

    __tablename__ = "proposals"
    __table_args__ = (sa.UniqueConstraint("opportunity_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    approach: Mapped[str] = mapped_column(sa.Text, default="")
    timeline: Mapped[str] = mapped_column(sa.String(200), default="")
    price_wan: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    decline_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    opportunity = relationship("Opportunity")
    organization = relationship("Organization")
    products = relationship("Product", secondary=proposal_products, order_by="Product.id")
    members = relationship("ConsortiumMember", cascade="all, delete-orphan",
                           order_by="ConsortiumMember.id")
    attachments = relationship("Attachment", cascade="all, delete-orphan",
                               order_by="Attachment.id", back_populates="proposal")

    audit_type = "proposal"
    audit_fields = ("summary", "approach", "timeline", "price_wan", "status",
                    "decline_reason")

    @property
    def status_label(self) -> str:
        return PROPOSAL_STATUSES[self.status]

    # Display facts for pages and e-mails, so that templates never compare status strings.
    is_shortlisted = state_is("shortlisted")
    is_selected = state_is("selected")
    is_declined = state_is("not_selected")  # 未入选, with the department's reason


class ConsortiumMember(db.Model):
    """A member of a 场景建设联合体 led by the proposal's organization."""

    __tablename__ = "consortium_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[str] = mapped_column(sa.String(50))
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))

    organization = relationship("Organization")


class StoredFileMixin:
    """The columns of an uploaded file checked and stored by ``attachments.store_upload``
    (a proposal's attachments, a designation's evidence)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr
    def uploaded_by_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("users.id"))


class Attachment(StoredFileMixin, db.Model):
    """A file of a proposal, stored under a server-generated name outside static/."""

    __tablename__ = "attachments"

    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)

    proposal = relationship("Proposal", back_populates="attachments")
