"""The search engine's entry points for the rest of the app (no whoosh outside search/)."""
from marketplace.search import lookalikes
from marketplace.search import recommend as ranking
from marketplace.search.documents import Doc
from marketplace.search.index import SearchIndex


class MatchEngine:
    """Recommendations and look-alikes over one index."""

    def __init__(self, index: SearchIndex, weights: ranking.Weights = ranking.WEIGHTS):
        self.index = index
        self.weights = weights

    def recommend(self, doc: Doc, kind: str, limit: int = 10,
                  candidates: int = ranking.CANDIDATES) -> list[ranking.RankedMatch]:
        """The best banded matches of ``kind`` for ``doc`` (scores only, no evidence)."""
        _, pipeline = self.index.open()
        terms = ranking.field_terms(doc, pipeline)
        with self.index.searcher() as searcher:
            idf = ranking.Idf.of(searcher)
            stored = ranking.candidates(searcher, terms, kind, idf, exclude=doc.key,
                                          limit=candidates)
            others = ranking.stored_candidates(stored, pipeline)
            return ranking.rank(doc, terms, others, idf, pipeline, self.weights,
                                  with_evidence=False)[:limit]

    def scored_candidates(self, doc: Doc, kind: str,
                          candidates: int = ranking.CANDIDATES) -> list[tuple[str, dict]]:
        """Candidates with their score components, for tuning the weights offline."""
        _, pipeline = self.index.open()
        terms = ranking.field_terms(doc, pipeline)
        with self.index.searcher() as searcher:
            idf = ranking.Idf.of(searcher)
            stored = ranking.candidates(searcher, terms, kind, idf, exclude=doc.key,
                                          limit=candidates)
            return [(other.key, ranking.components(doc, terms, other, other_terms, idf))
                    for other, other_terms in ranking.stored_candidates(stored, pipeline)]

    def explain(self, doc: Doc, other: Doc) -> tuple[float, str | None, dict]:
        """Score, band and the evidence shown for one pair (both documents complete)."""
        _, pipeline = self.index.open()
        a_terms = ranking.field_terms(doc, pipeline)
        b_terms = ranking.field_terms(other, pipeline)
        with self.index.searcher() as searcher:
            score, basis = ranking.pair_score(doc, a_terms, other, b_terms,
                                                ranking.Idf.of(searcher), self.weights)
        level = ranking.band(score, self.weights)
        detail = ranking.evidence(doc, a_terms, other, b_terms, basis, pipeline) if level else {}
        return round(score, 4), level, detail

    def peers(self, docs: list[Doc]) -> list[lookalikes.Peer]:
        """Listings that are not in the index (under review), segmented once so that a
        batch of look-alike searches can compare each with all of them."""
        pipeline = self.index.pipeline()
        return [lookalikes.Peer(doc, lookalikes.terms_of(doc, pipeline)) for doc in docs]

    def look_alikes(self, doc: Doc, peers: list[lookalikes.Peer], threshold: float,
                    limit: int = 10) -> list[lookalikes.Similar]:
        """Published listings (one index query) and ``peers`` of ``doc``'s kind whose
        duplicate score with ``doc`` reaches ``threshold`` (see search.lookalikes)."""
        _, pipeline = self.index.open()
        with self.index.searcher() as searcher:
            return lookalikes.look_alikes(searcher, pipeline, doc, peers, threshold, limit)
