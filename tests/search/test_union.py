"""SummedOr must match exactly what Whoosh's own Or / And(required, Or) match, with the
same scores, in one segment or several. (It extends Whoosh, so this test talks to Whoosh.)"""
import random

import pytest
from whoosh.collectors import TopCollector
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.query import And, Or, Term

from marketplace.search.union import SummedOr

# About Whoosh's matchers.
pytestmark = pytest.mark.whoosh_only

WORDS = ["停车", "养老", "城管", "vr", "实训", "物联网", "北斗", "孪生", "医疗", "教育"]


def build(segments: int):
    schema = Schema(key=ID(stored=True), kind=ID, a=TEXT, b=TEXT)
    ix = RamStorage().create_index(schema)
    rng = random.Random(7)
    n = 0
    for _ in range(segments):
        writer = ix.writer()
        for _ in range(60):
            writer.add_document(key=str(n), kind=("opportunity", "product")[n % 2],
                                a=" ".join(rng.sample(WORDS, 3)),
                                b=" ".join(rng.choices(WORDS, k=6)))
            n += 1
        writer.commit(merge=False)
    return ix


def ranked(searcher, query):
    collector = TopCollector(limit=10_000, usequality=False, replace=0)
    searcher.search_with_collector(query, collector)
    return sorted((hit["key"], round(hit.score, 9)) for hit in collector.results())


def clauses(terms):
    return [Term(field, t, boost=boost) for t in terms for field, boost in (("a", 2.0), ("b", 1.0))]


@pytest.mark.parametrize("segments", [1, 3])
@pytest.mark.parametrize("terms", [["停车"], ["停车", "vr"], ["养老", "北斗", "孪生", "不存在"]])
def test_summed_or_matches_like_whoosh_or(segments, terms):
    ix = build(segments)
    with ix.searcher() as searcher:
        expected = ranked(searcher, Or(clauses(terms)))
        assert expected
        assert ranked(searcher, SummedOr(clauses(terms))) == expected


@pytest.mark.parametrize("segments", [1, 3])
@pytest.mark.parametrize("terms", [["停车"], ["医疗", "教育", "城管"]])
def test_required_matches_like_and(segments, terms):
    ix = build(segments)
    kind = Term("kind", "product")
    with ix.searcher() as searcher:
        expected = ranked(searcher, And([kind, Or(clauses(terms))]))
        got = ranked(searcher, SummedOr(clauses(terms), required=kind))
        assert got == expected
        products = {fields["key"] for fields in searcher.all_stored_fields()
                    if int(fields["key"]) % 2}
        assert {key for key, _ in got} <= products


def test_a_single_clause_keeps_the_requirement_through_normalize():
    ix = build(1)
    kind = Term("kind", "opportunity")
    query = SummedOr([Term("a", "停车")], required=kind)
    with ix.searcher() as searcher:
        for q in (query, query.normalize()):
            keys = {key for key, _ in ranked(searcher, q)}
            assert keys and all(int(key) % 2 == 0 for key in keys)


def test_nothing_required_means_nothing_matches():
    ix = build(1)
    query = SummedOr(clauses(["停车"]), required=Term("kind", "nobody"))
    with ix.searcher() as searcher:
        assert ranked(searcher, query) == []
