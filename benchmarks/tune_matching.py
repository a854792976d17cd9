"""Tune the matching weights and cut-offs on labelled sets, and report on sets not tuned on.

    python benchmarks/tune_matching.py --tune tests/data/matching --report tests/data/matching_b
    python benchmarks/tune_matching.py --cv tests/data/matching tests/data/matching_b tests/data/matching_c

``--tune``/``--report``: the grid's best combination on the tuning sets (their mean
objective), then its figures on every set — the report sets' are the honest ones.
``--cv``: leave one set out — for each set, tune on the others and report on it.

Tuning has two stages. First the score weights (``SCORE_GRID``), on the ranking alone:
nDCG@10 + Recall@10 with nothing cut (``weak`` and ``floor`` 0), so the weights are not
bent to make some score land on one side of a threshold. Then, with those weights, the
"nothing fits" decision and the cut (``CUT_GRID``) on the full objective: nDCG@10 +
Recall@10 over needs that have a good product, plus no-match precision@3 over those that
have none (a list padded with poor matches is the failure users stop trusting) — the three
figures issue 11 sets targets for.

Candidates are retrieved once per set; each combination only re-combines the stored score
components (``recommend.combine``) and re-applies the per-item cut (``recommend.kept``),
so each fold runs in seconds. The chosen values are written by hand into
``marketplace/search/recommend.py`` (``Weights``); prefer round values near the top of the
table over the single best cell.
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
    "same_field": [0.05, 0.1, 0.15, 0.2],
    "shared_tag": [0.05, 0.1],
    "region": [0.0, 0.03],
    "maturity": [0.0],
    "need_coverage": [0.3, 0.45, 0.6],
    "key_bm25": [0.0, 0.15, 0.3, 0.45, 0.6],
}
CUT_GRID = {
    "margin": [0.0, 0.25, 0.5, 0.75, 1.0, 1.5],
    "weak": [round(0.25 + 0.025 * i, 3) for i in range(30)],
    # Not tuned: the labelled figures do not see a list padded after its good matches, so
    # they always prefer 0; 0.2 of the best is the product's choice (docs/matching.md).
    "floor": [0.2],
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


def ranking_objective(result) -> float:
    return result["ndcg@10"] + result["recall@10"]


def _combinations(base, grid: dict):
    for values in itertools.product(*grid.values()):
        yield replace(base, **dict(zip(grid, values)))


def _ranked(sets: dict, candidates, goal) -> list[tuple[float, object]]:
    rows = [(sum(goal(metrics(rankings_for(scored, weights), labelled))
                 for labelled, scored in sets.values()) / len(sets), weights)
            for weights in candidates]
    rows.sort(key=lambda row: -row[0])
    return rows


def tune(sets: dict) -> list[tuple[float, object]]:
    """The score weights best for the ranking with nothing cut, then every cut with those
    weights by the mean objective over ``sets``, best first."""
    uncut = replace(WEIGHTS, margin=0.0, weak=0.0, floor=0.0)
    scoring = _ranked(sets, _combinations(uncut, SCORE_GRID), ranking_objective)[0][1]
    return _ranked(sets, _combinations(scoring, CUT_GRID), objective)


def show(weights) -> str:
    return ("same_field={0.same_field} shared_tag={0.shared_tag} region={0.region} "
            "maturity={0.maturity} need_coverage={0.need_coverage} "
            "key_bm25={0.key_bm25} margin={0.margin} weak={0.weak} "
            "floor={0.floor}").format(weights)


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
