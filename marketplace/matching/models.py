"""Stored recommendations: computed when a listing is indexed, read by pages."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import utcnow
from marketplace.extensions import db

BANDS = {"strong": "强", "medium": "中", "weak": "弱"}


class Recommendation(db.Model):
    """A scored opportunity–product pair with the evidence that explains it.

    The score is symmetric, so the same row serves the opportunity's page (products that
    fit it) and the product's page (opportunities it could answer)."""

    __tablename__ = "recommendations"
    __table_args__ = (sa.UniqueConstraint("opportunity_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    score: Mapped[float]
    band: Mapped[str] = mapped_column(sa.String(10))
    # Whether the pair is among the opportunity's / the product's own top matches: a
    # page lists the rows flagged for its side.
    in_opportunity_list: Mapped[bool] = mapped_column(default=False)
    in_product_list: Mapped[bool] = mapped_column(default=False)
    evidence: Mapped[dict] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    opportunity = relationship("Opportunity")
    product = relationship("Product")

    @property
    def band_label(self) -> str:
        return BANDS[self.band]
