"""Reads of releases: public pages, exports, the admin's composing page."""
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.listings.queries import listing_loads
from marketplace.releases.models import Release


def published_releases(limit: int | None = None) -> list[Release]:
    query = (sa.select(Release).where(Release.status == "published")
             .order_by(Release.published_on.desc(), Release.id.desc()))
    if limit:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def all_releases() -> list[Release]:
    return db.session.scalars(sa.select(Release).order_by(Release.year.desc(),
                                                          Release.sequence.desc())).all()


def items_by_kind(release: Release) -> dict[str, list]:
    """{'opportunity': [...], 'product': [...]} in public-number order, with what the
    release pages show of each listing."""
    result = {}
    for kind, model in LISTING_MODELS.items():
        order = (model.public_number, model.id)
        result[kind] = db.session.scalars(
            sa.select(model).where(model.release_id == release.id)
            .options(*listing_loads(model)).order_by(*order)).all()
    return result


def item_counts(release: Release) -> dict[str, int]:
    return {kind: len(items) for kind, items in items_by_kind(release).items()}
