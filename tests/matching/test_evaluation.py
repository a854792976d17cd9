"""The matching engine on every labelled set must not fall below the scores recorded for
that set (``tests/data/matching*/baseline.json``), on the search backend under test."""
import json
from pathlib import Path

import pytest

from marketplace.matching.cli import DEFAULT_LANGUAGE, field_groups
from marketplace.matching.evaluation import evaluate, load_set, metrics
from marketplace.search.runtime import scratch_backend
from marketplace.search.text import read_language_files

SETS = sorted((Path(__file__).resolve().parents[1] / "data").glob("matching*/baseline.json"))
DATA = Path(__file__).resolve().parents[1] / "data" / "matching"
TOLERANCE = 1e-3
GUARDED = ("ndcg@10", "mrr", "recall@10", "no_match_precision", "no_match_recall",
           "no_match_precision@3")


@pytest.mark.parametrize("baseline_file", SETS, ids=[path.parent.name for path in SETS])
def test_engine_meets_the_recorded_scores(ctx, tmp_path, baseline_file):
    baseline = json.loads(baseline_file.read_text(encoding="utf-8"))
    with scratch_backend(tmp_path) as backend:  # of the search backend under test
        scores = evaluate(baseline_file.parent, read_language_files(DEFAULT_LANGUAGE),
                          field_groups(), backend=backend)
    for name in GUARDED:
        if name in baseline:
            assert scores[name] >= baseline[name] - TOLERANCE, (name, scores[name],
                                                                baseline[name])


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
    assert best["ndcg@10"] == 1.0 and best["no_match_precision@3"] == 1.0
    empty = metrics({}, labelled)
    assert empty["no_match_precision@3"] == 1.0
    assert empty["ndcg@10"] == 0.0 and empty["no_match_recall"] == 1.0
    assert empty["no_match_precision"] == round(5 / 37, 4)


def test_evaluate_command_prints_the_metrics(app):
    result = app.test_cli_runner().invoke(args=["match", "evaluate", str(DATA)])
    assert result.exit_code == 0, result.output
    assert "nDCG@10" in result.output and "MRR" in result.output
