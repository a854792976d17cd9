"""What the index tests do to each search backend's own storage: read everything it holds,
hold its writer lock from elsewhere, destroy it; and a keyword query as the search page
asks it."""
import os
import shutil
import zlib
from contextlib import contextmanager

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.search import pgbackend
from marketplace.search.backend import Filters, KeywordQuery
from marketplace.search.models import IndexDocument, IndexGeneration, IndexPosting
from marketplace.search.queries import query_terms


def keyword(backend, q, every=True, sort="relevance", **filters):
    """``backend``'s answer to ``q`` (one page of 30), as the search page builds the query."""
    terms, generic = query_terms(backend.pipeline(), q)
    return backend.keyword(KeywordQuery(terms=tuple(terms), generic=tuple(generic), every=every,
                                        filters=Filters(**filters), limit=30, sort=sort))


def everything_held(index) -> str:
    """Every stored value and every indexed term, as one text."""
    if index.name == "whoosh":
        ix, _ = index.open()
        with ix.searcher() as searcher:
            stored = [str(v) for f in searcher.all_stored_fields() for v in f.values()]
            lexicon = [t.decode() if isinstance(t, bytes) else t for t in searcher.lexicon("all")]
        return " ".join(stored + lexicon)
    rows = db.session.execute(sa.select(IndexDocument)).scalars().all()
    stored = [str(getattr(row, c.key)) for row in rows for c in IndexDocument.__table__.c]
    return " ".join(stored + list(db.session.scalars(sa.select(IndexPosting.term))))


def state(index) -> object:
    """What readers compare to know the index changed: Whoosh's table of contents
    generation (with every file of the index, so that no write leaves any); the active
    generation's stamp."""
    if index.name == "whoosh":
        ix, _ = index.open()
        return ix.latest_generation(), sorted(os.listdir(ix.storage.folder))
    return db.session.scalar(sa.select(IndexGeneration.stamp).where(
        IndexGeneration.name == index.index_name, IndexGeneration.active.is_(True)))


@contextmanager
def writer_held(index):
    """Another writer holding the index (Whoosh's lock file; the advisory lock on another
    database connection)."""
    if index.name == "whoosh":
        ix, _ = index.open()
        holder = ix.writer()
        try:
            yield
        finally:
            holder.cancel()
        return
    key = (pgbackend.LOCK_CLASS, zlib.crc32(index.index_name.encode()) & 0x7FFFFFFF)
    with db.engine.connect() as other:
        other.execute(sa.select(sa.func.pg_advisory_lock(*key)))
        try:
            yield
        finally:
            other.execute(sa.select(sa.func.pg_advisory_unlock(*key)))


def destroy(index) -> None:
    """The whole index gone (its directory; its generations' rows)."""
    if index.name == "whoosh":
        shutil.rmtree(index.root)
    else:
        db.session.execute(sa.delete(IndexGeneration).where(
            IndexGeneration.name == index.index_name))
        db.session.commit()  # gone for good, as a deleted directory: a rollback keeps it gone
