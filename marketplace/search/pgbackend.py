"""The PostgreSQL backend (``SEARCH_BACKEND=postgres``): the index as tables of the
application's database, so that every web node reads the same one.

- A document per published listing (``search_documents``): each text field's tokens from
  the same Pipeline as Whoosh's (``index.document_fields``), joined by spaces, and the
  filter and sort values as columns.
- Postings (``search_postings``, one partition per generation): term frequency per
  document and field with the field's length, and document frequencies per field and
  over all text fields (``search_terms``). With them keyword search (``search.pgkeyword``:
  the matches and the page in one statement; counts and facets from the ids,
  ``search.pgfacets``) and candidate retrieval score exactly Whoosh's BM25F (B 0.75,
  K1 1.2, idf = ln(N / (df + 1)) + 1, field lengths quantized to Whoosh's byte), so both
  backends rank the same documents the same way; PostgreSQL's own ``ts_rank`` would not.
- Generations (``search_generations``): a rebuild writes a new generation
  (``search.pgwrite``: segmented in parallel, COPY, the postings' partition indexed after
  loading) and activates it in the caller's transaction, so readers see the old one until
  the commit, then the new; the old one is dropped by the next write. The language data
  travels with the generation, as Whoosh's ``language.json`` does.
- One writer at a time per index: a transaction-level advisory lock (``apply`` gives up
  after its timeout, as Whoosh's writer lock does: the tasks stay pending). Everything is
  written in the caller's transaction, together with the deletion of the outbox tasks, so
  a drain killed mid-pass leaves nothing behind.
"""
import json
import secrets
import time
import zlib
from collections import Counter
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from marketplace.extensions import db
from marketplace.search import pgwrite
from marketplace.search.backend import KeywordQuery, KeywordResult
from marketplace.search.documents import Doc
from marketplace.search.index import TEXT_FIELDS
from marketplace.search.models import IndexDocument, IndexGeneration, IndexPosting, IndexTerm
from marketplace.search.bm25 import K1, B, idf
from marketplace.search.pgfacets import FacetTable
from marketplace.search.pgkeyword import keyword
from marketplace.search.text import LanguageData, Pipeline

LOCK_CLASS = 0x5EA4C4                      # advisory locks of this module: (class, index)
CHUNK = 1000                               # rows per statement
STORED = ("key", "kind", *(f"t_{name}" for name in TEXT_FIELDS), "f_field", "f_group",
          "f_tag", "f_region", "f_maturity")

G = IndexGeneration.__table__
D = IndexDocument.__table__
P = IndexPosting.__table__
T = IndexTerm.__table__


