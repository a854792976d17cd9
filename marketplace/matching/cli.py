"""`flask match export | evaluate`."""
import json
import sys
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa

from marketplace.extensions import db

TAXONOMY = Path(__file__).resolve().parents[2] / "seed" / "reference" / "taxonomy.json"
DEFAULT_LANGUAGE = Path(__file__).resolve().parents[2] / "seed" / "search"


@click.group("match")
def match_cli():
    """Matching between opportunities and products."""


def field_groups() -> dict[str, str]:
    data = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    return {child: group["name"] for group in data["fields"] for child in group["children"]}


@match_cli.command("export")
@click.option("--top", default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl"]), default="json")
@click.option("--products", "reverse", is_flag=True,
              help="Rank opportunities for every product instead.")
@click.option("--output", type=click.Path(dir_okay=False), help="File (default: stdout).")
def export(top, fmt, reverse, output):
    """For every published opportunity, its ranked products (or the reverse)."""
    from marketplace.listings.models import LISTING_MODELS
    from marketplace.search.documents import doc_from_listing
    from marketplace.search.engine import MatchEngine
    from marketplace.search.runtime import search_index

    kind, other = ("product", "opportunity") if reverse else ("opportunity", "product")
    model, other_model = LISTING_MODELS[kind], LISTING_MODELS[other]
    engine = MatchEngine(search_index())
    result = {}
    for item in db.session.scalars(sa.select(model).where(model.status == "published")
                                   .order_by(model.public_number)):
        doc = doc_from_listing(item)
        ranked = []
        for match in engine.recommend(doc, other, limit=top):
            partner = db.session.get(other_model, int(match.key.split(":")[1]))
            _, _, detail = engine.explain(doc, doc_from_listing(partner))
            ranked.append({"ref": partner.public_number, "title": partner.title,
                           "score": match.score, "band": match.band,
                           "evidence": detail["terms"],
                           "matched_fields": list(detail["fields"].values()),
                           "same_field": detail["same_field"],
                           "shared_tags": detail["shared_tags"]})
        result[item.public_number] = ranked
    handle = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        if fmt == "json":
            json.dump(result, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        else:
            for ref, ranked in result.items():
                handle.write(json.dumps({"ref": ref, "matches": ranked}, ensure_ascii=False) + "\n")
    finally:
        if output:
            handle.close()


EVALUATION_LABELS = {
    "ndcg@10": "nDCG@10", "mrr": "MRR", "recall@10": "Recall@10",
    "no_match_precision": "无匹配判断准确率 (no-match precision)",
    "no_match_recall": "无匹配召回率 (no-match recall)",
    "no_match_precision@3": "无匹配需求前三位留空率 (no-match precision@3)",
    "queries": "需求数", "no_match_queries": "其中无合适产品的需求数"}


@match_cli.command("evaluate")
@click.argument("directories", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: set directory → scores.")
def evaluate_command(directories, as_json):
    """Score the engine on each labelled set: nDCG@10, MRR, Recall@10, no-match precision
    (and @3), figures per set."""
    from marketplace.matching.evaluation import evaluate
    from marketplace.search.runtime import scratch_backend
    from marketplace.search.text import read_language_files

    language, groups = read_language_files(DEFAULT_LANGUAGE), field_groups()
    results = {}
    for directory in directories:
        # A throwaway index of the configured backend (SEARCH_BACKEND) per set.
        with tempfile.TemporaryDirectory(prefix="match-eval-") as root, \
                scratch_backend(Path(root)) as backend:
            results[directory] = evaluate(Path(directory), language, groups, backend=backend)
    if as_json:
        click.echo(json.dumps(results if len(results) > 1 else results[directories[0]],
                              ensure_ascii=False))
        return
    for directory, scores in results.items():
        if len(results) > 1:
            click.echo(f"== {directory}")
        for key, label in EVALUATION_LABELS.items():
            click.echo(f"{label}: {scores[key]}")
