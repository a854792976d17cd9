"""产品清单: a product, solution or capability an enterprise or institute supplies."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.listings.models import ListingMixin, register_listing_model

MATURITIES = ("研发", "试点", "成熟")

product_tags = sa.Table(
    "product_tags", db.metadata,
    sa.Column("product_id", sa.ForeignKey("products.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True),
)


@register_listing_model
class Product(ListingMixin, db.Model):
    __tablename__ = "products"

    kind = "product"
    endpoint = "products"  # blueprint and template folder
    kind_label = "产品"
    list_label = "产品清单"
    number_prefix = "CP"
    audit_type = "product"
    # What the public list calls a product's states: on offer (在架) or taken off it (已下架);
    # 征集中 belongs to opportunities, which call for answers.
    public_status_filters = {"published": "在架", "closed": "已下架", "all": "全部"}

    scenarios: Mapped[str] = mapped_column(sa.Text, default="")
    maturity: Mapped[str] = mapped_column(sa.String(10), default="")
    cases: Mapped[str] = mapped_column(sa.Text, default="")

    tags = relationship("Tag", secondary=product_tags, order_by="Tag.id")

    content_fields = ("title", "summary", "description", "field_id", "region_code",
                      "scenarios", "maturity", "cases", "contact_name", "contact_phone", "contact_consent",
                      "tag_ids")