def _chunks(rows: list, size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


class PostgresBackend:
    """``backend.SearchBackend`` over the tables of ``search.models``; ``name`` tells
    indexes apart (the app's is "main"; evaluation writes throwaway ones)."""

    name = "postgres"

    def __init__(self, index_name: str = "main"):
        self.index_name = index_name
        self._pipelines: dict[int, Pipeline] = {}
        self._reader: PostgresReader | None = None
        self._documents = FacetTable()  # what keyword search remembers of matched rows

    @staticmethod
    def check_database(url) -> None:
        if not str(url).startswith("postgresql"):
            raise RuntimeError("SEARCH_BACKEND=postgres 需要 PostgreSQL 数据库（DATABASE_URL 以 "
                               "postgresql:// 开头）；SQLite 请使用 SEARCH_BACKEND=whoosh。")

    # -- generations ---------------------------------------------------------------------
    def _active(self, for_update: bool = False):
        query = sa.select(G.c.id, G.c.doc_count, G.c.lengths, G.c.stamp).where(
            G.c.name == self.index_name, G.c.active)
        row = db.session.execute(query.with_for_update() if for_update else query).first()
        if row is None:
            raise FileNotFoundError(f"no search index named {self.index_name} in the database")
        return row

    def exists(self) -> bool:
        return db.session.scalar(sa.select(G.c.id).where(
            G.c.name == self.index_name, G.c.active)) is not None

    def _pipeline(self, generation_id: int) -> Pipeline:
        pipeline = self._pipelines.get(generation_id)
        if pipeline is None:
            language = db.session.scalar(sa.select(G.c.language).where(G.c.id == generation_id))
            pipeline = Pipeline(LanguageData.from_json(json.loads(language)))
            self._pipelines = {generation_id: pipeline}  # older generations are gone
        return pipeline

    def pipeline(self) -> Pipeline:
        return self._pipeline(self._active().id)

    def _lock(self, timeout: float | None) -> bool:
        """The index's writer lock until the transaction ends; None waits as long as it
        takes (a rebuild), else gives up after ``timeout`` seconds."""
        key = (LOCK_CLASS, zlib.crc32(self.index_name.encode()) & 0x7FFFFFFF)
        if timeout is None:
            db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(*key)))
            return True
        deadline = time.monotonic() + timeout
        while not db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(*key))):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    # -- writing -------------------------------------------------------------------------
    @staticmethod
    def _insert(generation_id: int, docs: list[Doc], pipeline: Pipeline, processes: int = 1,
                table: str = "search_postings"):
        """Write ``docs`` with their postings (into ``table``); (tokens per field, df per
        term) added."""
        lengths, frequencies = Counter(), Counter()
        ids = pgwrite.document_ids(len(docs))
        for part in pgwrite.parts(docs, ids, generation_id, pipeline, processes):
            pgwrite.copy("search_documents", pgwrite.DOCUMENT_COLUMNS, part.documents)
            pgwrite.copy(table, pgwrite.POSTING_COLUMNS, part.postings)
            lengths.update(part.lengths)
            frequencies.update(part.frequencies)
        return lengths, frequencies

    def _remove(self, generation_id: int, keys: list[str]):
        """Delete the documents keyed ``keys``; (tokens per field, df per term, documents)
        taken out."""
        lengths, frequencies = Counter(), Counter()
        ids = db.session.scalars(sa.select(D.c.id).where(
            D.c.generation_id == generation_id, D.c.key.in_(keys))).all() if keys else []
        if not ids:
            return lengths, frequencies, 0
        for field, tokens in db.session.execute(
                sa.select(P.c.field, sa.func.sum(P.c.tf)).where(P.c.generation_id == generation_id,
                                                            P.c.document_id.in_(ids))
                .group_by(P.c.field)):
            lengths[field] += tokens
            if field != "org":
                lengths["all"] += tokens
        # Documents per field and term, and per term over the text fields ("all": a term
        # in two fields of one document counts once).
        frequencies = Counter({(field, term): n for field, term, n in db.session.execute(
            sa.select(P.c.field, P.c.term, sa.func.count())
            .where(P.c.generation_id == generation_id, P.c.document_id.in_(ids))
            .group_by(P.c.field, P.c.term))})
        frequencies.update({("all", term): n for term, n in db.session.execute(
            sa.select(P.c.term, sa.func.count(sa.distinct(P.c.document_id)))
            .where(P.c.generation_id == generation_id, P.c.document_id.in_(ids),
                   P.c.field.in_(TEXT_FIELDS))
            .group_by(P.c.term))})
        db.session.execute(sa.delete(P).where(P.c.generation_id == generation_id,
                                              P.c.document_id.in_(ids)))
        db.session.execute(sa.delete(D).where(D.c.id.in_(ids)))
        return lengths, frequencies, len(ids)

    @staticmethod
    def _add_frequencies(generation_id: int, delta: Counter) -> None:
        rows = [{"generation_id": generation_id, "field": f, "term": t, "df": n}
                for (f, t), n in delta.items() if n]
        for chunk in _chunks(rows):
            statement = pg_insert(T).values(chunk)
            db.session.execute(statement.on_conflict_do_update(
                index_elements=[T.c.generation_id, T.c.term, T.c.field],
                set_={"df": T.c.df + statement.excluded.df}))
        db.session.execute(sa.delete(T).where(T.c.generation_id == generation_id, T.c.df <= 0))

    @staticmethod
    def _restate(generation_id: int, doc_count: int, lengths: Counter) -> None:
        db.session.execute(sa.update(G).where(G.c.id == generation_id).values(
            doc_count=doc_count,
            lengths=json.dumps({f: n for f, n in lengths.items() if n}, sort_keys=True),
            stamp=secrets.token_hex(16)))

    def apply(self, upserts: list[Doc], removals: list[str], timeout: float) -> bool:
        if not self._lock(timeout):
            return False
        pgwrite.drop_inactive(self.index_name)
        active = self._active(for_update=True)
        pipeline = self._pipeline(active.id)
        gone_lengths, gone, removed = self._remove(active.id,
                                                   [d.key for d in upserts] + removals)
        if not upserts and not removed:
            return True  # the same stamp: readers keep what they hold of this generation
        added_lengths, added = self._insert(active.id, upserts, pipeline)
        lengths = Counter(json.loads(active.lengths))
        lengths.update(added_lengths)
        lengths.subtract(gone_lengths)
        delta = Counter(added)
        delta.subtract(gone)
        self._add_frequencies(active.id, delta)
        self._restate(active.id, active.doc_count - removed + len(upserts), lengths)
        return True

    def write_generation(self, docs, language: LanguageData, processes: int = 1) -> None:
        """Documents segmented in ``processes`` processes and copied in; the postings into
        a new partition, indexed once loaded. The generation replaced stays (inactive)
        until the next write, which drops it in a transaction of its own: readers that
        began before the commit can still finish on it."""
        self._lock(None)
        pgwrite.drop_inactive(self.index_name)
        docs = list(docs)
        pipeline = Pipeline(language)
        generation_id = db.session.scalar(sa.insert(G).values(
            name=self.index_name, active=False, language=json.dumps(language.as_json()),
            doc_count=0, lengths="{}", stamp=secrets.token_hex(16)).returning(G.c.id))
        table = pgwrite.create_partition(generation_id)
        lengths, frequencies = self._insert(generation_id, docs, pipeline, processes, table)
        pgwrite.attach_partition(generation_id)
        pgwrite.copy("search_terms", ("generation_id", "term", "field", "df"), "".join(
            f"{generation_id}\t{pgwrite.escape(t)}\t{f}\t{n}\n"
            for (f, t), n in frequencies.items()).encode())
        self._restate(generation_id, len(docs), lengths)
        db.session.execute(sa.text("ANALYZE search_documents"))
        db.session.execute(sa.text("ANALYZE search_terms"))
        db.session.execute(sa.update(G).where(G.c.name == self.index_name)
                           .values(active=G.c.id == generation_id))
        self._pipelines = {generation_id: pipeline}

    # -- reading -------------------------------------------------------------------------
    @contextmanager
    def reader(self):
        active = self._active()
        reader = self._reader
        if reader is None or reader.stamp != active.stamp:
            reader = self._reader = PostgresReader(active)
        yield reader

    def keyword(self, query: KeywordQuery) -> KeywordResult:
        return keyword(self._active(), query, self._documents)

    def finds(self, terms: list[str]) -> bool:
        active = self._active()
        wanted = set(terms)
        return db.session.execute(
            sa.select(P.c.document_id).where(P.c.generation_id == active.id,
                                             P.c.term.in_(wanted))
            .group_by(P.c.document_id)
            .having(sa.func.count(sa.distinct(P.c.term)) == len(wanted)).limit(1)
        ).first() is not None

    def stored_keys(self) -> set[str]:
        active = self._active()
        return set(db.session.scalars(sa.select(D.c.key).where(D.c.generation_id == active.id)))

    # -- throwaway indexes (evaluation) ---------------------------------------------------
    def scratch(self) -> "PostgresBackend":
        return PostgresBackend(f"scratch-{secrets.token_hex(6)}")

    def drop(self) -> None:
        for generation_id in db.session.scalars(sa.select(G.c.id).where(
                G.c.name == self.index_name)):
            db.session.execute(sa.text(f"DROP TABLE IF EXISTS {pgwrite.partition(generation_id)}"))
        db.session.execute(sa.delete(G).where(G.c.name == self.index_name))


