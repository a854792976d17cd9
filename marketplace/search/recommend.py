"""Matching opportunities and products: candidate retrieval from the index, then a
symmetric pair score with evidence.

1. Retrieval: the item's most discriminative terms (tf × idf × field weight, at most
   ``KEY_TERMS``) as one OR query over the ``all`` field, with the other kind as a required
   clause (faster than ``filter=``), top ``CANDIDATES`` by BM25F.
2. Scoring: weighted-term cosine of the two documents (the same function whichever side
   asked, so one stored row serves both pages) plus structured signals — same field, same
   field group, shared tags, region containment, product maturity, and how much of the
   need the product covers. Weights, the per-item cut (``kept``) and the bands were
   chosen by cross-validation over three labelled sets (benchmarks/tune_matching.py).
"""
import math
from dataclasses import dataclass

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
    text and the share of the need a product covers carry the ranking; a shared field or
    tag adds a little, region and maturity next to nothing.

    An item lists nothing unless its best match reaches ``weak`` ("暂无高度匹配": decided
    on the best evidence, which is what separates needs no product serves); then every
    match down to ``floor``. Bands: ≥ ``strong`` 98% of pairs were graded relevant across
    the three sets, ≥ ``medium`` 84%."""

    same_field: float = 0.10
    same_group: float = 0.0
    shared_tag: float = 0.05
    region: float = 0.03
    maturity: float = 0.0
    need_coverage: float = 0.6  # × the share of the opportunity's term weight the product has
    min_text: float = 0.05     # below this text similarity nothing counts as a match
    weak: float = 0.43         # an item's best match must reach this for anything to be listed
    floor: float = 0.15        # …and then every match down to this is
    medium: float = 0.43       # (= weak: a match banded 中 or better is always listable)
    strong: float = 0.60


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


def _stored_terms(stored: dict, pipeline: Pipeline) -> dict[str, list[str]]:
    """A candidate's terms as the index stored them, stop-words left out as for the item."""
    return {name: [t for t in (stored.get(f"t_{name}") or "").split() if not pipeline.is_stop(t)]
            for name in TEXT_FIELDS}


class Idf:
    """Inverse document frequency over the ``all`` field of one searcher."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.total = max(searcher.doc_count(), 1)
        self._cache: dict[str, float] = {}

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
    vector = _vector(terms, idf)
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


def _share(vector: dict[str, float], terms: set[str]) -> float:
    total = sum(vector.values())
    return sum(vector[t] for t in terms) / total if total else 0.0


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(v * v for v in vector.values()))


def components(a: Doc, a_terms, b: Doc, b_terms, idf: Idf) -> dict:
    """The parts a pair's score is made of (independent of the weights)."""
    return _components(a, _vector(a_terms, idf), b, _vector(b_terms, idf))


def _components(a: Doc, va: dict, b: Doc, vb: dict, norm_a: float | None = None) -> dict:
    """``components`` from the term vectors (``rank`` computes its document's once).
    ``need_coverage``: the share of the opportunity's term weight the product also has
    (how much of the need it speaks to); for two listings of one kind, of ``a``'s."""
    shared = set(va) & set(vb)
    norm = (_norm(va) if norm_a is None else norm_a) * _norm(vb)
    need_vector = va if a.kind == "opportunity" or b.kind != "opportunity" else vb
    opportunity, product = (a, b) if a.kind == "opportunity" else (b, a)
    across = a.kind != b.kind
    return {
        "text": sum(va[t] * vb[t] for t in shared) / norm if norm else 0.0,
        # The same whichever side asks, so that one stored score serves both pages.
        "need_coverage": _share(need_vector, shared),
        "shared": sorted(shared, key=lambda t: -va[t] * vb[t]),
        "same_field": bool(a.field) and a.field == b.field,
        "same_group": bool(a.field_group) and a.field_group == b.field_group,
        "shared_tags": sorted(set(a.tags) & set(b.tags)),
        "region": _region_signal(opportunity.region, product.region) if across else 0.0,
        "maturity": MATURITY.get(product.maturity, 0.0) if across else 0.0,
    }


def combine(parts: dict, weights: Weights = WEIGHTS) -> float:
    """Text similarity plus structured signals; nothing without enough shared text."""
    if parts["text"] < weights.min_text:
        return 0.0
    return (parts["text"]
            + weights.same_field * parts["same_field"]
            + weights.same_group * parts["same_group"]
            + weights.shared_tag * min(len(parts["shared_tags"]), 2) / 2
            + weights.region * parts["region"]
            + weights.maturity * parts["maturity"]
            + weights.need_coverage * parts["need_coverage"])


def pair_score(a: Doc, a_terms, b: Doc, b_terms, idf: Idf,
               weights: Weights = WEIGHTS) -> tuple[float, dict]:
    """Symmetric score of two documents and what it rests on."""
    parts = components(a, a_terms, b, b_terms, idf)
    return combine(parts, weights), parts


def band(score: float, weights: Weights = WEIGHTS) -> str | None:
    """强 / 中 / 弱 for a score that could be listed at all (≥ ``floor``), else None."""
    if score >= weights.strong:
        return "strong"
    if score >= weights.medium:
        return "medium"
    if score >= weights.floor and score > 0:
        return "weak"
    return None


def _matched_fields(terms: dict[str, list[str]], shared: set[str]) -> list[str]:
    return [FIELD_LABELS[name] for name in FIELD_WEIGHTS if shared & set(terms.get(name, []))]


def evidence(a: Doc, a_terms, b: Doc, b_terms, basis: dict, pipeline: Pipeline) -> dict:
    """What a user is shown: shared terms, matched fields, signals, marked snippets."""
    marked = set(basis["shared"])
    # Show whole words: drop a term that is part of a longer shared one (网通 in 一网通办).
    shown = [t.upper() if t.isascii() else t for t in basis["shared"]
             if not any(t != o and t in o for o in marked)][:8]
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


def kept(scores: list[float], weights: Weights = WEIGHTS) -> list[bool]:
    """Which of an item's candidates (by score) it lists: none unless its best match
    reaches ``weak`` ("nothing fits" is decided on the best evidence), then every one down
    to ``floor`` — a cut that adapts to each item instead of one score for all."""
    if max(scores, default=0.0) < weights.weak:
        return [False] * len(scores)
    return [score >= weights.floor and score > 0 for score in scores]


def rank(doc: Doc, terms, others: list[tuple[Doc, dict]], idf: Idf, pipeline: Pipeline,
         weights: Weights = WEIGHTS, with_evidence: bool = True) -> list[RankedMatch]:
    """Score ``doc`` against candidate (Doc, terms) pairs; only the ones ``kept``, best
    first."""
    vector = _vector(terms, idf)
    norm = _norm(vector)
    scored = []
    for other, other_terms in others:
        basis = _components(doc, vector, other, _vector(other_terms, idf), norm)
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
    return [(doc_from_stored(s), _stored_terms(s, pipeline)) for s in stored]
