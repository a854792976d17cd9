"""Look-alikes: two listings of the same list that may say the same thing.

Why this score and not the matching score: matching (``recommend``) ranks the *other*
list and adds signals that belong to supply meeting demand (how much of the need a
product covers, region containment, maturity); its ``need_coverage`` is not even
symmetric for two listings of one kind. A duplicate is the same text written twice, so
the score here is only the cosine of the two listings' weighted term vectors — the
vectors matching uses (field weights × (1 + log tf) × idf over the index, compounds'
inner words at half weight), with the field name and field group left out: they are
shared by every listing of a field and would pull unrelated needs of one field together.
The score is symmetric, so one stored pair serves both listings, and it is between 0 and
1, so a single threshold (``LOOKALIKE_THRESHOLD``) reads the same on every page.

Candidates come from the index (published listings, the retrieval matching uses) plus
the listings under review the caller passes as ``peers`` (they are not in the public
index): the only pending listings are the few in the review queue, so comparing with
each of them is cheap; the published side needs the index.
"""
import math
import threading
from dataclasses import dataclass

from marketplace.search import recommend as ranking
from marketplace.search.documents import Doc
from marketplace.search.text import Pipeline

# The taxonomy names shared by a whole field, left out of the duplicate score.
LEFT_OUT = ("field",)
SHOWN_TERMS = 8


@dataclass(frozen=True)
class Peer:
    """A listing not in the index, with its terms computed once per batch."""

    doc: Doc
    terms: dict


class KeptPeers:
    """Peers kept between batches, per kind: a listing under review is segmented again
    only once its document has changed (or the index's pipeline has). The drain compares
    each listing it refreshes with every listing under review of its kind, once a pass
    (about a second under load), and segmenting the whole review queue each pass was most
    of its work once the queue held hundreds. Only the peers of the last call for a kind
    are kept, so the memory follows the review queue."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pipeline: Pipeline | None = None
        self._by_kind: dict[str, dict[str, Peer]] = {}

    def peers(self, docs: list[Doc], pipeline: Pipeline) -> list[Peer]:
        """A ``Peer`` of each of ``docs`` (the same object as last time if unchanged)."""
        with self._lock:
            if self._pipeline is not pipeline:
                self._pipeline, self._by_kind = pipeline, {}
            found, now = [], {}
            for doc in docs:
                peer = self._by_kind.get(doc.kind, {}).get(doc.key)
                if peer is None or peer.doc != doc:
                    peer = Peer(doc, terms_of(doc, pipeline))
                found.append(peer)
                now.setdefault(doc.kind, {})[doc.key] = peer
            self._by_kind.update(now)
            return found


class Vectors:
    """``similarity``'s ``vector`` and ``norm`` made once per document for a batch of
    comparisons under one index state (the same idf): a listing compared with every
    listing under review was otherwise weighed again for each, and each of them again for
    each listing. Keyed by the identity of the terms (held, so an id stays theirs)."""

    def __init__(self):
        self._vectors: dict[int, tuple] = {}
        self._norms: dict[int, float] = {}

    def _bounded(self, memo: dict) -> dict:
        return memo

    def vector(self, terms: dict, idf) -> dict[str, float]:
        found = self._bounded(self._vectors).get(id(terms))
        if found is None:
            found = self._vectors[id(terms)] = (terms, ranking._vector(terms, idf))
        return found[1]

    def norm(self, vector: dict[str, float]) -> float:
        """``recommend._norm`` of a vector ``vector()`` returned (held there)."""
        found = self._norms.get(id(vector))
        if found is None:
            found = self._norms[id(vector)] = ranking._norm(vector)
        return found


@dataclass(frozen=True)
class Similar:
    """A look-alike of a listing: its key (``kind:id``), score in [0, 1] and the words the
    two share, most telling first."""

    key: str
    score: float
    terms: list


def terms_of(doc: Doc, pipeline: Pipeline) -> dict[str, list[str]]:
    """The document's terms per weighted field, as matching segments them."""
    return without_field(ranking.field_terms(doc, pipeline))


def _stored_terms(stored: dict, pipeline: Pipeline) -> dict[str, list[str]]:
    return without_field(ranking.stored_terms(stored, pipeline))


def _shown(shared: list[str]) -> list[str]:
    """Whole words only (网通 is not shown beside 一网通办), Latin words upper-cased."""
    return [t.upper() if t.isascii() else t for t in shared
            if not any(t != o and t in o for o in shared)][:SHOWN_TERMS]


def similarity(a_terms: dict, b_terms: dict, idf, vector=ranking._vector,
               at_least: float = 0.0, norm=ranking._norm) -> Similar | None:
    """The cosine of two term vectors and the words they share (key left empty); None
    when it is below ``at_least`` (the shared words are not worth picking then).
    ``vector(terms, idf)`` weighs a document's terms and ``norm(vector)`` is its length
    (a full refresh passes makers that remember each document's)."""
    va, vb = vector(a_terms, idf), vector(b_terms, idf)
    norm = norm(va) * norm(vb)
    if not norm:
        return None
    common = va.keys() & vb.keys()
    # Below the threshold even once rounded to 4 places, whatever the order of the sum:
    # not worth sorting.
    if sum(va[t] * vb[t] for t in common) / norm < at_least - 1e-4:
        return None
    shared = sorted(common, key=lambda t: -va[t] * vb[t])
    score = round(min(sum(va[t] * vb[t] for t in shared) / norm, 1.0), 4)
    if score < at_least:
        return None
    return Similar("", score, _shown(shared))


def look_alikes(reader, pipeline: Pipeline, doc: Doc, peers: list[Peer],
                threshold: float, limit: int, vectors: Vectors | None = None) -> list[Similar]:
    """The listings of ``doc``'s kind, published (from the index) or among ``peers``,
    whose score with ``doc`` reaches ``threshold``; best first, at most ``limit``.
    ``vectors``: kept for the batch the peers belong to (one for this call otherwise)."""
    idf = ranking.Idf.of(reader)
    stored = ranking.candidates(reader, ranking.field_terms(doc, pipeline), doc.kind, idf,
                                exclude=doc.key)
    others = {s["key"]: _stored_terms(s, pipeline) for s in stored}
    vectors = vectors or Vectors()
    return among(doc, terms_of(doc, pipeline), others, peers, idf, threshold, limit,
                 vector=vectors.vector, norm=vectors.norm)


def without_field(terms: dict[str, list[str]]) -> dict[str, list[str]]:
    """Matching's terms of a document as this score counts them (``LEFT_OUT`` dropped)."""
    return {name: words for name, words in terms.items() if name not in LEFT_OUT}


def among(doc: Doc, terms: dict, others: dict[str, dict], peers: list[Peer], idf,
          threshold: float, limit: int, vector=ranking._vector,
          norm=ranking._norm) -> list[Similar]:
    """``look_alikes`` once the candidates from the index (key → terms) are known;
    ``vector``, ``norm``: see ``similarity``."""
    others = {**others, **{peer.doc.key: peer.terms for peer in peers
                           if peer.doc.kind == doc.kind and peer.doc.key != doc.key}}
    found = []
    for key, other_terms in others.items():
        result = similarity(terms, other_terms, idf, vector, threshold, norm)
        if result is not None and result.score >= threshold and not math.isnan(result.score):
            found.append(Similar(key, result.score, result.terms))
    return sorted(found, key=lambda s: (-s.score, s.key))[:limit]
