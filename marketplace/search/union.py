"""``SummedOr``: an ``Or`` whose matcher adds up its clauses' scores per document, for the
wide unions search and matching build (a term in every weighted field; an item's key
terms).

Whoosh offers two ways to match an ``Or``: a binary tree of union matchers, stepping every
clause along together (slow per match: most of a broad query's time), and an "array"
union that adds the scores of a block of 2,048 documents at a time — which clears and
scans that array position by position, so its cost grows with the size of the index,
not of the result. This one reads each clause's postings once, adds the scores in a dict
(in clause order, starting from 0.0: the same sums as Whoosh's array union) and then
walks the sorted matching documents, so it costs what the postings cost.
"""
from bisect import bisect_left

from whoosh.matching import mcore
from whoosh.query import NullQuery, Or


class SummedUnion(mcore.Matcher):
    """The documents of any clause, in order, with summed scores; no block-quality
    skipping."""

    def __init__(self, submatchers, boost: float = 1.0, scored: bool = True,
                 required: dict[int, float] | None = None):
        scores: dict[int, float] = {}
        for matcher in submatchers:
            while matcher.is_active():
                docnum = matcher.id()
                if required is not None and docnum not in required:
                    pass  # not in the result: not worth scoring
                elif scored:
                    scores[docnum] = scores.get(docnum, 0.0) + matcher.score() * boost
                else:
                    scores[docnum] = 1
                matcher.next()
        if required is not None and scored:  # And(required, union) adds the two scores
            scores = {docnum: required[docnum] + score for docnum, score in scores.items()}
        self._scores = scores
        # Every document with a posting, as Whoosh's tree of unions matches. (Its array
        # union tests "score > 0" instead, which loses documents whose key terms got a
        # negative weight: a term in nearly every document of a tiny index.)
        self._ids = sorted(scores)
        self._i = 0

    def is_active(self):
        return self._i < len(self._ids)

    def id(self):
        return self._ids[self._i]

    def score(self):
        return self._scores[self._ids[self._i]]

    def next(self):
        self._i += 1
        return False

    def skip_to(self, docnum):
        if self._i < len(self._ids) and self._ids[self._i] < docnum:
            self._i = bisect_left(self._ids, docnum, self._i)

    def all_ids(self):
        while self._i < len(self._ids):
            yield self._ids[self._i]
            self._i += 1

    def supports(self, astype):
        return False

    def supports_block_quality(self):
        return False

    def max_quality(self):
        return max((self._scores[d] for d in self._ids[self._i:]), default=0.0)

    block_quality = max_quality

    def replace(self, minquality=0):
        return self if self.is_active() else mcore.NullMatcher()

    def copy(self):
        other = SummedUnion.__new__(SummedUnion)
        other._scores, other._ids, other._i = self._scores, self._ids, self._i
        return other

    def depth(self):
        return 0


class SummedOr(Or):
    """``Or`` matched with ``SummedUnion`` (clauses with no posting in a segment are
    dropped first). With ``required``, it matches as ``And([required, Or(...)])`` does —
    the same documents and scores — but scores only the required query's documents and
    skips stepping the two along together: recommendations ask for the other kind, half
    of the index."""

    def __init__(self, subqueries, boost=1.0, minmatch=0, scale=None, required=None):
        super().__init__(subqueries, boost=boost, minmatch=minmatch, scale=scale)
        self.required = required

    def normalize(self):
        query = super().normalize()
        if self.required is None or query is NullQuery:
            return query
        if not isinstance(query, SummedOr):  # one clause left: keep the requirement
            query = SummedOr([query])
        query.required = self.required
        return query

    def matcher(self, searcher, context=None):
        # CompoundQuery.matcher hands a single clause its own matcher, which would drop
        # ``required`` (a listing with one key term would be matched against both kinds).
        if not self.subqueries:
            return mcore.NullMatcher()
        return self._matcher(self.subqueries, searcher, context)

    def _matcher(self, subs, searcher, context):
        scored = context.weighting is not None if context else True
        required = None
        if self.required is not None:
            required = _scores(searcher, self.required, scored)
            if not required:
                return mcore.NullMatcher()
        matchers = [m for m in (sub.matcher(searcher, context) for sub in subs)
                    if m.is_active()]
        if not matchers:
            return mcore.NullMatcher()
        return SummedUnion(matchers, boost=self.boost, scored=scored, required=required)


def _scores(searcher, query, scored: bool) -> dict[int, float]:
    """Document number → score of ``query`` in the (segment) searcher, kept on its reader,
    which SearchIndex replaces when the index changes."""
    cache = searcher.reader().__dict__.setdefault("_marketplace_required", {})
    key = (repr(query), scored)
    found = cache.get(key)
    if found is None:
        found = {}
        matcher = query.matcher(searcher, searcher.context() if scored
                                else searcher.boolean_context())
        while matcher.is_active():
            found[matcher.id()] = matcher.score() if scored else 1
            matcher.next()
        cache[key] = found
    return found
