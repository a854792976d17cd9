"""Reads of listings for public pages, owners' pages and the review queue."""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace import authz
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS, PUBLIC_STATUSES, ListingLink, Revision
from marketplace.taxonomy.models import Field, Tag
from marketplace.taxonomy.queries import region_code_filter, region_path
from marketplace.validators import as_id

# The public lists' status filter keys; each kind names them (``public_status_filters``).
PUBLIC_STATUS_FILTERS = ("published", "closed", "all")


@dataclass
class ListFilters:
    field: int | None = None
    region: str | None = None
    tag: int | None = None
    release: int | None = None
    status: str = "published"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "ListFilters":
        def number(name):
            return as_id(args.get(name, ""))

        status = args.get("status", "published")
        return cls(field=number("field"), region=args.get("region") or None, tag=number("tag"),
                   release=number("release"),
                   status=status if status in PUBLIC_STATUS_FILTERS else "published",
                   page=max(number("page") or 1, 1))


def listing_loads(model) -> list:
    """Loader options for what listing pages show with a listing: its organization, field
    and field group, region path, release and tags.

    The field path and region path come in queries of their own (one each, whatever the
    number of rows): joined to the listing query they made an eight-table join that
    PostgreSQL spent ~15 ms planning on every list page."""
    return [joinedload(model.organization), joinedload(model.release),
            selectinload(model.field).joinedload(Field.parent),
            region_path(model.region, selectinload), selectinload(model.tags)]


def one_listing_loads(model) -> list:
    """``listing_loads`` for a single listing: the paths joined to its row (for one row
    that costs the database less than the separate queries cost Python)."""
    return [joinedload(model.organization), joinedload(model.field).joinedload(Field.parent),
            region_path(model.region), joinedload(model.release), selectinload(model.tags)]


def _with_relations(query, model):
    return query.options(*listing_loads(model))


def public_query(model, filters: ListFilters):
    statuses = PUBLIC_STATUSES if filters.status == "all" else (filters.status,)
    query = sa.select(model).where(model.status.in_(statuses))
    if filters.field:
        child_ids = sa.select(Field.id).where(Field.parent_id == filters.field)
        query = query.where(sa.or_(model.field_id == filters.field,
                                   model.field_id.in_(child_ids)))
    region_clause = region_code_filter(model.region_code, filters.region)
    if region_clause is not None:
        query = query.where(region_clause)
    if filters.tag:
        query = query.where(model.tags.any(Tag.id == filters.tag))
    if filters.release:
        query = query.where(model.release_id == filters.release)
    return _with_relations(query, model).order_by(model.published_at.desc(), model.id.desc())


def public_page(model, filters: ListFilters, per_page: int):
    return db.paginate(public_query(model, filters), page=filters.page, per_page=per_page,
                       error_out=False)


def listing(model, item_id: int):
    """One listing with what its pages show of it (listing_loads), or None."""
    return db.session.scalar(sa.select(model).where(model.id == item_id)
                             .options(*one_listing_loads(model)))


def visible_listing(model, item_id: int, user):
    """The listing if ``user`` may see it (``authz.can_view_listing``). Raises NotFound
    otherwise, as for a missing one (no existence leak)."""
    item = listing(model, item_id)
    if item is None or not authz.can_view_listing(user, item):
        raise NotFound()
    return item


def organization_listings(model, organization_id: int):
    query = sa.select(model).where(model.organization_id == organization_id)
    return db.session.scalars(_with_relations(query, model)
                              .order_by(model.updated_at.desc())).unique().all()


def in_region(query, model, region_code: str | None):
    """``query`` narrowed to listings in ``region_code``'s subtree (None: everywhere) — a
    region administrator's pages pass ``authz.region_scope(user)``."""
    if region_code is None:
        return query
    return query.where(model.region_code.startswith(authz.region_prefix(region_code)))


def review_queue_query(model, region_code: str | None = None):
    """Submitted listings waiting for review (in ``region_code``'s subtree)."""
    return in_region(sa.select(model).where(model.status == "submitted"), model, region_code)


def review_queue(model, region_code: str | None = None):
    query = review_queue_query(model, region_code)
    return db.session.scalars(_with_relations(query, model)
                              .order_by(model.submitted_at)).unique().all()


def approved_unassigned_query(model, region_code: str | None = None):
    """Approved listings in no release yet (in ``region_code``'s subtree): what a release
    of that region may take."""
    query = sa.select(model).where(model.status == "approved", model.release_id.is_(None))
    return in_region(query, model, region_code)


def approved_unassigned(model, region_code: str | None = None):
    query = approved_unassigned_query(model, region_code)
    return db.session.scalars(_with_relations(query, model).order_by(model.id)).unique().all()


# Listings their organization still has to finish and submit (a returned one with the
# reviewer's reason).
UNFINISHED_STATUSES = ("draft", "returned")


def unfinished_query(model, organization_id: int):
    """The organization's drafts and returned listings of ``model``."""
    return sa.select(model).where(model.organization_id == organization_id,
                                  model.status.in_(UNFINISHED_STATUSES))