class PostgresReader:
    """One state of a generation (its ``stamp``): the statistics matching reads, with
    document frequencies remembered until the next write."""

    def __init__(self, active):
        self.generation_id, self.stamp = active.id, active.stamp
        self.count = active.doc_count
        self.lengths = json.loads(active.lengths)
        self.avg_all = self.lengths.get("all", 0) / max(self.count, 1) or 1.0
        self._df: dict[str, int] = {}

    def doc_count(self) -> int:
        return self.count

    def doc_frequency(self, fieldname: str, term: str) -> int:
        if fieldname != "all":
            raise ValueError("the postgres reader reads document frequencies of all only")
        if term not in self._df:
            self.prefetch([term])
        return self._df[term]

    def field_length(self, fieldname: str) -> int:
        return self.lengths.get(fieldname.removeprefix("t_"), 0)

    def prefetch(self, terms) -> None:
        """Document frequencies of ``terms`` in one query per thousand, not one each (a
        recommendation looks up ~1,500)."""
        missing = list({t for t in terms if t not in self._df})
        for chunk in _chunks(missing):
            found = dict(db.session.execute(sa.select(T.c.term, T.c.df).where(
                T.c.generation_id == self.generation_id, T.c.field == "all",
                T.c.term.in_(chunk))).all())
            self._df.update({t: found.get(t, 0) for t in chunk})

    def candidates(self, weighted, kind, limit):
        self.prefetch([t for t, _ in weighted])
        weights = {t: w * idf(self._df[t], max(self.count, 1)) for t, w in weighted}
        q = sa.values(sa.column("term", sa.Text), sa.column("weight", sa.Float),
                      name="q").data(list(weights.items()))
        tfs = (sa.select(P.c.document_id, P.c.term, sa.func.sum(P.c.tf).label("tf"))
               .where(P.c.generation_id == self.generation_id, P.c.term.in_(weights),
                      P.c.field.in_(TEXT_FIELDS))
               .group_by(P.c.document_id, P.c.term)).subquery()
        # In double precision: the parameters would be numeric, and numeric arithmetic
        # over every matching posting took a tenth of the query.
        weight, average = sa.cast(q.c.weight, sa.Float), sa.cast(self.avg_all, sa.Float)
        score = sa.func.sum(weight * tfs.c.tf * (K1 + 1) / (
            tfs.c.tf + K1 * ((1 - B) + B * D.c.len_all / average)))
        # The best ids first, then their stored fields: the text of every match would be
        # carried through the grouping and the sort otherwise.
        best = (sa.select(D.c.id, score.label("score"))
                .select_from(tfs.join(q, q.c.term == tfs.c.term)
                             .join(D, D.c.id == tfs.c.document_id))
                .where(D.c.kind == kind)
                .group_by(D.c.id)
                .order_by(sa.desc("score"), D.c.id).limit(limit)).subquery()
        rows = db.session.execute(
            sa.select(*(D.c[name] for name in STORED))
            .join(best, best.c.id == D.c.id)
            .order_by(best.c.score.desc(), D.c.id)).all()
        stored = [{name: getattr(row, name) for name in STORED} for row in rows]
        # The candidates' terms are scored next (recommend.rank): their idf in one go.
        self.prefetch({t for s in stored for name in TEXT_FIELDS for t in s[f"t_{name}"].split()})
        return stored

    def stored_documents(self) -> list[dict]:
        rows = db.session.execute(sa.select(*(D.c[name] for name in STORED))
                                  .where(D.c.generation_id == self.generation_id)
                                  .order_by(D.c.id))
        return [dict(row._mapping) for row in rows]

    def bm25_basis(self) -> tuple[int, float]:
        return max(self.count, 1), self.avg_all
