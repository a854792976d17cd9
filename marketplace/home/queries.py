"""Figures for the public home page."""
import sqlalchemy as sa

from marketplace.accounts.models import Organization
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.listings.queries import listing_loads


def public_counts() -> dict[str, int]:
    counts = {kind: db.session.scalar(sa.select(sa.func.count(model.id))
                                      .where(model.status == "published"))
              for kind, model in LISTING_MODELS.items()}
    counts["organizations"] = db.session.scalar(
        sa.select(sa.func.count(Organization.id)).where(Organization.status == "verified"))
    return counts


def latest_listings(kind: str, limit: int = 5) -> list:
    model = LISTING_MODELS[kind]
    return db.session.scalars(sa.select(model).where(model.status == "published")
                              .options(*listing_loads(model))
                              .order_by(model.published_at.desc(), model.id.desc())
                              .limit(limit)).all()
