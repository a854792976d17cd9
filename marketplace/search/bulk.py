"""Candidate retrieval for many listings at once, for a full refresh of the stored
recommendations and look-alike pairs (``matching.bulk``).

``recommend.candidates`` asks the index once per listing: BM25F over the ``all`` field
for the listing's key terms (100–180 ms at 100k listings with Whoosh). A full refresh
asks it for every listing, so here the index's term data is loaded once per generation
(``Reader.stored_documents``, ``doc_frequency``, ``bm25_basis``) as a sparse matrix of
each document's BM25F term scores, and a batch of listings' key terms is multiplied with
it: the same scores the backends compute (Whoosh's formula, which the postgres backend
reproduces), the same order (best first, ties by the order documents were written).
Sums are added in another order than the backends add them, so two candidates whose
scores differ in the last bits may swap places (tests/search/test_bulk.py states how
often the lists agree).
"""
import sys
from array import array
from collections import Counter

import numpy as np
from scipy import sparse

from marketplace.db import utcnow
from marketplace.search import lookalikes
from marketplace.search import recommend as ranking
from marketplace.search.bm25 import idf, quantized, saturated
from marketplace.search.index import TEXT_FIELDS
from marketplace.search.text import Pipeline, Span

class _Statistics:
    """The term statistics ``recommend.Idf`` reads, copied from a reader for the
    vocabulary of one generation (a term no document has: frequency 0), so that worker
    processes score without the reader (whose backend may be a database connection)."""

    def __init__(self, reader, vocabulary):
        self.count = reader.doc_count()
        self.frequencies = {t: reader.doc_frequency("all", t) for t in vocabulary}
        self.lengths = {f"t_{name}": reader.field_length(f"t_{name}") for name in TEXT_FIELDS}

    def doc_count(self) -> int:
        return self.count

    def doc_frequency(self, fieldname: str, term: str) -> int:
        return self.frequencies.get(term, 0)

    def field_length(self, fieldname: str) -> int:
        return self.lengths[fieldname]


class Corpus:
    """Every document of one index generation: its stored fields and terms, and the BM25F
    score of each of its terms in ``all`` (a row of ``scores`` per document)."""

    def __init__(self, reader, pipeline: Pipeline):
        self.pipeline = pipeline
        self.loaded_at = utcnow()  # a pair scored since, on this corpus, scores the same
        self.stored = reader.stored_documents()
        self.position = {s["key"]: i for i, s in enumerate(self.stored)}
        self._others: dict[int, tuple] = {}
        self._alike: dict[int, dict] = {}
        self.vocabulary: dict[str, int] = {}
        rows, columns, counts, lengths = [], [], [], []
        for number, stored in enumerate(self.stored):
            words = [w for name in TEXT_FIELDS for w in (stored.get(f"t_{name}") or "").split()]
            for word, count in Counter(words).items():
                rows.append(number)
                columns.append(self.vocabulary.setdefault(word, len(self.vocabulary)))
                counts.append(count)
            lengths.append(quantized(len(words)))
        terms = list(self.vocabulary)
        reader.prefetch(terms)
        statistics = _Statistics(reader, terms)
        self.idf = ranking.Idf(statistics)
        total, mean = reader.bm25_basis()
        weights = np.array([idf(statistics.frequencies[t], total) for t in terms])
        tf = np.array(counts, dtype=float)
        length = np.array(lengths, dtype=float)[np.array(rows, dtype=np.int64)]
        values = weights[np.array(columns, dtype=np.int64)] * saturated(tf, length, mean)
        matrix = sparse.csr_matrix((values, (rows, columns)),
                                   shape=(len(self.stored), len(terms)))
        kinds = np.array([s["kind"] for s in self.stored])
        # Per kind: the positions of its documents, and their rows transposed.
        self.by_kind = {kind: (where, matrix[where].T.tocsc()) for kind, where in
                        ((kind, np.flatnonzero(kinds == kind)) for kind in set(kinds))}

    def terms(self, key: str) -> dict[str, list[str]] | None:
        """A document's terms per field as matching uses them (stop-words left out), or
        None if the index does not hold it."""
        position = self.position.get(key)
        return None if position is None else self.other(position)[1]

    def alike_terms(self, position: int) -> dict[str, list[str]]:
        """The document's terms as the look-alike score counts them, made once."""
        found = self._alike.get(position)
        if found is None:
            found = self._alike[position] = lookalikes.without_field(self.other(position)[1])
        return found

    def other(self, position: int) -> tuple:
        """(Doc from stored fields, terms) of the document at ``position``, made once."""
        found = self._others.get(position)
        if found is None:
            found = self._others[position] = ranking.stored_candidates(
                [self.stored[position]], self.pipeline)[0]
        return found

    def candidates(self, queries: list[tuple[dict, str, str | None]],
                   limit: int = ranking.CANDIDATES) -> list[list[int]]:
        """For each (terms, kind, excluded key): the positions of the best ``limit``
        documents of ``kind`` for the terms' key terms — ``recommend.candidates``'
        answer, for all of them in one product per kind."""
        found: list[list[int]] = [[] for _ in queries]
        for kind in {kind for _, kind, _ in queries}:
            if kind not in self.by_kind:
                continue
            asking = [i for i, (_, k, _) in enumerate(queries) if k == kind]
            where, scores_t = self.by_kind[kind]
            weights = self._key_weights([queries[i][0] for i in asking])
            result = (weights @ scores_t).tocsr()
            for row, i in enumerate(asking):
                found[i] = self._top(result, row, where, queries[i][2], limit)
        return found

    def _key_weights(self, many: list[dict]):
        """A row per query: its key terms' weights (``recommend.key_terms``)."""
        rows, columns, values = [], [], []
        for row, terms in enumerate(many):
            for term, weight in ranking.key_terms(terms, self.idf):
                column = self.vocabulary.get(term)
                if column is not None:  # a term no document has matches nothing
                    rows.append(row)
                    columns.append(column)
                    values.append(weight)
        return sparse.csr_matrix((values, (rows, columns)),
                                 shape=(len(many), len(self.vocabulary)))

    def _top(self, result, row: int, where, exclude: str | None, limit: int) -> list[int]:
        start, stop = result.indptr[row], result.indptr[row + 1]
        scores, columns = result.data[start:stop], result.indices[start:stop]
        positions = where[columns]
        keep = min(limit + 1, len(scores))
        if len(scores) > 4 * keep:  # only the best few need sorting
            best = np.argpartition(-scores, keep - 1)[:keep]
            cut = scores[best].min()
            chosen = scores >= cut  # and every tie with the last of them
            scores, positions = scores[chosen], positions[chosen]
        order = np.lexsort((positions, -scores))[:limit + 1]
        picked = [int(p) for p in positions[order] if self.stored[p]["key"] != exclude]
        return picked[:limit]


