"""Reads of releases: public pages, exports, the admin's composing page."""
import sqlalchemy as sa

from marketplace import authz
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.listings.queries import listing_loads
from marketplace.releases.models import Release
from marketplace.taxonomy.queries import region_path


def published_releases(limit: int | None = None) -> list[Release]:
    query = (sa.select(Release).where(Release.status == "published")
             .options(region_path(Release.region))
             .order_by(Release.published_on.desc(), Release.id.desc()))
    if limit:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def all_releases(region_code: str | None = None) -> list[Release]:
    """Every release, or those of ``region_code``'s subtree (a region administrator's:
    the platform's own batches are not among them)."""
    query = sa.select(Release).options(region_path(Release.region))
    if region_code is not None:
        query = query.where(Release.region_code.startswith(authz.region_prefix(region_code)))
    return db.session.scalars(query.order_by(Release.year.desc(), Release.region_code,
                                             Release.sequence.desc())).all()


def draft_releases(region_code: str | None = None) -> list[Release]:
    """Releases still being composed, or those of ``region_code``'s subtree; the oldest
    first (the one waiting longest to be published)."""
    query = sa.select(Release).where(Release.status == "draft").options(
        region_path(Release.region))
    if region_code is not None:
        query = query.where(Release.region_code.startswith(authz.region_prefix(region_code)))
    return db.session.scalars(query.order_by(Release.created_at, Release.id)).all()


def release(release_id: int) -> Release | None:
    """One release with the region its pages show."""
    return db.session.scalar(sa.select(Release).where(Release.id == release_id)
                             .options(region_path(Release.region)))


def published_count(region_code: str, year: int | None = None) -> int:
    """How many releases ``region_code`` itself published (in ``year``): the district's
    count of published lists."""
    query = sa.select(sa.func.count(Release.id)).where(Release.status == "published",
                                                      Release.region_code == region_code)
    if year is not None:
        query = query.where(Release.year == year)
    return db.session.scalar(query)


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


def item_counts_of(release_list: list[Release]) -> dict[int, dict[str, int]]:
    """{release id: {kind: listings in it}} for several releases: one grouped query per
    kind, nothing loaded (for lists of releases, such as the home page's)."""
    counts = {r.id: dict.fromkeys(LISTING_MODELS, 0) for r in release_list}
    if not counts:
        return counts
    for kind, model in LISTING_MODELS.items():
        rows = db.session.execute(sa.select(model.release_id, sa.func.count(model.id))
                                  .where(model.release_id.in_(counts))
                                  .group_by(model.release_id))
        for release_id, number in rows:
            counts[release_id][kind] = number
    return counts


def item_counts(release: Release) -> dict[str, int]:
    """{kind: listings in ``release``}, counted, not loaded."""
    return item_counts_of([release])[release.id]
