"""Matching opportunities and products: candidate retrieval from the index, then a
symmetric pair score with evidence.

1. Retrieval: the item's most discriminative terms (tf × idf × field weight, at most
   ``KEY_TERMS``) as one OR query over the ``all`` field, with the other kind as a required
   clause (faster than ``filter=``), top ``CANDIDATES`` by BM25F.
2. Scoring: weighted-term cosine of the two documents (the same function whichever side
   asked, so one stored row serves both pages), how much of the need the product covers,
   BM25F of the need's key terms in the product (from the term statistics any backend
   has: document count, document frequencies, mean field lengths), plus structured
   signals — same field, same field group, shared tags, region containment, product
   maturity. Weights, the "nothing fits" decision (``kept``) and the bands were chosen by
   cross-validation over three labelled sets (benchmarks/tune_matching.py).
"""
import math
from dataclasses import dataclass
from functools import cached_property

from marketplace.search.documents import FIELD_LABELS, FIELD_WEIGHTS, Doc
from marketplace.search.highlight import mark
from marketplace.search.index import TEXT_FIELDS
from marketplace.search.text import Pipeline

KEY_TERMS = 15
CANDIDATES = 40


@dataclass(frozen=True)
class Weights:
    """Chosen with benchmarks/tune_matching.py by leave-one-set-out cross-validation over
    three labelled sets written independently (tests/data/matching, matching_b,
    matching_c; docs/matching.md has the figures). On sets written by other people the
    text, the share of the need a product covers and the BM25F of the need's key terms in
    it carry the ranking; a shared field or tag adds a little, region and maturity next to
    nothing.

    An item lists nothing ("暂无高度匹配") unless the evidence that something fits reaches
    ``weak``: its best score plus ``margin`` × that score's lead over the next few
    (``evidence_of_fit``); then every match scoring at least ``floor`` × the best. Bands:
    ≥ ``strong`` 98% of listed pairs were graded relevant across the three sets,
    ≥ ``medium`` 83%."""

    same_field: float = 0.10
    same_group: float = 0.0
    shared_tag: float = 0.05
    region: float = 0.03
    maturity: float = 0.0
    need_coverage: float = 0.6  # × the share of the opportunity's term weight the product has
    key_bm25: float = 0.15      # × BM25F of the opportunity's key terms in the product, 0–1
    margin: float = 1.0         # × the best match's lead over the next ones …
    weak: float = 0.70          # … plus the best score must reach this for any list at all
    floor: float = 0.2          # then every match scoring at least this share of the best
    medium: float = 0.45
    strong: float = 0.65


WEIGHTS = Weights()
MATURITY = {"成熟": 1.0, "试点": 0.6, "研发": 0.2}


@dataclass
class RankedMatch:
    """A candidate of the other kind with its score, band and (optionally) evidence."""

    key: str
    score: float
    band: str
    evidence: dict


def field_terms(doc: Doc, pipeline: Pipeline) -> dict[str, list[str]]:
    return {name: pipeline.terms(text) for name, text in doc.texts().items()}


def stored_terms(stored: dict, pipeline: Pipeline) -> dict[str, list[str]]:
    """A candidate's terms as the index stored them, stop-words left out as for the item."""
    return {name: [t for t in (stored.get(f"t_{name}") or "").split() if not pipeline.is_stop(t)]
            for name in TEXT_FIELDS}