def unfinished(model, organization_id: int, limit: int) -> list:
    """The organization's drafts and returned listings, returned ones first, then the
    most recently changed."""
    returned_first = sa.case((model.status == "returned", 0), else_=1)
    query = unfinished_query(model, organization_id).order_by(
        returned_first, model.updated_at.desc(), model.id.desc()).limit(limit)
    return db.session.scalars(query).all()


def _with_listings(revisions) -> list[tuple[Revision, object]]:
    """[(revision, its listing or None)]: the listings of each kind in one query."""
    loaded = {}
    for kind, model in LISTING_MODELS.items():
        ids = [r.listing_id for r in revisions if r.listing_kind == kind]
        if ids:
            query = sa.select(model).where(model.id.in_(ids)).options(*listing_loads(model))
            loaded.update({(kind, item.id): item for item in db.session.scalars(query)})
    return [(r, loaded.get((r.listing_kind, r.listing_id))) for r in revisions]


def pending_revisions_query(region_code: str | None = None):
    """Pending revisions (of listings in ``region_code``'s subtree), for counting."""
    query = sa.select(Revision).where(Revision.status == "pending")
    if region_code is None:
        return query
    prefix = authz.region_prefix(region_code)
    return query.where(sa.or_(*(
        sa.and_(Revision.listing_kind == kind, Revision.listing_id.in_(
            sa.select(model.id).where(model.region_code.startswith(prefix))))
        for kind, model in LISTING_MODELS.items())))


def pending_revisions(region_code: str | None = None) -> list[tuple[Revision, object]]:
    """Pending revisions with their listings (of ``region_code``'s subtree only)."""
    revisions = db.session.scalars(sa.select(Revision).where(Revision.status == "pending")
                                   .options(joinedload(Revision.created_by))
                                   .order_by(Revision.created_at)).all()
    pairs = _with_listings(revisions)
    if region_code is None:
        return pairs
    prefix = authz.region_prefix(region_code)
    return [(r, item) for r, item in pairs
            if item is not None and item.region_code.startswith(prefix)]


def revision(revision_id: int) -> tuple[Revision, object] | None:
    """A revision with its listing, as the review page shows them, or None."""
    found = db.session.scalar(sa.select(Revision).where(Revision.id == revision_id)
                              .options(joinedload(Revision.created_by)))
    return _with_listings([found])[0] if found else None


def latest_revision(item) -> Revision | None:
    return db.session.scalar(sa.select(Revision).where(
        Revision.listing_kind == item.kind, Revision.listing_id == item.id)
        .order_by(Revision.created_at.desc()).limit(1))


def count_by_status(model, region_code: str | None = None) -> dict[str, int]:
    query = in_region(sa.select(model.status, sa.func.count(model.id)), model, region_code)
    rows = db.session.execute(query.group_by(model.status)).all()
    return dict(rows)


def release_choices(model) -> list:
    """Published releases that contain listings of this kind (for the filter)."""
    # Release sits above listings in the dependency order, so reach it through the mapper.
    release_cls = model.release.property.mapper.class_
    query = (sa.select(release_cls).where(release_cls.status == "published",
                                          release_cls.id.in_(sa.select(model.release_id)))
             .order_by(release_cls.published_on.desc()))
    return db.session.scalars(query).all()


# --- decisions about look-alikes (listings.links) --------------------------------------
def _touching(kind: str, ids):
    return sa.and_(ListingLink.listing_kind == kind, sa.or_(
        ListingLink.first_id.in_(ids), ListingLink.second_id.in_(ids)))


def listings_by_id(model, ids) -> dict[int, object]:
    """id → listing with what pages show of it, in one query."""
    ids = set(ids)
    if not ids:
        return {}
    query = sa.select(model).where(model.id.in_(ids)).options(*listing_loads(model))
    return {item.id: item for item in db.session.scalars(query)}


def links_of(item) -> list[tuple[ListingLink, object]]:
    """Every decision about ``item`` with the other listing, newest first."""
    links = db.session.scalars(sa.select(ListingLink).where(_touching(item.kind, [item.id]))
                               .options(joinedload(ListingLink.created_by))
                               .order_by(ListingLink.created_at.desc())).all()
    others = listings_by_id(type(item), [link.other_id(item.id) for link in links])
    return [(link, others[link.other_id(item.id)]) for link in links
            if link.other_id(item.id) in others]


def related_public(item) -> list:
    """The public listings marked related to ``item`` (its public page links them)."""
    return [other for link, other in links_of(item)
            if link.kind == "related" and other.is_public]


def decided_pairs(kind: str, ids) -> set[tuple[int, int]]:
    """The (first, second) pairs among or with ``ids`` that an administrator decided
    about: they are no longer suggested as look-alikes."""
    ids = list(set(ids))
    if not ids:
        return set()
    rows = db.session.execute(sa.select(ListingLink.first_id, ListingLink.second_id)
                              .where(_touching(kind, ids)))
    return {(first, second) for first, second in rows}


def link(link_id: int) -> ListingLink | None:
    return db.session.get(ListingLink, link_id)
