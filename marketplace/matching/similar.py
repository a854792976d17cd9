"""Stored look-alike pairs: recomputed when a listing is indexed or sent to review, never
on page views (the duplicates report reads them).

Why stored: finding a listing's look-alikes among the published ones is an index query
(hundreds of milliseconds at 10k listings, see DESIGN.md), so a report over every listing
cannot search live; the sync step, which already follows every listing change through
the outbox, recomputes the pairs of what changed. A listing under review is not in the
public index, so each one is also compared with every other listing under review (the
review queue: tens, segmented once and kept while unchanged, weighed once per pass).
What a pair's score means, and why it is not the matching score, is in
``search.lookalikes``.

The pairs of a listing are replaced whenever it is recomputed; they are dropped when it
leaves review and publication (back to draft, returned, closed). After an index rebuild
every live listing is queued (``matching.services.queue_refresh_all``).
"""
import sqlalchemy as sa
from flask import current_app

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS, UNDER_REVIEW
from marketplace.matching.models import SimilarPair
from marketplace.matching.stored import in_chunks
from marketplace.search import lookalikes
from marketplace.search.documents import doc_from_listing
from marketplace.search.drain import load_listings
from marketplace.search.engine import MatchEngine

LIVE = (*UNDER_REVIEW, "published")
KEPT = 20  # per listing: far more than a real listing has above the threshold


def threshold() -> float:
    return current_app.config["LOOKALIKE_THRESHOLD"]


def remove(kind: str, item_id: int) -> None:
    """Drop every stored pair of a listing that is no longer under review or published."""
    remove_all(kind, [item_id])


def remove_all(kind: str, ids: list[int]) -> None:
    """Drop every stored pair of the listings ``ids`` of ``kind``."""
    # One statement per column: with ``first_id = ? OR second_id = ?`` SQLite's planner
    # (no statistics) searched by kind alone, reading every pair of the kind each time.
    for column in (SimilarPair.first_id, SimilarPair.second_id):
        for chunk in in_chunks(ids):
            db.session.execute(sa.delete(SimilarPair).where(
                SimilarPair.listing_kind == kind, column.in_(chunk)))


def under_review(model, exclude: set[int] = frozenset()) -> list:
    """The listings of ``model`` under review, loaded for their documents."""
    ids = set(db.session.scalars(sa.select(model.id).where(
        model.status.in_(UNDER_REVIEW)))) - set(exclude)
    return load_listings(model, ids) if ids else []


class Peers:
    """The listings under review of each kind, as look-alike peers, made once per batch,
    with their term vectors (``lookalikes.Vectors``: the batch reads one index state)."""

    def __init__(self, engine: MatchEngine):
        self.engine = engine
        self._by_kind: dict[str, list] = {}
        self.vectors = lookalikes.Vectors()

    def of(self, kind: str) -> list:
        if kind not in self._by_kind:
            docs = [doc_from_listing(item) for item in under_review(LISTING_MODELS[kind])]
            self._by_kind[kind] = self.engine.peers(docs)
        return self._by_kind[kind]


def refresh(engine: MatchEngine, item, peers: Peers) -> int:
    """Replace ``item``'s stored pairs with its look-alikes now (published ones from the
    index, and those among ``peers``); a listing neither under review nor published
    keeps none. Returns how many pairs it has."""
    remove(item.kind, item.id)
    if item.status not in LIVE:
        return 0
    found = engine.look_alikes(doc_from_listing(item), peers.of(item.kind), threshold(),
                               limit=KEPT, vectors=peers.vectors)
    return store(item.kind, item.id, found)


def store(kind: str, item_id: int, found: list) -> int:
    """Add a listing's look-alike pairs (its old ones already removed); returns how many."""
    insert(kind, {pair_key(item_id, similar): similar for similar in found})
    return len(found)


def pair_key(item_id: int, similar) -> tuple[int, int]:
    """(first id, second id) of the stored pair of ``item_id`` and the look-alike
    ``similar`` (the smaller id first, as the table's check requires)."""
    first, second = sorted((item_id, int(similar.key.split(":")[1])))
    return first, second


def insert(kind: str, pairs: dict) -> None:
    """Insert stored pairs of ``kind``: (first id, second id) → look-alike, in one
    statement (none of them stored yet)."""
    now = utcnow()
    if pairs:
        db.session.execute(sa.insert(SimilarPair), [
            {"listing_kind": kind, "first_id": first, "second_id": second,
             "score": similar.score, "terms": similar.terms, "computed_at": now}
            for (first, second), similar in pairs.items()])


class Replacement:
    """The look-alike pairs of many listings replaced in memory, one listing after the
    other, and written at once (the bulk refresh): the same rows as ``remove`` then
    ``store`` for each in turn."""

    def __init__(self):
        self.touched: dict[str, list[int]] = {}
        self.pairs: dict[str, dict[tuple[int, int], object]] = {}
        self._of: dict[tuple[str, int], set[tuple[int, int]]] = {}

    def replace(self, kind: str, item_id: int, found: list) -> None:
        """``item_id``'s pairs (those others gave it earlier included) become ``found``."""
        self.touched.setdefault(kind, []).append(item_id)
        pairs = self.pairs.setdefault(kind, {})
        for key in self._of.pop((kind, item_id), set()):
            pairs.pop(key, None)
        for similar in found:
            key = pair_key(item_id, similar)
            pairs[key] = similar
            for listing_id in key:
                self._of.setdefault((kind, listing_id), set()).add(key)

    def write(self) -> None:
        """Delete the stored pairs of every listing replaced, insert the pairs now."""
        for kind, ids in self.touched.items():
            remove_all(kind, ids)
        for kind, pairs in self.pairs.items():
            insert(kind, pairs)


def follow(engine: MatchEngine, indexed: list, removed: list[tuple[str, int]]) -> int:
    """After a drain: recompute the pairs of the listings it put in the index and of
    those it took out or left out (sent to review, returned, closed …); returns how many
    listings were recomputed."""
    peers = Peers(engine)
    items = list(indexed)
    for kind, ids in _by_kind(removed).items():
        items += load_listings(LISTING_MODELS[kind], ids)
        for missing in ids - {item.id for item in items if item.kind == kind}:
            remove(kind, missing)  # deleted rows
    for item in items:
        refresh(engine, item, peers)
    return len(items)


def _by_kind(pairs: list[tuple[str, int]]) -> dict[str, set[int]]:
    grouped: dict[str, set[int]] = {}
    for kind, item_id in pairs:
        grouped.setdefault(kind, set()).add(item_id)
    return grouped
