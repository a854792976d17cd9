"""机会清单: a department's application scenario need."""
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.listings.models import ListingMixin, register_listing_model

opportunity_tags = sa.Table(
    "opportunity_tags", db.metadata,
    sa.Column("opportunity_id", sa.ForeignKey("opportunities.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True),
)


@register_listing_model
class Opportunity(ListingMixin, db.Model):
    __tablename__ = "opportunities"

    kind = "opportunity"
    endpoint = "opportunities"  # blueprint and template folder
    kind_label = "机会"
    list_label = "机会清单"
    number_prefix = "JH"
    audit_type = "opportunity"
    # The public list's status words: open for answers (征集中) or closed.
    public_status_filters = {"published": "征集中", "closed": "已关闭", "all": "全部"}

    budget_wan: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    deadline: Mapped[date | None]
    timeline: Mapped[str] = mapped_column(sa.String(200), default="")
    cooperation_mode: Mapped[str] = mapped_column(sa.String(20), default="")

    tags = relationship("Tag", secondary=opportunity_tags, order_by="Tag.id")

    content_fields = ("title", "summary", "description", "field_id", "region_code",
                      "budget_wan", "deadline", "timeline", "cooperation_mode",
                      "contact_name", "contact_phone", "contact_consent", "tag_ids")