class Remembered(lookalikes.Vectors):
    """What scoring computes per document — its ``recommend.Profile``, its look-alike term
    vector, the spans of its texts that evidence marks — made once per document for the
    pairs of a whole refresh instead of once per pair (the same values). Forgets them all
    past ``documents`` profiles or vectors (about 13 KB a document) or ``texts`` texts'
    spans (a few KB a text), to bound a worker's memory: at 100k listings, all of them.
    """

    def __init__(self, pipeline: Pipeline, documents: int = 120_000, texts: int = 240_000):
        super().__init__()
        self.pipeline = pipeline
        self._limits = {"documents": documents, "texts": texts}
        self._profiles: dict[int, tuple] = {}
        self._spans: dict[tuple, list] = {}

    def _bounded(self, memo: dict, limit: str = "documents") -> dict:
        if len(memo) > self._limits[limit]:
            memo.clear()
            self._norms.clear()  # keyed by the ids of vectors that may now be gone
        return memo

    def profile(self, doc, terms: dict, idf) -> ranking.Profile:
        """``recommend.Profile`` of the document with these ``terms`` (held, so their id
        stays theirs)."""
        found = self._bounded(self._profiles).get(id(terms))
        if found is None:
            found = self._profiles[id(terms)] = (terms, ranking.Profile(doc, terms, idf))
        return found[1]

    def spans(self, text: str, for_search: bool = True, only=None, keep_stop=None) -> list:
        """``Pipeline.spans`` for marking (``only`` given): the spans of the text whose term
        is one of ``only`` (stop-words included). The text is segmented once; what is kept
        of it is its terms and their offsets, a few KB, not a ``Span`` for each."""
        key = (text, for_search)
        found = self._bounded(self._spans, "texts").get(key)
        if found is None:
            spans = self.pipeline.spans(text, for_search, keep_stop=True)
            found = self._spans[key] = (tuple(sys.intern(s.term) for s in spans),
                                        array("I", [o for s in spans for o in (s.start, s.end)]))
        terms, offsets = found
        return [Span(term, text[offsets[2 * i]:offsets[2 * i + 1]], offsets[2 * i],
                     offsets[2 * i + 1])
                for i, term in enumerate(terms) if only is None or term in only]
