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
from marketplace.matching.stored import LISTING_COLUMN, StoredRows
from marketplace.search.documents import doc_from_listing
from marketplace.search.drain import load_listings, published_listings
from marketplace.search.engine import MatchEngine

KEPT = 10
REFRESH_BATCH = 50
OTHER_KIND = {"opportunity": "product", "product": "opportunity"}


def remove(kind: str, item_id: int) -> None:
    """Drop every stored pair of a listing that is no longer published."""
    db.session.execute(sa.delete(Recommendation).where(LISTING_COLUMN[kind] == item_id))


def refresh(engine: MatchEngine, item) -> int:
    """Recompute one published listing's own top matches (one query) and re-score the
    pairs other listings hold with it (``StoredRows.apply``); returns how many it lists."""
    doc = doc_from_listing(item)
    rows = StoredRows([(item.kind, item.id)])
    existing = rows.of(item.kind, item.id)
    matches = engine.recommend(doc, OTHER_KIND[item.kind], limit=KEPT)
    wanted = [int(m.key.split(":")[1]) for m in matches]
    others = {other.id: other for other in load_listings(LISTING_MODELS[OTHER_KIND[item.kind]],
                                                         set(wanted) | set(existing))}
    scored = {other_id: engine.explain(doc, doc_from_listing(other))
              for other_id, other in others.items() if other.status == "published"}
    listed = rows.apply(item.kind, item.id, wanted, scored)
    rows.write()
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


def queued(limit: int, skip: list[int] = ()) -> list[tuple[int, str, int]]:
    """The oldest ``limit`` queued refreshes as (task id, listing kind, listing id), but
    those of ``skip`` (task ids: a batch still being computed)."""
    query = sa.select(RefreshTask.id, RefreshTask.listing_kind, RefreshTask.listing_id)
    if skip:
        query = query.where(RefreshTask.id.not_in(skip))
    return [tuple(row) for row in db.session.execute(query.order_by(RefreshTask.id).limit(limit))]


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
