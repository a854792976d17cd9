"""Stored recommendations: recomputed when listings are indexed, never on page views.

``refresh`` recomputes one listing's rows (one query in each direction); ``remove``
drops the rows of a listing that left the index; after a rebuild every published
listing is queued (``queue_refresh_all``) and ``refresh_queued`` works through the queue
a batch at a time. When these run is decided by the sync step (``marketplace.sync``),
which owns keeping the index and the stored rows current.
"""
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.matching import similar
from marketplace.matching.models import Recommendation, RefreshTask
from marketplace.search.documents import doc_from_listing
from marketplace.search.drain import load_listings, published_listings
from marketplace.search.engine import MatchEngine

KEPT = 10
REFRESH_BATCH = 50
OTHER_KIND = {"opportunity": "product", "product": "opportunity"}


def _column(kind: str):
    return Recommendation.opportunity_id if kind == "opportunity" else Recommendation.product_id


def remove(kind: str, item_id: int) -> None:
    """Drop every stored pair of a listing that is no longer published."""
    db.session.execute(sa.delete(Recommendation).where(_column(kind) == item_id))


def _side(kind: str) -> str:
    return "in_opportunity_list" if kind == "opportunity" else "in_product_list"


def _other_id(row: Recommendation, kind: str) -> int:
    return row.product_id if kind == "opportunity" else row.opportunity_id


def _apply(row: Recommendation, scored) -> None:
    row.score, row.band, row.evidence = scored[0], scored[1], scored[2]
    row.computed_at = utcnow()


def refresh(engine: MatchEngine, item) -> int:
    """Recompute one published listing's own top matches (one query) and re-score the
    pairs other listings hold with it; returns how many it lists."""
    other_kind, side = OTHER_KIND[item.kind], _side(item.kind)
    doc = doc_from_listing(item)
    existing = {_other_id(row, item.kind): row for row in db.session.scalars(
        sa.select(Recommendation).where(_column(item.kind) == item.id))}
    matches = engine.recommend(doc, other_kind, limit=KEPT)
    wanted = [int(m.key.split(":")[1]) for m in matches]
    others = {other.id: other for other in load_listings(LISTING_MODELS[other_kind],
                                                         set(wanted) | set(existing))}
    scored = {other_id: engine.explain(doc, doc_from_listing(other))
              for other_id, other in others.items() if other.status == "published"}
    listed = 0
    for other_id in wanted:
        if other_id not in scored or scored[other_id][1] is None:
            continue
        row = existing.pop(other_id, None)
        if row is None:
            pair = (item.id, other_id) if item.kind == "opportunity" else (other_id, item.id)
            row = Recommendation(opportunity_id=pair[0], product_id=pair[1])
            db.session.add(row)
        _apply(row, scored[other_id])
        setattr(row, side, True)
        listed += 1
    for other_id, row in existing.items():  # pairs the other side lists, or stale ones
        setattr(row, side, False)
        result = scored.get(other_id)
        if result is None or result[1] is None or not (row.in_opportunity_list
                                                       or row.in_product_list):
            db.session.delete(row)
        else:
            _apply(row, result)
    db.session.flush()
    return listed


def queue_refresh_all() -> None:
    """A new index (perhaps new language data): every published listing's recommendations
    and look-alike pairs, and those of the listings under review, are to be recomputed, a
    batch per sync pass; until then pages show the previous ones. Earlier queued
    refreshes are replaced."""
    db.session.execute(sa.delete(RefreshTask))
    rows = [{"listing_kind": item.kind, "listing_id": item.id}
            for item in published_listings()]
    for kind, model in LISTING_MODELS.items():
        rows += [{"listing_kind": kind, "listing_id": item_id} for item_id in
                 db.session.scalars(sa.select(model.id).where(
                     model.status.in_(similar.UNDER_REVIEW)).order_by(model.id))]
    if rows:
        db.session.execute(sa.insert(RefreshTask), rows)


def pending_refreshes() -> int:
    return db.session.scalar(sa.select(sa.func.count(RefreshTask.id)))


def refresh_queued(engine: MatchEngine, limit: int = REFRESH_BATCH) -> int:
    """Refresh up to ``limit`` queued listings (oldest first) and take them off the queue:
    the recommendations of published ones, the look-alike pairs of published ones and
    of those under review; returns how many were refreshed."""
    tasks = db.session.scalars(sa.select(RefreshTask).order_by(RefreshTask.id)
                               .limit(limit)).all()
    done = 0
    peers = similar.Peers(engine)
    for task in tasks:
        item = db.session.get(LISTING_MODELS[task.listing_kind], task.listing_id)
        if item is not None and item.status == "published":
            refresh(engine, item)
        if item is not None and item.status in similar.LIVE:
            similar.refresh(engine, item, peers)
            done += 1
        db.session.delete(task)
    db.session.flush()
    return done
