"""Keyword search of the postgres backend counts facets from documents it remembers per
process (``search.pgfacets``): what it remembers must never make a count or a page wrong,
through edits, removals, a rebuild and a row deleted between the match and the read."""
from dataclasses import replace

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.matching.cli import DEFAULT_LANGUAGE
from marketplace.search import pgfacets
from marketplace.search.text import read_language_files
from tests.search.backends import keyword

QUERIES = ["数据", "停车", "智慧 停车", "养老 服务 平台", "城市 运行 一网统管"]
D = pgfacets.D
pytestmark = pytest.mark.postgres_search


def assert_same(whoosh, postgres, q, edited=False, **options):
    """The same matches, page, counts and tie order; after edits the same page as a set:
    Whoosh keeps deleted documents in its statistics until segments merge, so the two
    can order near ties differently (they did before this table too)."""
    expected, found = keyword(whoosh, q, **options), keyword(postgres, q, **options)
    assert found.total == expected.total, (q, options)
    if edited:
        assert set(found.keys) == set(expected.keys), (q, options)
    else:
        assert found.keys == expected.keys, (q, options)
    assert found.facets == expected.facets, (q, options)
    for name, counts in expected.facets.items():
        assert list(found.facets[name]) == list(counts), (q, name)  # tie order


def both_apply(whoosh, postgres, upserts, removals=()):
    assert whoosh.apply(list(upserts), list(removals), timeout=1)
    assert postgres.apply(list(upserts), list(removals), timeout=1)


def test_counts_follow_edits_and_removals_after_the_documents_are_remembered(both, labelled):
    whoosh, postgres = both
    for q in QUERIES:
        assert_same(whoosh, postgres, q)
    remembered = postgres._documents.columns
    products = labelled.products
    edited = [replace(d, title=f"{d.title} 数据", tags=["新标签", *d.tags], region="360104",
                      field_group="数字生活") for d in products[:6]]
    both_apply(whoosh, postgres, edited, [d.key for d in products[6:9]])
    for q in QUERIES:
        assert_same(whoosh, postgres, q, edited=True)
        assert_same(whoosh, postgres, q, edited=True, kind="product")
    # The new rows were read by id; what was remembered before was kept.
    assert postgres._documents.columns.base == remembered.base
    assert keyword(postgres, "数据").facets["tag"]["新标签"] == 6


@pytest.mark.parametrize("sort", ["newest", "deadline"])
def test_pages_in_the_other_orders_and_with_filters_are_whooshs(both, sort):
    whoosh, postgres = both
    for q in QUERIES:
        assert_same(whoosh, postgres, q, sort=sort)
        assert_same(whoosh, postgres, q, sort=sort, field="数字治理")


def test_the_first_search_reads_the_generation_later_ones_only_new_rows_and_a_rebuild_afresh(
        both, labelled):
    whoosh, postgres = both
    count = len(labelled.opportunities + labelled.products)
    keyword(postgres, "停车")
    assert postgres._documents.columns.remembered == count
    edited = [replace(d, title=f"{d.title} 数据") for d in labelled.products[:3]]
    both_apply(whoosh, postgres, edited)
    assert_same(whoosh, postgres, "数据", edited=True)
    assert postgres._documents.columns.remembered == count + 3  # the new rows, by id
    first = postgres._documents.columns
    language = read_language_files(DEFAULT_LANGUAGE)
    docs = [replace(d, tags=["重建后"]) for d in labelled.opportunities + labelled.products]
    whoosh.write_generation(docs, language)
    postgres.write_generation(docs, language)
    assert_same(whoosh, postgres, "数据")
    rebuilt = postgres._documents.columns
    assert rebuilt.generation_id != first.generation_id and rebuilt.base > first.base
    assert list(keyword(postgres, "数据").facets["tag"]) == ["重建后"]
    assert rebuilt.remembered == len(docs)


def test_rows_left_by_many_edits_are_forgotten_once(both, labelled, monkeypatch):
    """Each edit gives a listing a new row; past STALE_FACTOR remembered rows per live
    document all is forgotten and only what is matched is read again."""
    whoosh, postgres = both
    monkeypatch.setattr(pgfacets, "SLACK", 0)
    docs = labelled.opportunities + labelled.products
    assert_same(whoosh, postgres, "数据")
    first = postgres._documents.columns
    bound = pgfacets.STALE_FACTOR * len(docs)
    for round_ in range(5):
        both_apply(whoosh, postgres, [replace(d, tags=[f"第{round_}次"]) for d in docs])
        assert_same(whoosh, postgres, "数据", edited=True)
        assert postgres._documents.columns.remembered <= bound + len(docs)
    assert postgres._documents.columns.base > first.base  # the first rows were forgotten
    settled = postgres._documents.columns
    assert_same(whoosh, postgres, "数据", edited=True)
    assert postgres._documents.columns is settled  # nothing read again


def test_a_row_deleted_between_the_match_and_the_read_is_left_out(both, labelled):
    _, postgres = both
    active = postgres._active()
    ids = sorted(db.session.scalars(sa.select(D.c.id).where(D.c.generation_id == active.id)))
    gone = db.session.scalar(sa.select(D.c.key).where(D.c.id == ids[3]))
    assert postgres.apply([], [gone], timeout=1)  # after the match, before the read
    columns, rows = pgfacets.FacetTable().rows(ids, postgres._active())  # nothing remembered
    assert len(rows) == len(ids) - 1
    assert not columns.knows(ids[3]) and columns.key(ids[3]) is None
    assert columns.key(ids[4]) == db.session.scalar(sa.select(D.c.key).where(D.c.id == ids[4]))


def test_rows_below_and_above_those_remembered_are_placed_right(both):
    _, postgres = both
    active = postgres._active()
    keys = dict(db.session.execute(sa.select(D.c.id, D.c.key).where(
        D.c.generation_id == active.id)).all())
    ids = sorted(keys)
    columns = pgfacets._empty(active.id)
    for part in (ids[40:45], ids[:3], ids[-3:], ids[20:60]):
        columns = pgfacets._with_rows(columns, pgfacets._select(
            [i for i in part if not columns.knows(i)]))
        assert [columns.key(i) for i in part] == [keys[i] for i in part]
        assert len(columns.rows(part)) == len(part)
    seen = ids[:3] + ids[20:60] + ids[-3:]
    assert columns.remembered == len(seen) and columns.base == ids[0]
    assert [columns.key(i) for i in seen] == [keys[i] for i in seen]
    assert not columns.knows(ids[10]) and columns.rows(ids[9:12]) is None
