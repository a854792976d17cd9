"""The matching engine on the labelled set must not fall below the recorded scores."""
import json
from pathlib import Path

from marketplace.matching.cli import DEFAULT_LANGUAGE, field_groups
from marketplace.matching.evaluation import evaluate, load_set, metrics
from marketplace.search.text import read_language_files

DATA = Path(__file__).resolve().parents[1] / "data" / "matching"
TOLERANCE = 1e-3


def test_engine_meets_the_recorded_scores():
    baseline = json.loads((DATA / "baseline.json").read_text(encoding="utf-8"))
    scores = evaluate(DATA, read_language_files(DEFAULT_LANGUAGE), field_groups())
    for name in ("ndcg@10", "mrr", "recall@10", "no_match_precision", "no_match_recall"):
        assert scores[name] >= baseline[name] - TOLERANCE, (name, scores[name], baseline[name])


def test_metrics_on_a_hand_made_example():
    labelled = load_set(DATA, field_groups())
    perfect = {}
    for doc in labelled.opportunities:
        grades = labelled.grades.get(doc.key, {})
        ranked = [p for p, g in sorted(grades.items(), key=lambda kv: -kv[1]) if g > 0]
        has_good = any(g >= 2 for g in grades.values())
        perfect[doc.key] = ranked if has_good else []
    best = metrics(perfect, labelled)
    assert best["mrr"] == 1.0 and best["recall@10"] == 1.0
    assert best["no_match_precision"] == 1.0 and best["no_match_recall"] == 1.0
    assert best["ndcg@10"] == 1.0
    empty = metrics({}, labelled)
    assert empty["ndcg@10"] == 0.0 and empty["no_match_recall"] == 1.0
    assert empty["no_match_precision"] == round(5 / 37, 4)


def test_evaluate_command_prints_the_metrics(app):
    result = app.test_cli_runner().invoke(args=["match", "evaluate", str(DATA)])
    assert result.exit_code == 0, result.output
    assert "nDCG@10" in result.output and "MRR" in result.output
