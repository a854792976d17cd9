"""Applying the outbox to the index: one writer, idempotent, safe to interrupt.

A drain reads pending tasks, upserts published listings by ``kind:id`` (anything else is
deleted from the index), commits the Whoosh writer and only then deletes the tasks in the
caller's transaction. If the index is locked by another writer the tasks stay pending; if
anything fails the caller rolls back and the tasks are retried by the next drain.
"""
import multiprocessing
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.search import facets
from marketplace.search.bulkwriter import BulkWriter
from marketplace.search.documents import doc_from_listing
from marketplace.search.index import LockError, SearchIndex, document_fields
from marketplace.search.language import current_language
from marketplace.search.models import IndexTask
from marketplace.taxonomy.models import Tag

BATCH = 500


@dataclass
class DrainResult:
    applied: int = 0
    locked: bool = False
    rebuilt: bool = False
    indexed: list = field(default_factory=list)   # listings now in the index
    removed: list = field(default_factory=list)   # (kind, id) taken out


def load_listings(model, ids) -> list:
    """The listings ``ids`` of ``model`` with what their documents need: organization and
    field joined, the tags from one plain query on the link table (SQLAlchemy's
    selectinload bookkeeping took two thirds of a 100k rebuild's loading time)."""
    items = db.session.scalars(
        sa.select(model).where(model.id.in_(ids)).options(
            joinedload(model.organization), joinedload(model.field))).unique().all()
    link = model.tags.property.secondary
    owner = next(c for c in link.c if c.name != "tag_id")
    tag_ids: dict[int, list[int]] = {}
    for item_id, tag_id in db.session.execute(
            sa.select(owner, link.c.tag_id).where(owner.in_(ids))):
        tag_ids.setdefault(item_id, []).append(tag_id)
    wanted = {t for found in tag_ids.values() for t in found}
    tags = {t.id: t for t in db.session.scalars(
        sa.select(Tag).where(Tag.id.in_(wanted)))} if wanted else {}
    for item in items:
        if "tags" in sa.inspect(item).unloaded:  # never overwrite what the session holds
            set_committed_value(item, "tags",
                                sorted((tags[t] for t in tag_ids.get(item.id, ())),
                                       key=lambda tag: tag.id))  # the relationship's order
    return items


def drain(index: SearchIndex, *, limit: int = 1000, timeout: float = 2.0) -> DrainResult:
    """Apply up to ``limit`` pending tasks. The caller commits (deleting the tasks)."""
    tasks = db.session.scalars(
        sa.select(IndexTask).order_by(IndexTask.id).limit(limit)).all()
    if any(t.kind == "rebuild" for t in tasks) or not index.exists():
        return rebuild(index)
    if not tasks:
        return DrainResult()
    ix, pipeline = index.open()
    try:
        writer = ix.writer(timeout=timeout)
    except LockError:
        return DrainResult(locked=True)
    result = DrainResult(applied=len(tasks))
    try:
        wanted = {}
        for task in tasks:
            wanted.setdefault(task.kind, set()).add(task.object_id)
        for kind, ids in wanted.items():
            found = {item.id: item for item in load_listings(LISTING_MODELS[kind], ids)}
            for item_id in sorted(ids):
                item = found.get(item_id)
                if item is not None and item.status == "published":
                    writer.update_document(**document_fields(doc_from_listing(item), pipeline))
                    result.indexed.append(item)
                else:
                    writer.delete_by_term("key", f"{kind}:{item_id}")
                    result.removed.append((kind, item_id))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    db.session.execute(sa.delete(IndexTask).where(IndexTask.id.in_([t.id for t in tasks])))
    return result


def published_listings():
    """Every published listing, in batches (for rebuild and check)."""
    for model in LISTING_MODELS.values():
        ids = db.session.scalars(sa.select(model.id).where(model.status == "published")
                                 .order_by(model.id)).all()
        for start in range(0, len(ids), BATCH):
            yield from load_listings(model, ids[start:start + BATCH])


