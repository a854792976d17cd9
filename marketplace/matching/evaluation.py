"""Scoring the matching engine on a labelled set (tests/data/matching).

The set: ``opportunities.jsonl``, ``products.jsonl`` and ``qrels.tsv`` (grades 0-3; pairs
not listed are 0). Grade ≥ 2 counts as relevant. The engine runs on a throwaway index
(of the app's search backend in `flask match evaluate`) built with the default language
data, exactly as the app would build it.
"""
import csv
import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from marketplace.search import recommend
from marketplace.search.documents import Doc
from marketplace.search.backend import SearchBackend
from marketplace.search.engine import MatchEngine
from marketplace.search.text import LanguageData
from marketplace.search.whoosh_backend import WhooshBackend

RELEVANT = 2
CUTOFF = 10
TOP = 3  # the places a user reads first


@dataclass
class LabelledSet:
    opportunities: list[Doc]
    products: list[Doc]
    grades: dict[str, dict[str, int]]   # opportunity ref → product ref → grade
    cases: dict[str, str]


def _doc(row: dict, kind: str, groups: dict[str, str]) -> Doc:
    return Doc(key=row["ref"], kind=kind, title=row["title"], summary=row.get("summary", ""),
               description=row.get("description", ""), field=row.get("field", ""),
               field_group=groups.get(row.get("field", ""), ""), tags=row.get("tags", []),
               region=row.get("region", ""), maturity=row.get("maturity", ""),
               scenarios=row.get("scenarios", ""), cases=row.get("cases", ""), ref=row["ref"])


def load_set(directory: Path, field_groups: dict[str, str]) -> LabelledSet:
    def rows(name):
        with open(directory / name, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    opportunities = rows("opportunities.jsonl")
    grades: dict[str, dict[str, int]] = {}
    with open(directory / "qrels.tsv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            grades.setdefault(row["opportunity"], {})[row["product"]] = int(row["grade"])
    return LabelledSet(
        opportunities=[_doc(r, "opportunity", field_groups) for r in opportunities],
        products=[_doc(r, "product", field_groups) for r in rows("products.jsonl")],
        grades=grades, cases={r["ref"]: r.get("case", "") for r in opportunities})


def _dcg(gains: list[int]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def metrics(rankings: dict[str, list[str]], labelled: LabelledSet) -> dict[str, float]:
    """nDCG@10, MRR, Recall@10 over needs that have a good product; no-match precision
    (of the needs the engine answered with an empty list, how many truly have none) and
    recall (of the needs with no good product, how many got an empty list); no-match
    precision@3 (over the needs with no good product, the share of the top three places
    rightly left empty: 1 for an empty list, 0 for three products shown)."""
    ndcg, mrr, recall, empty_top3 = [], [], [], []
    said_none = truly_none = both = 0
    for doc in labelled.opportunities:
        grades = labelled.grades.get(doc.key, {})
        ranked = rankings.get(doc.key, [])[:CUTOFF]
        relevant = {p for p, g in grades.items() if g >= RELEVANT}
        said_none += not ranked
        if not relevant:
            truly_none += 1
            both += not ranked
            empty_top3.append((TOP - min(TOP, len(ranked))) / TOP)
            continue
        ideal = _dcg(sorted(grades.values(), reverse=True)[:CUTOFF])
        ndcg.append(_dcg([grades.get(p, 0) for p in ranked]) / ideal)
        first = next((i for i, p in enumerate(ranked) if p in relevant), None)
        mrr.append(0.0 if first is None else 1 / (first + 1))
        recall.append(len(relevant & set(ranked)) / len(relevant))

    def mean(values):
        return round(sum(values) / len(values), 4) if values else 0.0

    return {"ndcg@10": mean(ndcg), "mrr": mean(mrr), "recall@10": mean(recall),
            "no_match_precision": round(both / said_none, 4) if said_none else 0.0,
            "no_match_recall": round(both / truly_none, 4) if truly_none else 0.0,
            "no_match_precision@3": mean(empty_top3),
            "queries": len(labelled.opportunities), "no_match_queries": truly_none}


def build_engine(labelled: LabelledSet, language: LanguageData, backend: SearchBackend,
                 weights: recommend.Weights = recommend.WEIGHTS) -> MatchEngine:
    """The engine over ``backend`` (empty, throwaway) holding the set's listings."""
    backend.write_generation(labelled.opportunities + labelled.products, language)
    return MatchEngine(backend, weights)


def rankings(engine: MatchEngine, labelled: LabelledSet) -> dict[str, list[str]]:
    return {doc.key: [m.key for m in engine.recommend(doc, "product", limit=CUTOFF)]
            for doc in labelled.opportunities}


def evaluate(directory: Path, language: LanguageData, field_groups: dict[str, str],
             weights: recommend.Weights = recommend.WEIGHTS,
             backend: SearchBackend | None = None) -> dict[str, float]:
    """The set's figures on ``backend`` (empty, throwaway), by default a Whoosh index in a
    temporary directory."""
    labelled = load_set(directory, field_groups)
    if backend is not None:
        return metrics(rankings(build_engine(labelled, language, backend, weights), labelled),
                       labelled)
    with tempfile.TemporaryDirectory(prefix="match-eval-") as root:
        engine = build_engine(labelled, language, WhooshBackend(Path(root)), weights)
        return metrics(rankings(engine, labelled), labelled)
