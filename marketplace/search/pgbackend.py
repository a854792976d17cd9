"""The PostgreSQL backend (``SEARCH_BACKEND=postgres``): the index as tables of the
application's database, so that every web node reads the same one.

- A document per published listing (``search_documents``): each text field's tokens from
  the same Pipeline as Whoosh's (``index.document_fields``), joined by spaces, and the
  filter and sort values as columns.
- Postings (``search_postings``): term frequency per document and field with the field's
  length, and document frequencies over all text fields (``search_terms``). With them
  keyword search and candidate retrieval score exactly Whoosh's BM25F (B 0.75, K1 1.2,
  idf = ln(N / (df + 1)) + 1, field lengths quantized to Whoosh's byte), so both backends
  rank the same documents the same way; PostgreSQL's own ``ts_rank`` would not.
- Generations (``search_generations``): a rebuild writes a new generation and activates it
  in the caller's transaction, so readers see the old one until the commit, then the new.
  The language data travels with the generation, as Whoosh's ``language.json`` does.
- One writer at a time per index: a transaction-level advisory lock (``apply`` gives up
  after its timeout, as Whoosh's writer lock does: the tasks stay pending). Everything is
  written in the caller's transaction, together with the deletion of the outbox tasks, so
  a drain killed mid-pass leaves nothing behind.
"""
import json
import math
import secrets
import time
import zlib
from collections import Counter
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from whoosh.util.numeric import byte_to_length, length_to_byte

from marketplace.extensions import db
from marketplace.search.backend import Filters, KeywordQuery, KeywordResult
from marketplace.search.documents import FIELD_WEIGHTS, Doc
from marketplace.search.index import TEXT_FIELDS, document_fields, segmented_words
from marketplace.search.models import IndexDocument, IndexGeneration, IndexPosting, IndexTerm
from marketplace.search.text import LanguageData, Pipeline

K1, B = 1.2, 0.75                          # Whoosh's BM25F defaults
KEYWORD_FIELDS = {**FIELD_WEIGHTS, "org": 1.0}  # where a keyword is looked for, with weights
LOCK_CLASS = 0x5EA4C4                      # advisory locks of this module: (class, index)
CHUNK = 1000                               # rows per statement
STORED = ("key", "kind", *(f"t_{name}" for name in TEXT_FIELDS), "f_field", "f_group",
          "f_tag", "f_region", "f_maturity")
COLUMNS = (*STORED, "f_path", "f_release", "published", "deadline")

G = IndexGeneration.__table__
D = IndexDocument.__table__
P = IndexPosting.__table__
T = IndexTerm.__table__


def _quantized(length: int) -> int:
    """A field length as Whoosh stores it (one byte) and so scores with."""
    return byte_to_length(length_to_byte(length)) if length else 0


