"""Tune the matching weights and band thresholds on the labelled set.

    python benchmarks/tune_matching.py [tests/data/matching]

Candidates are retrieved once; each weight combination only re-combines the stored score
components, so the whole grid runs in seconds. Prints the best combinations by the
objective below and the band precision of the chosen one. The chosen values are written
by hand into ``marketplace/search/recommend.py`` (``Weights``), with the figures quoted
in the closing note — the labelled set is small, so prefer round values near the top of
the table over the single best cell.

Objective: mean nDCG@10 over needs that have a good product, plus half the no-match
accuracy (needs without one must get an empty list) — a list padded with poor matches
is the failure users stop trusting.
"""
import itertools
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marketplace.matching.cli import DEFAULT_LANGUAGE, field_groups  # noqa: E402
from marketplace.matching.evaluation import CUTOFF, RELEVANT, build_engine, load_set, metrics  # noqa: E402
from marketplace.search.recommend import WEIGHTS, combine  # noqa: E402
from marketplace.search.text import read_language_files  # noqa: E402

GRID = {
    "same_field": [0.0, 0.05, 0.1, 0.15, 0.2],
    "same_group": [0.0, 0.05],
    "shared_tag": [0.0, 0.05, 0.1, 0.15],
    "region": [0.0, 0.03, 0.05],
    "maturity": [0.0, 0.03],
    "min_text": [0.05, 0.08, 0.1, 0.12],
}
WEAK = [round(0.10 + 0.02 * i, 2) for i in range(16)]


def rankings_for(candidates, weights):
    ranked = {}
    for query, scored in candidates.items():
        scores = sorted(((combine(parts, weights), key) for key, parts in scored), reverse=True)
        ranked[query] = [key for score, key in scores if score >= weights.weak][:CUTOFF]
    return ranked


def objective(result):
    return result["ndcg@10"] + 0.5 * result["no_match_recall"]


def band_precision(candidates, labelled, weights, low, high=None):
    hits = total = 0
    for query, scored in candidates.items():
        grades = labelled.grades.get(query, {})
        for key, parts in scored:
            score = combine(parts, weights)
            if score >= low and (high is None or score < high):
                total += 1
                hits += grades.get(key, 0) >= RELEVANT
    return hits / total if total else 0.0, total


def main(directory: Path):
    labelled = load_set(directory, field_groups())
    with tempfile.TemporaryDirectory() as root:
        engine = build_engine(labelled, read_language_files(DEFAULT_LANGUAGE), Path(root))
        candidates = {doc.key: engine.scored_candidates(doc, "product")
                      for doc in labelled.opportunities}
    rows = []
    for values in itertools.product(*GRID.values()):
        base = replace(WEIGHTS, **dict(zip(GRID, values)))
        for weak in WEAK:
            weights = replace(base, weak=weak)
            result = metrics(rankings_for(candidates, weights), labelled)
            rows.append((objective(result), weights, result))
    rows.sort(key=lambda row: -row[0])
    print("objective  ndcg  mrr   recall nm_prec nm_rec | same_field group tag region maturity min_text weak")
    for score, w, r in rows[:15]:
        print(f"{score:.4f}    {r['ndcg@10']:.3f} {r['mrr']:.3f} {r['recall@10']:.3f}  "
              f"{r['no_match_precision']:.2f}    {r['no_match_recall']:.2f}  | "
              f"{w.same_field:.2f} {w.same_group:.2f} {w.shared_tag:.2f} {w.region:.2f} "
              f"{w.maturity:.2f} {w.min_text:.2f} {w.weak:.2f}")
    current = metrics(rankings_for(candidates, WEIGHTS), labelled)
    print(f"\ncurrent Weights: {WEIGHTS}\n  {current}")
    for label, low, high in (("strong", WEIGHTS.strong, None),
                             ("medium", WEIGHTS.medium, WEIGHTS.strong),
                             ("weak", WEIGHTS.weak, WEIGHTS.medium)):
        precision, count = band_precision(candidates, labelled, WEIGHTS, low, high)
        print(f"  {label:6s} band: {count:3d} pairs, {precision:.0%} graded relevant (≥{RELEVANT})")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/matching"))
