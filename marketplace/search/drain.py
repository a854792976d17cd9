"""Applying the outbox to the index: one writer, idempotent, safe to interrupt.

A drain reads pending tasks, upserts published listings by ``kind:id`` (anything else is
deleted from the index) through the backend (``search.backend``) and only then deletes the
tasks in the caller's transaction. If the index is held by another writer the tasks stay
pending; if anything fails the caller rolls back and the tasks are retried by the next
drain.
"""
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.search.backend import SearchBackend
from marketplace.search.documents import doc_from_listing
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


def drain(backend: SearchBackend, *, limit: int = 1000, timeout: float = 2.0) -> DrainResult:
    """Apply up to ``limit`` pending tasks. The caller commits (deleting the tasks)."""
    tasks = db.session.scalars(
        sa.select(IndexTask).order_by(IndexTask.id).limit(limit)).all()
    if any(t.kind == "rebuild" for t in tasks) or not backend.exists():
        return rebuild(backend)
    if not tasks:
        return DrainResult()
    result = DrainResult(applied=len(tasks))
    wanted = {}
    for task in tasks:
        wanted.setdefault(task.kind, set()).add(task.object_id)
    upserts = []
    for kind, ids in wanted.items():
        found = {item.id: item for item in load_listings(LISTING_MODELS[kind], ids)}
        for item_id in sorted(ids):
            item = found.get(item_id)
            if item is not None and item.status == "published":
                upserts.append(doc_from_listing(item))
                result.indexed.append(item)
            else:
                result.removed.append((kind, item_id))
    if not backend.apply(upserts, [f"{kind}:{item_id}" for kind, item_id in result.removed],
                         timeout):
        return DrainResult(locked=True)
    db.session.execute(sa.delete(IndexTask).where(IndexTask.id.in_([t.id for t in tasks])))
    return result


def published_listings():
    """Every published listing, in batches (for rebuild and check)."""
    for model in LISTING_MODELS.values():
        ids = db.session.scalars(sa.select(model.id).where(model.status == "published")
                                 .order_by(model.id)).all()
        for start in range(0, len(ids), BATCH):
            yield from load_listings(model, ids[start:start + BATCH])


def write_generation(backend: SearchBackend, docs, language, processes: int = 1) -> None:
    """Build a new generation from ``docs`` and make it the active one."""
    backend.write_generation(docs, language, processes)


def rebuild(backend: SearchBackend, processes: int = 1) -> DrainResult:
    """Write a fresh index of every published listing with the current language data and
    swap it in; pending tasks up to now are settled by it. The caller commits."""
    last_task = db.session.scalar(sa.select(sa.func.max(IndexTask.id))) or 0
    items = list(published_listings())
    backend.write_generation([doc_from_listing(i) for i in items], current_language(),
                             processes)
    db.session.execute(sa.delete(IndexTask).where(IndexTask.id <= last_task))
    return DrainResult(rebuilt=True, indexed=items)


def check(backend: SearchBackend) -> dict[str, list[str]]:
    """Drift between rows and index: published rows missing from the index, and index
    documents whose row is gone or no longer published."""
    expected = {f"{item.kind}:{item.id}" for item in published_listings()}
    if not backend.exists():
        return {"missing": sorted(expected), "orphaned": [], "no_index": ["index"]}
    present = backend.stored_keys()
    return {"missing": sorted(expected - present), "orphaned": sorted(present - expected),
            "no_index": []}