def _idf(df: int, count: int) -> float:
    """Whoosh's idf (``Weighting.idf``)."""
    return math.log(count / (df + 1)) + 1


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
    def _insert(self, generation_id: int, docs: list[Doc], pipeline: Pipeline):
        """Insert ``docs`` with their postings; (tokens per field, df per term) added."""
        lengths, frequencies = Counter(), Counter()
        rows, counts = [], []
        for doc in docs:
            fields = document_fields(doc, pipeline)
            per_field = {name: Counter(segmented_words(fields[f"t_{name}"]))
                         for name in TEXT_FIELDS}
            per_field["org"] = Counter(segmented_words(fields["org"]))
            field_lengths = {name: sum(c.values()) for name, c in per_field.items()}
            field_lengths["all"] = sum(field_lengths[name] for name in TEXT_FIELDS)
            lengths.update(field_lengths)
            frequencies.update({t for name in TEXT_FIELDS for t in per_field[name]})
            rows.append({**{c: fields[c] for c in COLUMNS}, "generation_id": generation_id,
                         "len_all": _quantized(field_lengths["all"])})
            counts.append((per_field, field_lengths))
        ids = []
        for chunk in _chunks(rows):
            ids += db.session.scalars(sa.insert(D).returning(D.c.id, sort_by_parameter_order=True),
                                      chunk).all()
        postings = [{"document_id": doc_id, "generation_id": generation_id, "field": name,
                     "term": term, "tf": tf, "fl": _quantized(field_lengths[name])}
                    for doc_id, (per_field, field_lengths) in zip(ids, counts)
                    for name, terms in per_field.items() for term, tf in terms.items()]
        for chunk in _chunks(postings):
            db.session.execute(sa.insert(P), chunk)
        return lengths, frequencies

    def _remove(self, generation_id: int, keys: list[str]):
        """Delete the documents keyed ``keys``; (tokens per field, df per term) taken out."""
        lengths, frequencies = Counter(), Counter()
        ids = db.session.scalars(sa.select(D.c.id).where(
            D.c.generation_id == generation_id, D.c.key.in_(keys))).all() if keys else []
        if not ids:
            return lengths, frequencies
        for field, tokens in db.session.execute(
                sa.select(P.c.field, sa.func.sum(P.c.tf)).where(P.c.document_id.in_(ids))
                .group_by(P.c.field)):
            lengths[field] += tokens
            if field != "org":
                lengths["all"] += tokens
        # Documents per term (a term in two fields of one document counts once).
        frequencies = Counter(dict(db.session.execute(
            sa.select(P.c.term, sa.func.count(sa.distinct(P.c.document_id)))
            .where(P.c.document_id.in_(ids), P.c.field.in_(TEXT_FIELDS))
            .group_by(P.c.term)).all()))
        db.session.execute(sa.delete(D).where(D.c.id.in_(ids)))  # postings cascade
        return lengths, frequencies

    @staticmethod
    def _add_frequencies(generation_id: int, delta: Counter) -> None:
        rows = [{"generation_id": generation_id, "term": t, "df": n}
                for t, n in delta.items() if n]
        for chunk in _chunks(rows):
            statement = pg_insert(T).values(chunk)
            db.session.execute(statement.on_conflict_do_update(
                index_elements=[T.c.generation_id, T.c.term],
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
        active = self._active(for_update=True)
        pipeline = self._pipeline(active.id)
        gone_lengths, gone = self._remove(active.id, [d.key for d in upserts] + removals)
        remaining = db.session.scalar(sa.select(sa.func.count()).select_from(D).where(
            D.c.generation_id == active.id))
        added_lengths, added = self._insert(active.id, upserts, pipeline)
        lengths = Counter(json.loads(active.lengths))
        lengths.update(added_lengths)
        lengths.subtract(gone_lengths)
        delta = Counter(added)
        delta.subtract(gone)
        self._add_frequencies(active.id, delta)
        self._restate(active.id, remaining + len(upserts), lengths)
        return True

    def write_generation(self, docs, language: LanguageData, processes: int = 1) -> None:
        """Segmented in this process (``processes`` is Whoosh's; here the database
        writing dominates)."""
        self._lock(None)
        pipeline = Pipeline(language)
        generation_id = db.session.scalar(sa.insert(G).values(
            name=self.index_name, active=False, language=json.dumps(language.as_json()),
            doc_count=0, lengths="{}", stamp=secrets.token_hex(16)).returning(G.c.id))
        lengths, frequencies = self._insert(generation_id, list(docs), pipeline)
        self._add_frequencies(generation_id, frequencies)
        self._restate(generation_id, len(docs), lengths)
        db.session.execute(sa.delete(G).where(G.c.name == self.index_name,
                                              G.c.id != generation_id))
        db.session.execute(sa.update(G).where(G.c.id == generation_id).values(active=True))
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
        active = self._active()
        rows = db.session.execute(_keyword_statement(active, query)).all()
        result = KeywordResult(total=len(rows))
        for row in sorted(rows, key=lambda r: r.id):  # facet values in the order first met
            result.facets["kind"][row.kind] += 1
            result.facets["field"][row.f_field or None] += 1
            # A listing's tags in term order, as Whoosh's facet tables hold them.
            result.facets["tag"].update(sorted(row.f_tag.split(",")) if row.f_tag else [None])
            result.facets["region"][row.f_region or None] += 1
            result.facets["release"][row.f_release or None] += 1
        order = {"newest": lambda r: (-r.published, r.id),
                 "deadline": lambda r: (r.deadline, r.id)}.get(query.sort,
                                                                lambda r: (-r.score, r.id))
        result.keys = [row.key for row in sorted(rows, key=order)[:query.limit]]
        return result

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
        db.session.execute(sa.delete(G).where(G.c.name == self.index_name))


def _filters(filters: Filters) -> list:
    clauses = []
    if filters.kind:
        clauses.append(D.c.kind == filters.kind)
    if filters.field:
        clauses.append(sa.or_(D.c.f_field == filters.field, D.c.f_group == filters.field))
    if filters.tag:
        clauses.append(sa.func.concat(",", D.c.f_tag, ",").contains(f",{filters.tag},",
                                                                   autoescape=True))
    if filters.region:
        clauses.append(sa.func.concat(" ", D.c.f_path, " ").contains(f" {filters.region} ",
                                                                    autoescape=True))
    if filters.release:
        clauses.append(D.c.f_release == filters.release)
    return clauses


def _keyword_statement(active, query: KeywordQuery):
    """Every matching document with its score: Σ over query terms and fields of
    weight × BM25F, generic words × ``generic_boost``; a match has every required term
    (``every``) or one, in any field, and passes the filters."""
    terms = {t: 1 for t in query.terms}
    terms.update({t: 0 for t in query.generic if t not in terms})
    frequencies = db.session.execute(
        sa.select(P.c.field, P.c.term, sa.func.count()).where(
            P.c.generation_id == active.id, P.c.term.in_(terms))
        .group_by(P.c.field, P.c.term)).all()
    lengths, count = json.loads(active.lengths), max(active.doc_count, 1)
    weights = [(field, term, KEYWORD_FIELDS[field] * _idf(df, count)
                * (1.0 if terms[term] else query.generic_boost),
                lengths.get(field, 0) / count or 1.0, terms[term])
               for field, term, df in frequencies if field in KEYWORD_FIELDS]
    if not weights:
        weights = [("-", "-", 0.0, 1.0, 0)]  # VALUES needs a row; matches nothing
    q = sa.values(sa.column("field", sa.String), sa.column("term", sa.Text),
                  sa.column("weight", sa.Float), sa.column("avgfl", sa.Float),
                  sa.column("required", sa.Integer), name="q").data(weights)
    score = sa.func.sum(q.c.weight * P.c.tf * (K1 + 1)
                        / (P.c.tf + K1 * ((1 - B) + B * P.c.fl / q.c.avgfl)))
    matched = sa.func.count(sa.distinct(sa.case((q.c.required == 1, P.c.term))))
    scored = (sa.select(P.c.document_id, score.label("score"))
              .select_from(P.join(q, sa.and_(P.c.field == q.c.field, P.c.term == q.c.term)))
              .where(P.c.generation_id == active.id)
              .group_by(P.c.document_id)
              .having(matched >= (len(query.terms) if query.every else 1))).subquery()
    return (sa.select(D.c.id, D.c.key, D.c.kind, D.c.f_field, D.c.f_tag, D.c.f_region,
                      D.c.f_release, D.c.published, D.c.deadline, scored.c.score)
            .join(scored, D.c.id == scored.c.document_id)
            .where(*_filters(query.filters)))


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
            raise ValueError("the postgres backend keeps document frequencies of all only")
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
                T.c.generation_id == self.generation_id, T.c.term.in_(chunk))).all())
            self._df.update({t: found.get(t, 0) for t in chunk})

    def candidates(self, weighted, kind, limit):
        self.prefetch([t for t, _ in weighted])
        idf = {t: w * _idf(self._df[t], max(self.count, 1)) for t, w in weighted}
        q = sa.values(sa.column("term", sa.Text), sa.column("weight", sa.Float),
                      name="q").data(list(idf.items()))
        tfs = (sa.select(P.c.document_id, P.c.term, sa.func.sum(P.c.tf).label("tf"))
               .where(P.c.generation_id == self.generation_id, P.c.term.in_(idf),
                      P.c.field.in_(TEXT_FIELDS))
               .group_by(P.c.document_id, P.c.term)).subquery()
        score = sa.func.sum(q.c.weight * tfs.c.tf * (K1 + 1) / (
            tfs.c.tf + K1 * ((1 - B) + B * D.c.len_all / self.avg_all)))
        rows = db.session.execute(
            sa.select(*(D.c[name] for name in STORED), score.label("score"))
            .select_from(tfs.join(q, q.c.term == tfs.c.term)
                         .join(D, D.c.id == tfs.c.document_id))
            .where(D.c.kind == kind)
            .group_by(D.c.id)
            .order_by(sa.desc("score"), D.c.id).limit(limit)).all()
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