# Listings per segment of a rebuild at most (about: parts are cut by text). A part's
# postings are held in memory (~1 GB per writer process at this size); Whoosh's own pool
# would spill to disk and merge runs, which took half of the writing time.
PART_DOCS = 12_500
_part = None  # (index, docs, pipeline), inherited by forked writer processes


def _write_part(bounds):
    """Segment and write ``docs[start:stop]`` as one new segment of the (not yet
    committed) generation, the way Whoosh's own MpWriter sub-writers do (in a forked
    process, or in this one)."""
    ix, docs, pipeline = _part
    writer = BulkWriter(ix, _lk=False)  # write_generation holds the lock
    try:
        for doc in docs[bounds[0]:bounds[1]]:
            writer.add_document(**document_fields(doc, pipeline))
        return writer._finalize_segment()
    except BaseException:
        writer.cancel()
        raise


def _parts(docs, count: int) -> list[tuple[int, int]]:
    """``count`` runs of consecutive documents (at most) with about the same amount of
    text, the work of segmenting and writing them (products carry cases: equal numbers of listings
    left one process waiting two seconds for the other at 10k)."""
    cumulative = list(accumulate(sum(map(len, doc.texts().values())) for doc in docs))
    cuts = [bisect_left(cumulative, cumulative[-1] * k / count) + 1 for k in range(1, count)]
    edges = [0, *cuts, len(docs)]
    return [(start, stop) for start, stop in zip(edges, edges[1:]) if stop > start]


def _write_parts(ix, docs, pipeline, parts, processes: int) -> list:
    """The segments of ``parts``, in order (document numbers as one serial build), written
    in ``processes`` forked processes when it is worth it."""
    global _part
    _part = (ix, docs, pipeline)
    try:
        if processes > 1 and len(parts) > 1 and len(docs) >= 2 * BATCH:
            with multiprocessing.get_context("fork").Pool(min(processes, len(parts))) as pool:
                return pool.map(_write_part, parts, chunksize=1)
        return [_write_part(bounds) for bounds in parts]
    finally:
        _part = None


def write_generation(index: SearchIndex, docs, language, processes: int = 1) -> None:
    """Build a new generation from ``docs`` and make it the active one: a segment per part
    (parts of equal text, at least one per PART_DOCS listings, so that a part's postings
    stay in memory), each segmented and written in one of ``processes`` processes, all
    committed together by this one."""
    path, ix, pipeline = index.create_generation(language)
    # Two parts per process: the pool hands the next to whichever finishes first (equal
    # text still left one process waiting seconds for the other at 10k).
    count = max(2 * processes if processes > 1 else 1, -(-len(docs) // PART_DOCS))
    parts = _parts(docs, count) if docs else []
    writer = ix.writer()  # holds the lock while the parts are written
    try:
        segments = _write_parts(ix, docs, pipeline, parts, processes)
        writer.commit(mergetype=lambda _writer, existing: existing + segments)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    facets.store_tables(ix)  # so that no one's first search builds them
    index.activate(path)


def rebuild(index: SearchIndex, processes: int = 1) -> DrainResult:
    """Write a fresh index of every published listing with the current language data and
    swap it in; pending tasks up to now are settled by it. The caller commits."""
    last_task = db.session.scalar(sa.select(sa.func.max(IndexTask.id))) or 0
    items = list(published_listings())
    write_generation(index, [doc_from_listing(i) for i in items], current_language(),
                     processes)
    db.session.execute(sa.delete(IndexTask).where(IndexTask.id <= last_task))
    return DrainResult(rebuilt=True, indexed=items)


def check(index: SearchIndex) -> dict[str, list[str]]:
    """Drift between rows and index: published rows missing from the index, and index
    documents whose row is gone or no longer published."""
    expected = {f"{item.kind}:{item.id}" for item in published_listings()}
    if not index.exists():
        return {"missing": sorted(expected), "orphaned": [], "no_index": ["index"]}
    ix, _ = index.open()
    with ix.searcher() as searcher:
        present = {fields["key"] for fields in searcher.all_stored_fields()}
    return {"missing": sorted(expected - present), "orphaned": sorted(present - expected),
            "no_index": []}
