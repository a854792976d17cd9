"""Figures for the public home page."""
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from marketplace.accounts.models import Organization
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.listings.queries import listing_loads
from marketplace.matching.queries import signed_totals


@dataclass
class Headline:
    """The programme in four numbers (and the verified organizations behind them)."""
    opportunities: int      # published and open for answers
    products: int
    signed: int             # pairings that reached a contract (matching's SIGNED_STAGES)
    signed_amount_wan: Decimal
    organizations: int


def public_counts() -> dict[str, int]:
    """Published listings of each kind, and verified organizations."""
    counts = {kind: db.session.scalar(sa.select(sa.func.count(model.id))
                                      .where(model.status == "published"))
              for kind, model in LISTING_MODELS.items()}
    counts["organizations"] = db.session.scalar(
        sa.select(sa.func.count(Organization.id)).where(Organization.status == "verified"))
    return counts


def headline() -> Headline:
    """The home page's figures; "signed" is the matching package's definition, the one
    the funnel and the 十百千 dashboards use."""
    counts = public_counts()
    signed, amount = signed_totals()
    return Headline(opportunities=counts["opportunity"], products=counts["product"],
                    signed=signed, signed_amount_wan=amount,
                    organizations=counts["organizations"])


def latest_listings(kind: str, limit: int = 5) -> list:
    model = LISTING_MODELS[kind]
    return db.session.scalars(sa.select(model).where(model.status == "published")
                              .options(*listing_loads(model))
                              .order_by(model.published_at.desc(), model.id.desc())
                              .limit(limit)).all()