class Idf:
    """Inverse document frequency over the ``all`` field of one searcher."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.total = max(searcher.doc_count(), 1)
        self._cache: dict[str, float] = {}
        self._lengths: dict[str, float] = {}

    @classmethod
    def of(cls, searcher) -> "Idf":
        """The reader's own instance: a reader sees one fixed state of the index, and the
        backends keep a reader until the index changes, so the cache of document
        frequencies lasts across queries (a recommendation looks up ~1,500 terms)."""
        idf = getattr(searcher, "_marketplace_idf", None)
        if idf is None:
            idf = searcher._marketplace_idf = cls(searcher)
        return idf

    def __call__(self, term: str) -> float:
        if term not in self._cache:
            df = self.searcher.doc_frequency("all", term)
            self._cache[term] = math.log(1 + (self.total - df + 0.5) / (df + 0.5))
        return self._cache[term]

    def mean_length(self, name: str) -> float:
        """Mean number of terms of one text field (``TEXT_FIELDS``) per document, stop-words
        included (for BM25's length normalisation)."""
        if name not in self._lengths:
            self._lengths[name] = self.searcher.field_length(f"t_{name}") / self.total
        return self._lengths[name]


SUBWORD = 0.5  # a word inside a longer word of the same text (区块 in 区块链)


def _inner_words(words) -> set[str]:
    inner = set()
    for word in words:
        if len(word) > 2 and not word.isascii():
            inner.update(word[i:j] for i in range(len(word))
                         for j in range(i + 2, len(word) + 1) if j - i < len(word))
    return inner


def _vector(terms: dict[str, list[str]], idf: Idf) -> dict[str, float]:
    """term → max field weight × (1 + log tf) × idf; the shorter words that search-mode
    segmentation adds inside compounds count half, so a compound is not counted twice."""
    vector: dict[str, float] = {}
    counts: dict[str, int] = {}
    for name, words in terms.items():
        for word in words:
            counts[word] = counts.get(word, 0) + 1
            vector[word] = max(vector.get(word, 0.0), FIELD_WEIGHTS[name])
    inner = _inner_words(vector)
    return {t: w * (1 + math.log(counts[t])) * idf(t) * (SUBWORD if t in inner else 1.0)
            for t, w in vector.items()}


def key_terms(terms: dict[str, list[str]], idf: Idf, limit: int = KEY_TERMS) -> list[tuple[str, float]]:
    return _top(_vector(terms, idf), limit)


def _top(vector: dict[str, float], limit: int = KEY_TERMS) -> list[tuple[str, float]]:
    return sorted(vector.items(), key=lambda kv: -kv[1])[:limit]


def candidates(reader, terms: dict[str, list[str]], kind: str, idf: Idf,
               exclude: str | None = None, limit: int = CANDIDATES) -> list[dict]:
    """Stored fields of the best ``limit`` documents of ``kind`` for these terms (the
    backend's ``Reader.candidates``: BM25F over ``all`` for the key terms)."""
    reader.prefetch({t for words in terms.values() for t in words})  # their idf, at once
    top = key_terms(terms, idf)
    if not top:
        return []
    return [stored for stored in reader.candidates(top, kind, limit + 1)
            if stored["key"] != exclude][:limit]


def _region_signal(opportunity_region: str, product_region: str) -> float:
    """1 when the product serves the opportunity's region (or a region containing it)."""
    if not opportunity_region or not product_region:
        return 0.0
    for size in (6, 4, 2):
        if product_region.endswith("0" * (6 - size)) and opportunity_region[:size] == product_region[:size]:
            return 1.0
    return 0.5 if opportunity_region[:2] == product_region[:2] else 0.0


def _share(vector: dict[str, float], terms: set[str], total: float) -> float:
    """The share of ``vector``'s weight (``total``) on ``terms``."""
    return sum(vector[t] for t in terms) / total if total else 0.0


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(v * v for v in vector.values()))


K1, B = 1.2, 0.75  # BM25's usual constants


class Profile:
    """What scoring needs of one document, each part computed once when first needed: its
    weighted-term vector and norm; as a need, its key terms; as an offer, BM25F's pseudo
    term frequencies (``rank`` profiles its own document once for all candidates)."""

    def __init__(self, doc: Doc, terms: dict[str, list[str]], idf: Idf):
        self.doc, self.terms, self.idf = doc, terms, idf
        self.vector = _vector(terms, idf)
        self.norm = _norm(self.vector)

    @cached_property
    def total(self) -> float:
        return sum(self.vector.values())

    @cached_property
    def key(self) -> list[tuple[str, float]]:
        return _top(self.vector)

    @cached_property
    def bm25_tf(self) -> dict[str, float]:
        return _bm25_tf(self.terms, self.idf)


def _bm25_tf(terms: dict[str, list[str]], idf: Idf) -> dict[str, float]:
    """BM25F's pseudo term frequency: each occurrence counts its field's weight, divided
    by the field's length relative to the mean (a term in a short title weighs more than
    the same term in a long description)."""
    tf: dict[str, float] = {}
    for name, words in terms.items():
        if words:
            mean = idf.mean_length(name) or 1.0
            scale = FIELD_WEIGHTS[name] / (1 - B + B * len(words) / mean)
            for word in words:
                tf[word] = tf.get(word, 0.0) + scale
    return tf


