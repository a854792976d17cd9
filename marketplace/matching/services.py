"""Stored recommendations: recomputed when listings are indexed, never on page views.

``sync_once`` is the drain's full step: apply index tasks, then refresh the stored
recommendations of every listing that changed (one query in each direction), and work
through queued refreshes (after a rebuild) a batch at a time.
"""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.matching.models import Recommendation
from marketplace.search.documents import doc_from_listing
from marketplace.search.drain import drain, published_listings
from marketplace.search.engine import MatchEngine
from marketplace.search.models import IndexTask

KEPT = 10
REFRESH_BATCH = 50
OTHER_KIND = {"opportunity": "product", "product": "opportunity"}


@dataclass
class SyncResult:
    applied: int = 0
    refreshed: int = 0
    locked: bool = False
    rebuilt: bool = False


def _column(kind: str):
    return Recommendation.opportunity_id if kind == "opportunity" else Recommendation.product_id


def remove(kind: str, item_id: int) -> None:
    db.session.execute(sa.delete(Recommendation).where(_column(kind) == item_id))


def _load(model, ids):
    return {o.id: o for o in db.session.scalars(
        sa.select(model).where(model.id.in_(ids)).options(
            joinedload(model.organization), joinedload(model.field),
            joinedload(model.region), selectinload(model.tags))).unique()}


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
    others = _load(LISTING_MODELS[other_kind], set(wanted) | set(existing))
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


def after_rebuild() -> None:
    """A new index (perhaps new language data): every listing's recommendations are
    recomputed, a batch per drain pass; until then pages show the previous ones."""
    db.session.execute(sa.delete(IndexTask).where(IndexTask.kind.like("recommend:%")))
    _queue_refresh_all()


def pending_refreshes() -> int:
    return db.session.scalar(sa.select(sa.func.count(IndexTask.id))
                             .where(IndexTask.kind.like("recommend:%")))


def _queue_refresh_all() -> None:
    rows = [{"kind": f"recommend:{item.kind}", "object_id": item.id}
            for item in published_listings()]
    if rows:
        db.session.execute(sa.insert(IndexTask.__table__), rows)


def _queued_refreshes(engine: MatchEngine) -> int:
    tasks = db.session.scalars(sa.select(IndexTask).where(IndexTask.kind.like("recommend:%"))
                               .order_by(IndexTask.id).limit(REFRESH_BATCH)).all()
    done = 0
    for task in tasks:
        kind = task.kind.split(":", 1)[1]
        item = db.session.get(LISTING_MODELS[kind], task.object_id)
        if item is not None and item.status == "published":
            refresh(engine, item)
            done += 1
        db.session.delete(task)
    db.session.flush()
    return done


def sync_once(engine: MatchEngine) -> SyncResult:
    """One drain step (the caller commits)."""
    result = drain(engine.index)
    if result.locked:
        return SyncResult(locked=True)
    for kind, item_id in result.removed:
        remove(kind, item_id)
    sync = SyncResult(applied=result.applied, rebuilt=result.rebuilt)
    if result.rebuilt:
        after_rebuild()
    else:
        for item in result.indexed:
            refresh(engine, item)
            sync.refreshed += 1
    sync.refreshed += _queued_refreshes(engine)
    return sync
