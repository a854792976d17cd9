"""Tune the matching weights and cut-offs on labelled sets, and report on sets not tuned on.

    python benchmarks/tune_matching.py --tune tests/data/matching --report tests/data/matching_b
    python benchmarks/tune_matching.py --cv tests/data/matching tests/data/matching_b tests/data/matching_c

``--tune``/``--report``: the grid's best combination on the tuning sets (their mean
objective), then its figures on every set — the report sets' are the honest ones.
``--cv``: leave one set out — for each set, tune on the others and report on it.

Candidates are retrieved once per set; each combination only re-combines the stored score
components (``recommend.combine``) and re-applies the per-item cut (``recommend.kept``),
so a grid of thousands of combinations runs in a minute per fold. The chosen values are
written by hand into ``marketplace/search/recommend.py`` (``Weights``); prefer round values
near the top of the table over the single best cell.

Objective: nDCG@10 + Recall@10 over needs that have a good product, plus no-match
precision@3 over those that have none (a list padded with poor matches is the failure
users stop trusting) — the three figures issue 11 sets targets for.
"""
import argparse
import itertools
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marketplace.matching.cli import DEFAULT_LANGUAGE, field_groups  # noqa: E402
from marketplace.matching.evaluation import CUTOFF, build_engine, load_set, metrics  # noqa: E402
from marketplace.search.recommend import WEIGHTS, combine, kept  # noqa: E402
from marketplace.search.text import read_language_files  # noqa: E402
from marketplace.search.whoosh_backend import WhooshBackend  # noqa: E402

SCORE_GRID = {
    "same_field": [0.1, 0.15, 0.2],
    "shared_tag": [0.05, 0.1],
    "region": [0.03],
    "maturity": [0.0],
    "min_text": [0.05],
    "need_coverage": [0.3, 0.4, 0.5, 0.6],
}
CUT_GRID = {
    "weak": [round(0.31 + 0.03 * i, 2) for i in range(10)],
    "floor": [0.0, 0.05, 0.1, 0.15, 0.2],
}
FIGURES = ("ndcg@10", "recall@10", "no_match_precision@3", "mrr", "no_match_precision")


def candidates_of(directory: Path):
    labelled = load_set(directory, field_groups())
    with tempfile.TemporaryDirectory() as root:
        engine = build_engine(labelled, read_language_files(DEFAULT_LANGUAGE),
                              WhooshBackend(Path(root)))
        scored = {doc.key: engine.scored_candidates(doc, "product")
                  for doc in labelled.opportunities}
    return labelled, scored


def rankings_for(scored_by_query, weights) -> dict[str, list[str]]:
    ranked = {}
    for query, scored in scored_by_query.items():
        rows = [(combine(parts, weights), key) for key, parts in scored]
        keep = kept([score for score, _ in rows], weights)
        chosen = sorted((row for row, ok in zip(rows, keep) if ok), reverse=True)
        ranked[query] = [key for _, key in chosen][:CUTOFF]
    return ranked


def objective(result) -> float:
    return result["ndcg@10"] + result["recall@10"] + result["no_match_precision@3"]


def grid():
    for score_values in itertools.product(*SCORE_GRID.values()):
        base = replace(WEIGHTS, **dict(zip(SCORE_GRID, score_values)))
        for cut_values in itertools.product(*CUT_GRID.values()):
            yield replace(base, **dict(zip(CUT_GRID, cut_values)))


def tune(sets: dict) -> list[tuple[float, object]]:
    """Every combination with its mean objective over ``sets``, best first."""
    rows = []
    for weights in grid():
        score = sum(objective(metrics(rankings_for(scored, weights), labelled))
                    for labelled, scored in sets.values()) / len(sets)
        rows.append((score, weights))
    rows.sort(key=lambda row: -row[0])
    return rows


def show(weights) -> str:
    return ("same_field={0.same_field} shared_tag={0.shared_tag} region={0.region} "
            "maturity={0.maturity} min_text={0.min_text} need_coverage={0.need_coverage} "
            "weak={0.weak} floor={0.floor}").format(weights)


def report(sets: dict, weights, tuned_on) -> None:
    print(f"  weights: {show(weights)}")
    for name, (labelled, scored) in sets.items():
        result = metrics(rankings_for(scored, weights), labelled)
        role = "tuned" if name in tuned_on else "REPORT"
        print(f"  {role:6s} {name:32s} " + "  ".join(f"{f} {result[f]:.3f}" for f in FIGURES))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", nargs="*", default=[])
    parser.add_argument("--report", nargs="*", default=[])
    parser.add_argument("--cv", nargs="*", default=[])
    args = parser.parse_args(argv)
    names = list(dict.fromkeys(args.cv or [*args.tune, *args.report]))
    sets = {name: candidates_of(Path(name)) for name in names}
    print("current Weights:")
    report(sets, WEIGHTS, tuned_on=())
    if args.cv:
        for held_out in args.cv:
            tuning = {n: s for n, s in sets.items() if n != held_out}
            best = tune(tuning)[0][1]
            print(f"\nleave out {held_out}: tuned on {', '.join(tuning)}")
            report(sets, best, tuned_on=tuning)
        return
    rows = tune({n: sets[n] for n in args.tune})
    print(f"\nbest on {', '.join(args.tune)} (mean objective, top 5):")
    for score, weights in rows[:5]:
        print(f"  {score:.4f}  {show(weights)}")
    report(sets, rows[0][1], tuned_on=args.tune)


if __name__ == "__main__":
    main()
