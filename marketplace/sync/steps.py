"""One sync pass and a full rebuild, each its own unit of work (they commit, like the
e-mail sender: they are workers, not services)."""
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from marketplace import auditchain
from marketplace.events.services import expire_all_offers
from marketplace.extensions import db
from marketplace.matching import services as recommendations
from marketplace.matching import similar
from marketplace.search.drain import DrainResult, drain, rebuild
from marketplace.search.engine import MatchEngine
from marketplace.search.runtime import search_index

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    applied: int = 0
    refreshed: int = 0
    locked: bool = False
    rebuilt: bool = False
    lapsed_offers: int = 0
    sealed: int = 0


def _follow_index(engine: MatchEngine, drained: DrainResult) -> int:
    """Bring the stored recommendations and look-alike pairs in line with what the drain
    did to the index (after a rebuild, every listing's are queued instead)."""
    recommendations.lock_writes()  # a bulk refresher's batch writes the same rows
    for kind, item_id in drained.removed:
        recommendations.remove(kind, item_id)
    if drained.rebuilt:
        recommendations.queue_refresh_all()
        return 0
    for item in drained.indexed:
        recommendations.refresh(engine, item)
    similar.follow(engine, drained.indexed, drained.removed)
    return len(drained.indexed)


def sync_once(engine: MatchEngine) -> SyncResult:
    """Apply pending index tasks, refresh the recommendations of the listings they touched
    and a batch of queued refreshes. The caller commits; a locked index leaves every task
    pending."""
    drained = drain(engine.index)
    if drained.locked:
        return SyncResult(locked=True)
    refreshed = _follow_index(engine, drained)
    refreshed += recommendations.refresh_queued(engine)
    return SyncResult(applied=drained.applied, refreshed=refreshed, rebuilt=drained.rebuilt)


def _isolated(step, what: str) -> int:
    """``step()`` as a transaction of its own: a failure is logged and rolled back, and
    neither stops the search pass nor is stopped by it; the next pass tries again."""
    try:
        done = step()
        db.session.commit()
        return done
    except Exception:  # noqa: BLE001 - isolated: the next pass retries
        db.session.rollback()
        log.exception("%s failed; retried next pass", what)
        return 0


def expire_offers_step() -> int:
    """The waiting list's lapsed offers passed on (``events.services.expire_all_offers``)."""
    return _isolated(expire_all_offers, "expiring event offers")


def seal_audit_step() -> int:
    """The audit records committed since the last pass join the hash chain."""
    return _isolated(auditchain.seal, "sealing the audit log")


def sync_step() -> SyncResult:
    """Lapsed event offers first (``expire_offers_step``, isolated), then ``sync_once``
    as its own transaction: committed, or rolled back with every task left pending for
    the next pass; last, the audit records of all that are sealed (isolated)."""
    lapsed = expire_offers_step()
    try:
        result = sync_once(MatchEngine(search_index()))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    result.lapsed_offers = lapsed
    result.sealed = seal_audit_step()
    return result


def rebuild_index(processes: int = 2) -> DrainResult:
    """Write a fresh index and swap it in; every stored recommendation is queued for a
    refresh (committed). Pages show the previous rows until theirs are redone."""
    result = rebuild(search_index(), processes=processes)
    recommendations.queue_refresh_all()
    db.session.commit()
    return result


def refresh_all_queued(processes: int = 2, batch: int | None = None,
                       progress: Callable[[int], None] = lambda done: None) -> int:
    """Every queued refresh (after ``rebuild_index``) in batches (``matching.bulk``),
    each committed (``batch`` listings each, ``matching.bulk.BATCH`` by default); a failure
    leaves the rest queued. Returns how many were refreshed."""
    # Imported here: numpy and scipy cost the web workers' and the drain's start ~0.4 s.
    from marketplace.matching.bulk import BATCH, Refresher

    return Refresher(MatchEngine(search_index()), processes, batch or BATCH).run(progress)


def start_background(app: Flask, interval: float = 1.0) -> threading.Event:
    """Run ``sync_step`` every ``interval`` seconds in a daemon thread until the returned
    event is set (also kept as ``app.extensions["search_drain_stop"]``, the thread as
    ``["search_drain_thread"]`` for whoever must wait for its last pass). Only for a
    single process (`make run`): with several workers run `flask search sync --follow`."""
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            with app.app_context():
                try:
                    sync_step()
                except Exception:  # noqa: BLE001 - the next pass retries the same tasks
                    log.exception("search sync failed; tasks stay pending")
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="search-drain", daemon=True)
    thread.start()
    app.extensions["search_drain_stop"] = stop
    app.extensions["search_drain_thread"] = thread
    return stop
