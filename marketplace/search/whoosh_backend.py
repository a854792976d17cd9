"""The Whoosh backend (``SEARCH_BACKEND=whoosh``, the default): generations of a Whoosh
index under ``SEARCH_INDEX_DIR`` (``search.index``), one writer process at a time (Whoosh's
lock), facet tables kept per segment (``search.facets``), unions matched by
``search.union``. See ``search.backend`` for what each method promises."""
import multiprocessing
from bisect import bisect_left
from contextlib import contextmanager
from itertools import accumulate

from whoosh import sorting
from whoosh.collectors import TopCollector
from whoosh.query import And, AndMaybe, Or, Term
from whoosh.util.filelock import try_for

from marketplace.search import facets
from marketplace.search.backend import FACET_NAMES, Filters, KeywordQuery, KeywordResult
from marketplace.search.bulkwriter import BulkWriter
from marketplace.search.documents import FIELD_WEIGHTS, Doc
from marketplace.search.index import SearchIndex, document_fields
from marketplace.search.text import LanguageData
from marketplace.search.union import SummedOr

# Listings per segment of a rebuild at most (about: parts are cut by text). A part's
# postings are held in memory (~1 GB per writer process at this size); Whoosh's own pool
# would spill to disk and merge runs, which took half of the writing time.
PART_DOCS = 12_500
MIN_PARALLEL = 1_000  # fewer listings are written in this process
# Keyword answers kept per searcher (a few KB each: ≤ page × 10 keys and the facet counts);
# a popular query typed again costs the rows and the page, not the search (~20 ms at 10k).
ANSWERS_KEPT = 256
_part = None  # (index, docs, pipeline), inherited by forked writer processes


class WhooshReader:
    """A searcher of one generation as a ``backend.Reader``; kept on the searcher, so it
    lives (with what ``recommend.Idf`` caches on it) as long as the searcher does."""

    def __init__(self, searcher):
        self.searcher = searcher

    @classmethod
    def of(cls, searcher) -> "WhooshReader":
        reader = getattr(searcher, "_marketplace_reader", None)
        if reader is None:
            reader = searcher._marketplace_reader = cls(searcher)
        return reader

    def doc_count(self) -> int:
        return self.searcher.doc_count()

    def doc_frequency(self, fieldname: str, term: str) -> int:
        return self.searcher.doc_frequency(fieldname, term)

    def field_length(self, fieldname: str) -> int:
        return self.searcher.field_length(fieldname)

    def prefetch(self, terms) -> None:
        """Nothing to do: Whoosh reads a term's frequency from its term table."""

    def candidates(self, weighted, kind, limit):
        # And([Term("kind", kind), Or(key terms)]), matched as one (see search.union).
        query = SummedOr([Term("all", t, boost=w) for t, w in weighted],
                         required=Term("kind", kind))
        # Every match scored, no matcher replacement: Whoosh's default top-k collection
        # replaces union matchers mid-way and loses part of later documents' scores (70 of
        # 100 candidate lists differed from the exact BM25F top 41 on the 10k benchmark)
        # without being faster here.
        collector = TopCollector(limit=limit, usequality=False, replace=0)
        self.searcher.search_with_collector(query, collector)
        return [dict(hit) for hit in collector.results()]

    def stored_documents(self) -> list[dict]:
        return list(self.searcher.all_stored_fields())  # by document number: written order

    def bm25_basis(self) -> tuple[int, float]:
        # Whoosh's BM25F counts deleted documents not yet merged away (doc_count_all).
        return (self.searcher.doc_count_all(),
                self.searcher.avg_field_length("all") or 1.0)


def _answers(searcher) -> dict:
    """Keyword answers of this searcher: query → KeywordResult, least recently asked first.
    Kept on the searcher, so they live exactly as long as the state of the index they
    describe (``SearchIndex.searcher`` replaces the searcher after any commit), per thread
    like the searcher. They hold listing keys and counts of public listings only, the
    same for every visitor; the rows shown are loaded from the database each time."""
    answers = getattr(searcher, "_marketplace_answers", None)
    if answers is None:
        answers = searcher._marketplace_answers = {}
    return answers


def _term_query(term: str, boost: float = 1.0):
    """``term`` in any weighted field or the organization's name (see search.union)."""
    return SummedOr([Term(f"t_{name}", term, boost=weight)
                     for name, weight in FIELD_WEIGHTS.items()] + [Term("org", term)],
                    boost=boost)


def _filters(filters: Filters) -> list:
    clauses = []
    if filters.kind:
        clauses.append(Term("kind", filters.kind))
    if filters.field:
        clauses.append(Or([Term("f_field", filters.field), Term("f_group", filters.field)]))
    if filters.tag:
        clauses.append(Term("f_tag", filters.tag))
    if filters.region:
        clauses.append(Term("f_path", filters.region))
    if filters.release:
        clauses.append(Term("f_release", filters.release))
    return clauses


