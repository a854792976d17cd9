"""Bulk retrieval (search.bulk) gives each listing the candidates ``recommend.candidates``
gives it, with whichever backend holds the index (run with each: see the Makefile)."""
from pathlib import Path

import pytest

from marketplace.matching.cli import DEFAULT_LANGUAGE, field_groups
from marketplace.matching.evaluation import load_set
from marketplace.search import recommend
from marketplace.search.bulk import Corpus
from marketplace.search.text import read_language_files

DATA = Path(__file__).resolve().parents[1] / "data"
SETS = ("matching", "matching_b", "matching_c")
OTHER = {"opportunity": "product", "product": "opportunity"}


def _per_item(reader, pipeline, doc, kind) -> list[str]:
    idf = recommend.Idf.of(reader)
    return [s["key"] for s in recommend.candidates(
        reader, recommend.field_terms(doc, pipeline), kind, idf, exclude=doc.key)]


def _compare(index, docs) -> tuple[int, int]:
    """(lists that agree, lists compared), for both kinds of candidates of every doc."""
    pipeline = index.pipeline()
    with index.reader() as reader:
        corpus = Corpus(reader, pipeline)
        queries = [(corpus.terms(doc.key), kind, doc.key)
                   for doc in docs for kind in (OTHER[doc.kind], doc.kind)]
        found = corpus.candidates(queries)
        expected = [_per_item(reader, pipeline, doc, kind)
                    for doc in docs for kind in (OTHER[doc.kind], doc.kind)]
    got = [[corpus.stored[p]["key"] for p in positions] for positions in found]
    return sum(g == e for g, e in zip(got, expected)), len(expected)


@pytest.mark.parametrize("name", SETS)
def test_bulk_candidates_equal_the_per_item_query(ctx, index, name):
    labelled = load_set(DATA / name, field_groups())
    docs = labelled.opportunities + labelled.products
    index.write_generation(docs, read_language_files(DEFAULT_LANGUAGE))
    agree, compared = _compare(index, docs)
    assert compared == 2 * len(docs) and agree == compared


def test_bulk_candidates_after_updates_and_removals(ctx, index):
    """Replaced and removed documents (Whoosh keeps counting them until a merge) change
    the statistics both paths read."""
    labelled = load_set(DATA / "matching", field_groups())
    docs = labelled.opportunities + labelled.products
    index.write_generation(docs, read_language_files(DEFAULT_LANGUAGE))
    changed = [doc.__class__(**{**vars(doc), "title": doc.title + " 智慧停车"}) for doc in docs[:8]]
    assert index.apply(changed, [docs[-1].key, docs[-2].key], timeout=5)
    kept = changed + docs[8:-2]
    agree, compared = _compare(index, kept)
    assert agree == compared