def key_term_bm25(need: Profile, offer: Profile) -> float:
    """BM25F of the need's key terms in the offer, each term weighted as in the need's
    vector, as a share of what an offer with every key term at saturation would get
    (0–1): how fully the offer speaks to what the need is mostly about, with a term's
    repetition saturating and long texts not favoured."""
    total = sum(weight for _, weight in need.key)
    tf = offer.bm25_tf
    got = sum(weight * tf[t] / (K1 + tf[t]) for t, weight in need.key if t in tf)
    return got / total if total else 0.0


def components(a: Doc, a_terms, b: Doc, b_terms, idf: Idf) -> dict:
    """The parts a pair's score is made of (independent of the weights)."""
    return _components(Profile(a, a_terms, idf), Profile(b, b_terms, idf))


def _components(pa: Profile, pb: Profile) -> dict:
    """``components`` from the two profiles (``rank`` computes its document's once).
    ``need_coverage``: the share of the opportunity's term weight the product also has
    (how much of the need it speaks to); ``key_bm25``: BM25F of the opportunity's key
    terms in the product; for two listings of one kind, of ``a``'s in ``b``."""
    a, b, va, vb = pa.doc, pb.doc, pa.vector, pb.vector
    shared = set(va) & set(vb)
    norm = pa.norm * pb.norm
    need, offer = (pb, pa) if b.kind == "opportunity" and a.kind != "opportunity" else (pa, pb)
    opportunity, product = (a, b) if a.kind == "opportunity" else (b, a)
    across = a.kind != b.kind
    return {
        "text": sum(va[t] * vb[t] for t in shared) / norm if norm else 0.0,
        # The same whichever side asks, so that one stored score serves both pages.
        "need_coverage": _share(need.vector, shared, need.total),
        "key_bm25": key_term_bm25(need, offer),
        "shared": sorted(shared, key=lambda t: -va[t] * vb[t]),
        "same_field": bool(a.field) and a.field == b.field,
        "same_group": bool(a.field_group) and a.field_group == b.field_group,
        "shared_tags": sorted(set(a.tags) & set(b.tags)),
        "region": _region_signal(opportunity.region, product.region) if across else 0.0,
        "maturity": MATURITY.get(product.maturity, 0.0) if across else 0.0,
    }


def combine(parts: dict, weights: Weights = WEIGHTS) -> float:
    """Text similarity plus structured signals; nothing without shared text (the
    structured signals rank matches, they never make one)."""
    if not parts["text"]:
        return 0.0
    return (parts["text"]
            + weights.same_field * parts["same_field"]
            + weights.same_group * parts["same_group"]
            + weights.shared_tag * min(len(parts["shared_tags"]), 2) / 2
            + weights.region * parts["region"]
            + weights.maturity * parts["maturity"]
            + weights.need_coverage * parts["need_coverage"]
            + weights.key_bm25 * parts["key_bm25"])


def pair_score(a: Doc, a_terms, b: Doc, b_terms, idf: Idf,
               weights: Weights = WEIGHTS) -> tuple[float, dict]:
    """Symmetric score of two documents and what it rests on."""
    parts = components(a, a_terms, b, b_terms, idf)
    return combine(parts, weights), parts


def band(score: float, weights: Weights = WEIGHTS) -> str | None:
    """强 / 中 / 弱 for a score that could be listed at all (any shared text), else None.
    Whether it is listed depends on the item's other matches too (``kept``)."""
    if score >= weights.strong:
        return "strong"
    if score >= weights.medium:
        return "medium"
    if score > 0:
        return "weak"
    return None


def _matched_fields(terms: dict[str, list[str]], shared: set[str]) -> list[str]:
    return [FIELD_LABELS[name] for name in FIELD_WEIGHTS if shared & set(terms.get(name, []))]


