"""Stored recommendations: recomputed when listings are indexed, never on page views.

``refresh`` recomputes one listing's rows (one query in each direction); ``remove``
drops the rows of a listing that left the index; after a rebuild every published
listing is queued (``queue_refresh_all``) and ``refresh_queued`` works through the queue
a batch at a time. When these run is decided by the sync step (``marketplace.sync``),
which owns keeping the index and the stored rows current.
"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from marketplace.db import serialize, utcnow
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.matching import similar
from marketplace.matching.models import Recommendation, RefreshRun, RefreshTask
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


def existing_rows(kind: str, item_id: int) -> dict[int, Recommendation]:
    """The stored pairs of a listing, by the other listing's id."""
    return {_other_id(row, kind): row for row in db.session.scalars(
        sa.select(Recommendation).where(_column(kind) == item_id))}


def pairs_of(keys: list[tuple[str, int]]) -> set[tuple[int, int]]:
    """(opportunity id, product id) of every stored pair of these listings (kind, id)."""
    opportunities = [i for kind, i in keys if kind == "opportunity"]
    products = [i for kind, i in keys if kind == "product"]
    found = set()
    for column, ids in ((Recommendation.opportunity_id, opportunities),
                        (Recommendation.product_id, products)):
        for start in range(0, len(ids), 1000):
            found.update(db.session.execute(
                sa.select(Recommendation.opportunity_id, Recommendation.product_id)
                .where(column.in_(ids[start:start + 1000]))).tuples())
    return found


def refresh(engine: MatchEngine, item) -> int:
    """Recompute one published listing's own top matches (one query) and re-score the
    pairs other listings hold with it; returns how many it lists."""
    doc = doc_from_listing(item)
    existing = existing_rows(item.kind, item.id)
    matches = engine.recommend(doc, OTHER_KIND[item.kind], limit=KEPT)
    wanted = [int(m.key.split(":")[1]) for m in matches]
    others = {other.id: other for other in load_listings(LISTING_MODELS[OTHER_KIND[item.kind]],
                                                         set(wanted) | set(existing))}
    scored = {other_id: engine.explain(doc, doc_from_listing(other))
              for other_id, other in others.items() if other.status == "published"}
    return store(item.kind, item.id, wanted, scored, existing)


def store(kind: str, item_id: int, wanted: list[int], scored: dict, existing: dict) -> int:
    """Write a listing's recomputed pairs: ``wanted`` (the other listings' ids it lists,
    best first) flagged for its side, every other pair in ``existing`` (its stored rows by
    the other's id) unflagged and re-scored, or deleted when neither side lists it or the
    other is gone. ``scored``: other id → (score, band, evidence) of every published
    other in either. Returns how many it lists."""
    side = _side(kind)
    listed = 0
    for other_id in wanted:
        if other_id not in scored or scored[other_id][1] is None:
            continue
        row = existing.pop(other_id, None)
        if row is None:
            pair = (item_id, other_id) if kind == "opportunity" else (other_id, item_id)
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
    and look-alike pairs, and those of the listings under review, are to be recomputed
    (``matching.bulk``, or a batch per sync pass); until then pages show the previous
    ones. Earlier queued refreshes are replaced; the run's size and start are kept for
    ``progress``."""
    db.session.execute(sa.delete(RefreshTask))
    db.session.execute(sa.delete(RefreshRun))
    rows = [{"listing_kind": item.kind, "listing_id": item.id}
            for item in published_listings()]
    for kind, model in LISTING_MODELS.items():
        rows += [{"listing_kind": kind, "listing_id": item_id} for item_id in
                 db.session.scalars(sa.select(model.id).where(
                     model.status.in_(similar.UNDER_REVIEW)).order_by(model.id))]
    if rows:
        db.session.execute(sa.insert(RefreshTask), rows)
        db.session.add(RefreshRun(total=len(rows), started_at=utcnow()))


def pending_refreshes() -> int:
    return db.session.scalar(sa.select(sa.func.count(RefreshTask.id)))


@dataclass(frozen=True)
class Progress:
    """How far the refresh queued by the last rebuild has come."""

    done: int
    total: int
    started_at: datetime

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100

    def remaining_seconds(self, now: datetime) -> float | None:
        """At the pace so far; None before the first batch is done."""
        if not self.done:
            return None
        elapsed = (now - self.started_at).total_seconds()
        return elapsed / self.done * (self.total - self.done)


def progress() -> Progress | None:
    """The refresh in progress (None when nothing is queued)."""
    remaining = pending_refreshes()
    if not remaining:
        return None
    run = db.session.scalar(sa.select(RefreshRun).order_by(RefreshRun.id.desc()).limit(1))
    total = max(run.total, remaining) if run else remaining
    return Progress(done=total - remaining, total=total,
                    started_at=run.started_at if run else utcnow())


def queued(limit: int) -> list[tuple[int, str, int]]:
    """The oldest ``limit`` queued refreshes as (task id, listing kind, listing id)."""
    return [tuple(row) for row in db.session.execute(
        sa.select(RefreshTask.id, RefreshTask.listing_kind, RefreshTask.listing_id)
        .order_by(RefreshTask.id).limit(limit))]


def claim(task_ids: list[int]) -> set[int]:
    """Take the tasks ``task_ids`` off the queue in this transaction, after every other
    writer of stored recommendations (``lock_writes``); returns those that were still
    queued — the caller refreshes only them, so that two refreshers never both write
    one listing's rows."""
    lock_writes()
    return set(db.session.scalars(sa.delete(RefreshTask).where(RefreshTask.id.in_(task_ids))
                                  .returning(RefreshTask.id)))


def lock_writes() -> None:
    """One writer of stored recommendations and look-alike pairs at a time, until this
    transaction ends (the drain's pass, a bulk refresher's batch)."""
    serialize(db.session, "stored-recommendations")


def refresh_queued(engine: MatchEngine, limit: int = REFRESH_BATCH) -> int:
    """Refresh up to ``limit`` queued listings (oldest first) and take them off the queue:
    the recommendations of published ones, the look-alike pairs of published ones and
    of those under review; returns how many were refreshed."""
    tasks = queued(limit)
    taken = claim([task_id for task_id, _, _ in tasks])
    done = 0
    peers = similar.Peers(engine)
    for task_id, kind, item_id in tasks:
        item = db.session.get(LISTING_MODELS[kind], item_id) if task_id in taken else None
        if item is not None and item.status == "published":
            refresh(engine, item)
        if item is not None and item.status in similar.LIVE:
            similar.refresh(engine, item, peers)
            done += 1
    db.session.flush()
    return done