def _query(query: KeywordQuery):
    combine = And if query.every else Or
    wanted = And([combine([_term_query(t) for t in query.terms]), *_filters(query.filters)])
    if not query.generic:
        return wanted
    # The generic words outermost: inside an And, Whoosh's AndMaybe matcher is moved by
    # skip_to and drops the optional part's score of some matches. Their boost on each
    # word's clause: an Or of one clause matches as that clause alone and drops its own
    # boost (a single generic word was counted in full).
    return AndMaybe(wanted, Or([_term_query(t, query.generic_boost) for t in query.generic]))


class WhooshBackend(SearchIndex):
    """``backend.SearchBackend`` over one index root."""

    name = "whoosh"

    @contextmanager
    def reader(self):
        with self.searcher() as searcher:
            yield WhooshReader.of(searcher)

    def apply(self, upserts: list[Doc], removals: list[str], timeout: float) -> bool:
        ix, pipeline = self.open()
        # Whoosh's writer lock, taken before any writer exists: a writer makes the files
        # of a new segment at once, and a cancelled one leaves them until the next commit
        # (three files per drain pass that had nothing to write).
        lock = ix.lock("WRITELOCK")
        if not try_for(lock.acquire, timeout=timeout, delay=0.1):
            return False
        try:
            removals = self._held(removals)
            if not upserts and not removals:
                # Nothing to change: no new table of contents, so every process keeps its
                # searcher and the answers kept with it.
                return True
            self._write(ix, pipeline, upserts, removals)
        finally:
            lock.release()
        return True

    @staticmethod
    def _write(ix, pipeline, upserts: list[Doc], removals: list[str]) -> None:
        writer = ix.writer(_lk=False)  # the caller holds the lock
        try:
            for doc in upserts:
                writer.update_document(**document_fields(doc, pipeline))
            for key in removals:
                writer.delete_by_term("key", key)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise

    def _held(self, keys: list[str]) -> list[str]:
        """Those of ``keys`` the index holds (read while the caller holds the writer lock,
        so the searcher is of the last commit)."""
        if not keys:
            return []
        with self.searcher() as searcher:
            return [key for key in keys if searcher.document_number(key=key) is not None]

    def write_generation(self, docs, language: LanguageData, processes: int = 1) -> None:
        """A segment per part (parts of equal text, at least one per PART_DOCS listings, so
        that a part's postings stay in memory), each segmented and written in one of
        ``processes`` processes, all committed together by this one."""
        path, ix, pipeline = self.create_generation(language)
        # Two parts per process: the pool hands the next to whichever finishes first
        # (equal text still left one process waiting seconds for the other at 10k).
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
        self.activate(path)

    def keyword(self, query: KeywordQuery) -> KeywordResult:
        """The answer is kept with the searcher it came from (``_answers``): the same query
        is answered again only once the index has changed."""
        ix, _ = self.open()
        with self.searcher() as searcher:
            answers = _answers(searcher)
            found = answers.pop(query, None)
            if found is None:
                found = self._keyword(ix, searcher, query)
            answers[query] = found  # the most recently asked last
            while len(answers) > ANSWERS_KEPT:
                del answers[next(iter(answers))]
        return found

    def _keyword(self, ix, searcher, query: KeywordQuery) -> KeywordResult:
        sort = {"newest": sorting.FieldFacet("published", reverse=True),
                "deadline": sorting.FieldFacet("deadline")}.get(query.sort)
        collector = facets.collector(query.limit, sort)
        searcher.search_with_collector(_query(query), collector)
        total, groups = facets.counts(collector.segments, self.cache, ix.storage.folder)
        keys = [hit["key"] for hit in collector.results()[:query.limit]]
        return KeywordResult(total=total, keys=keys,
                             facets={name: groups[name] for name in FACET_NAMES})

    def finds(self, terms: list[str]) -> bool:
        with self.searcher() as searcher:
            return searcher.search(And([_term_query(t) for t in terms]),
                                   limit=1).scored_length() > 0

    def stored_keys(self) -> set[str]:
        ix, _ = self.open()
        with ix.searcher() as searcher:
            return {fields["key"] for fields in searcher.all_stored_fields()}


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
    text, the work of segmenting and writing them (products carry cases: equal numbers of
    listings left one process waiting two seconds for the other at 10k)."""
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
        if processes > 1 and len(parts) > 1 and len(docs) >= MIN_PARALLEL:
            with multiprocessing.get_context("fork").Pool(min(processes, len(parts))) as pool:
                return pool.map(_write_part, parts, chunksize=1)
        return [_write_part(bounds) for bounds in parts]
    finally:
        _part = None