def evidence(a: Doc, a_terms, b: Doc, b_terms, basis: dict, pipeline: Pipeline) -> dict:
    """What a user is shown: shared terms, matched fields, signals, marked snippets."""
    marked = set(basis["shared"])
    # The field's and its group's names (交通出行, 数字生活) are said by "same field", and
    # every listing filed there has them: not evidence of what the two have in common.
    filed = set(a_terms.get("field", ())) | set(b_terms.get("field", ()))
    # Show whole words: drop a term that is part of a longer shared one (网通 in 一网通办).
    shown = [t.upper() if t.isascii() else t for t in basis["shared"]
             if t not in filed and not any(t != o and t in o for o in marked)][:8]
    return {
        "terms": shown,
        "fields": {a.key: _matched_fields(a_terms, marked), b.key: _matched_fields(b_terms, marked)},
        "same_field": basis["same_field"],
        "shared_tags": basis["shared_tags"],
        "snippets": {
            doc.key: {"title": mark(doc.title, marked, pipeline),
                      "text": mark(f"{doc.summary} {doc.description}", marked, pipeline,
                                   window=90)}
            for doc in (a, b)},
    }


def explained(a: Doc, a_terms, b: Doc, b_terms, idf: Idf, pipeline: Pipeline,
              weights: Weights = WEIGHTS, profile=Profile) -> tuple[float, str | None, dict]:
    """Score, band and the evidence shown for one pair (both documents complete, for the
    snippets), as a stored recommendation holds them. ``profile``: see ``rank``."""
    basis = _components(profile(a, a_terms, idf), profile(b, b_terms, idf))
    score = combine(basis, weights)
    level = band(score, weights)
    detail = evidence(a, a_terms, b, b_terms, basis, pipeline) if level else {}
    return round(score, 4), level, detail


BACKGROUND = 5  # the candidates after the best that show what "no better" looks like


def evidence_of_fit(scores: list[float], weights: Weights = WEIGHTS) -> float:
    """How strongly an item's candidates say that something fits: the best score plus
    ``margin`` × how far it stands above the next few. A need no product serves meets many
    products at about the same middling score (they share its generic words); one that has
    an answer usually finds it clearly ahead of the rest."""
    ordered = sorted(scores, reverse=True)
    if not ordered:
        return 0.0
    background = ordered[1:1 + BACKGROUND]
    lead = ordered[0] - sum(background) / len(background) if background else ordered[0]
    return ordered[0] + weights.margin * lead


def kept(scores: list[float], weights: Weights = WEIGHTS) -> list[bool]:
    """Which of an item's candidates (by score) it lists: none unless the evidence that
    something fits reaches ``weak`` (``evidence_of_fit``), then every one scoring at least
    ``floor`` × the best — a cut relative to each item's own best match, not one score for
    all, so a need that only has modest matches still lists them while one with a strong
    match is not padded with products sharing a word or two."""
    best = max(scores, default=0.0)
    if evidence_of_fit(scores, weights) < weights.weak:
        return [False] * len(scores)
    return [score > 0 and score >= weights.floor * best for score in scores]


def rank(doc: Doc, terms, others: list[tuple[Doc, dict]], idf: Idf, pipeline: Pipeline,
         weights: Weights = WEIGHTS, with_evidence: bool = True,
         profile=Profile) -> list[RankedMatch]:
    """Score ``doc`` against candidate (Doc, terms) pairs; only the ones ``kept``, best
    first. ``profile(doc, terms, idf)`` makes a ``Profile`` (a full refresh passes one
    that remembers each document's: the same values, computed once)."""
    own = profile(doc, terms, idf)
    scored = []
    for other, other_terms in others:
        basis = _components(own, profile(other, other_terms, idf))
        scored.append((combine(basis, weights), basis, other, other_terms))
    matches = []
    for (score, basis, other, other_terms), keep in zip(
            scored, kept([s for s, _, _, _ in scored], weights)):
        if not keep:
            continue
        detail = evidence(doc, terms, other, other_terms, basis, pipeline) if with_evidence else {}
        matches.append(RankedMatch(other.key, round(score, 4), band(score, weights), detail))
    return sorted(matches, key=lambda m: -m.score)


def doc_from_stored(stored: dict) -> Doc:
    """A Doc from stored index fields: enough for scoring, not for snippets."""
    maturity = stored.get("f_maturity", "")
    return Doc(key=stored["key"], kind=stored["kind"], title="",
               field=stored.get("f_field", ""), field_group=stored.get("f_group", ""),
               tags=[t for t in (stored.get("f_tag") or "").split(",") if t],
               region=stored.get("f_region", ""),
               maturity="" if maturity == "none" else maturity)


def stored_candidates(stored: list[dict], pipeline: Pipeline) -> list[tuple[Doc, dict]]:
    return [(doc_from_stored(s), stored_terms(s, pipeline)) for s in stored]
