"""The search engine's entry points for the rest of the app (no whoosh outside search/):
matching over whichever backend holds the index (``search.backend``)."""
from marketplace.search import lookalikes
from marketplace.search import recommend as ranking
from marketplace.search.documents import Doc
from marketplace.search.backend import SearchBackend


# Listings under review, segmented, kept between the drain's passes (a process's engines
# share them: a MatchEngine is made per pass).
_kept_peers = lookalikes.KeptPeers()


class MatchEngine:
    """Recommendations and look-alikes over one index (a backend)."""

    def __init__(self, index: SearchBackend, weights: ranking.Weights = ranking.WEIGHTS):
        self.index = index
        self.weights = weights

    def recommend(self, doc: Doc, kind: str, limit: int = 10,
                  candidates: int = ranking.CANDIDATES) -> list[ranking.RankedMatch]:
        """The best banded matches of ``kind`` for ``doc`` (scores only, no evidence)."""
        pipeline = self.index.pipeline()
        terms = ranking.field_terms(doc, pipeline)
        with self.index.reader() as reader:
            idf = ranking.Idf.of(reader)
            stored = ranking.candidates(reader, terms, kind, idf, exclude=doc.key,
                                          limit=candidates)
            others = ranking.stored_candidates(stored, pipeline)
            return ranking.rank(doc, terms, others, idf, pipeline, self.weights,
                                  with_evidence=False)[:limit]

    def scored_candidates(self, doc: Doc, kind: str,
                          candidates: int = ranking.CANDIDATES) -> list[tuple[str, dict]]:
        """Candidates with their score components, for tuning the weights offline."""
        pipeline = self.index.pipeline()
        terms = ranking.field_terms(doc, pipeline)
        with self.index.reader() as reader:
            idf = ranking.Idf.of(reader)
            stored = ranking.candidates(reader, terms, kind, idf, exclude=doc.key,
                                          limit=candidates)
            return [(other.key, ranking.components(doc, terms, other, other_terms, idf))
                    for other, other_terms in ranking.stored_candidates(stored, pipeline)]

    def explain(self, doc: Doc, other: Doc) -> tuple[float, str | None, dict]:
        """Score, band and the evidence shown for one pair (both documents complete)."""
        pipeline = self.index.pipeline()
        a_terms = ranking.field_terms(doc, pipeline)
        b_terms = ranking.field_terms(other, pipeline)
        with self.index.reader() as reader:
            return ranking.explained(doc, a_terms, other, b_terms, ranking.Idf.of(reader),
                                     pipeline, self.weights)

    def peers(self, docs: list[Doc]) -> list[lookalikes.Peer]:
        """Listings that are not in the index (under review), segmented once so that a
        batch of look-alike searches can compare each with all of them (and kept for the
        next batch while unchanged: ``lookalikes.KeptPeers``)."""
        return _kept_peers.peers(docs, self.index.pipeline())

    def look_alikes(self, doc: Doc, peers: list[lookalikes.Peer], threshold: float,
                    limit: int = 10, vectors: lookalikes.Vectors | None = None,
                    ) -> list[lookalikes.Similar]:
        """Published listings (one index query) and ``peers`` of ``doc``'s kind whose
        duplicate score with ``doc`` reaches ``threshold`` (see search.lookalikes);
        ``vectors`` kept across the calls of one batch."""
        pipeline = self.index.pipeline()
        with self.index.reader() as reader:
            return lookalikes.look_alikes(reader, pipeline, doc, peers, threshold, limit,
                                          vectors)
