"""The postgres search backend: it ranks as Whoosh does, keeps its statistics exact through
updates, switches generations atomically, lets two drains run at once, and refuses SQLite.
(The behaviour both backends share is tested by the rest of tests/search and
tests/matching, run with each backend.)"""
import json
from collections import Counter
from dataclasses import replace

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.matching.cli import DEFAULT_LANGUAGE
from marketplace.search import pgkeyword, recommend
from marketplace.search.backend import KeywordQuery
from marketplace.search.documents import doc_from_listing
from marketplace.search.drain import check, drain, published_listings
from marketplace.search.index import TEXT_FIELDS
from marketplace.search.language import current_language
from marketplace.search.models import (IndexDocument, IndexGeneration, IndexPosting, IndexTask,
                                       IndexTerm)
from marketplace.search.pgbackend import PostgresBackend
from marketplace.search.runtime import create_backend
from marketplace.search.text import read_language_files
from marketplace.sync.steps import sync_step
from tests.concurrency import run_together
from tests.search.backends import keyword, writer_held

QUERIES = ["停车", "智慧 停车", "养老 服务 平台", "VR 教学", "城市 运行 一网统管", "数据", "北斗",
           "应急 指挥", "不存在的词语组合"]


def test_the_postgres_backend_refuses_sqlite_with_a_clear_message(tmp_path):
    with pytest.raises(RuntimeError, match="需要 PostgreSQL"):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}",
                   SEARCH_BACKEND="postgres")
    with pytest.raises(RuntimeError, match="应为 whoosh 或 postgres"):
        create_backend({"SEARCH_BACKEND": "elastic", "SEARCH_INDEX_DIR": str(tmp_path)})


@pytest.mark.postgres_search
@pytest.mark.parametrize("rare_share", [0.0, pgkeyword.RARE_SHARE, 1e9],
                         ids=["never-by-rarest", "as-shipped", "always-by-rarest"])
@pytest.mark.parametrize("q", QUERIES)
def test_keyword_search_finds_and_ranks_what_whoosh_does(both, q, rare_share, monkeypatch):
    """With the postings filtered by the rarest required term's documents or not."""
    monkeypatch.setattr(pgkeyword, "RARE_SHARE", rare_share)
    whoosh, postgres = both
    for every in (True, False):
        for filters in ({}, {"kind": "product"}, {"field": "数字治理"}):
            expected = keyword(whoosh, q, every, **filters)
            found = keyword(postgres, q, every, **filters)
            assert found.total == expected.total, (q, every, filters)
            assert found.keys == expected.keys, (q, every, filters)
            assert found.facets == expected.facets, (q, every, filters)
            assert list(found.facets["tag"]) == list(expected.facets["tag"])  # tie order
    assert whoosh.finds(["停车"]) and postgres.finds(["停车"])
    assert not postgres.finds(["停车", "不存在的词"])


@pytest.mark.postgres_search
def test_matching_retrieves_the_candidates_whoosh_does(both, labelled):
    whoosh, postgres = both
    with whoosh.reader() as w, postgres.reader() as p:
        assert p.doc_count() == w.doc_count()
        w_idf, p_idf = recommend.Idf.of(w), recommend.Idf.of(p)
        for doc in labelled.opportunities:
            terms = recommend.field_terms(doc, postgres.pipeline())
            assert all(p_idf(t) == w_idf(t) for words in terms.values() for t in words)
            expected = [s["key"] for s in recommend.candidates(w, terms, "product", w_idf)]
            found = [s["key"] for s in recommend.candidates(p, terms, "product", p_idf)]
            assert found == expected, doc.key
        stored = recommend.candidates(p, terms, "product", p_idf, limit=1)[0]
        assert stored == recommend.candidates(w, terms, "product", w_idf, limit=1)[0]


def statistics(index_name: str) -> dict:
    """What an index holds, without row ids: generation statistics, documents, postings,
    document frequencies."""
    generation = db.session.scalar(sa.select(IndexGeneration).where(
        IndexGeneration.name == index_name, IndexGeneration.active))
    columns = [c for c in IndexDocument.__table__.c if c.key not in ("id", "generation_id")]
    documents = {row.key: tuple(getattr(row, c.key) for c in columns)
                 for row in db.session.scalars(sa.select(IndexDocument).where(
                     IndexDocument.generation_id == generation.id))}
    postings = sorted(db.session.execute(
        sa.select(IndexDocument.key, IndexPosting.field, IndexPosting.term, IndexPosting.tf,
                  IndexPosting.fl)
        .join(IndexDocument, IndexDocument.id == IndexPosting.document_id)
        .where(IndexPosting.generation_id == generation.id)).all())
    terms = {(field, term): df for field, term, df in db.session.execute(
        sa.select(IndexTerm.field, IndexTerm.term, IndexTerm.df).where(
            IndexTerm.generation_id == generation.id))}
    return {"doc_count": generation.doc_count, "lengths": json.loads(generation.lengths),
            "documents": documents, "postings": postings, "terms": terms}


@pytest.mark.postgres_search
def test_statistics_stay_exact_through_updates_and_removals(ctx, labelled):
    docs = labelled.opportunities[:20] + labelled.products[:20]
    language = read_language_files(DEFAULT_LANGUAGE)
    updated = PostgresBackend("test-updated")
    updated.write_generation(docs, language)
    changed = [replace(doc, title=f"{doc.title} 停车诱导", description="") for doc in docs[:8]]
    removed = [doc.key for doc in docs[30:35]]
    assert updated.apply(changed, removed, timeout=1)
    assert updated.apply(changed[:2], [], timeout=1)  # the same upsert twice is harmless
    final = changed + [d for d in docs[8:] if d.key not in removed]
    fresh = PostgresBackend("test-fresh")
    fresh.write_generation(final, language)
    assert statistics("test-updated") == statistics("test-fresh")
    assert len(statistics("test-updated")["documents"]) == len(final)
    # Document frequencies are those of the postings: per field, and over the text fields.
    postings = statistics("test-updated")["postings"]
    expected = Counter((field, term) for _, field, term, _, _ in postings)
    expected.update(("all", term) for _, term in {(key, term) for key, field, term, _, _
                                                  in postings if field in TEXT_FIELDS})
    assert statistics("test-updated")["terms"] == dict(expected)


@pytest.mark.postgres_search
def test_a_rebuild_is_seen_whole_or_not_at_all(own_app, make):
    """Another connection sees the previous generation while a rebuild is written, and
    the new one from its commit: never a part."""
    def active_keys(connection):
        return set(connection.execute(sa.text(
            "SELECT d.key FROM search_documents d JOIN search_generations g "
            "ON g.id = d.generation_id WHERE g.active AND g.name = 'main'")).scalars())

    with own_app.app_context():
        org = make.org(kind="department")
        first = make.opportunity(org, status="published", title="停车诱导系统")
        db.session.commit()
        sync_step()
        backend = own_app.extensions["search_index"]
        assert backend.name == "postgres"
        make.opportunity(org, status="published", title="养老服务平台")
        db.session.commit()
        docs = [doc_from_listing(item) for item in published_listings()]
        with db.engine.connect() as other:
            backend.write_generation(docs, read_language_files(DEFAULT_LANGUAGE))
            assert active_keys(other) == {f"opportunity:{first.id}"}
            db.session.commit()
            assert active_keys(other) == {d.key for d in docs} and len(docs) == 2
        db.session.remove()


@pytest.mark.postgres_search
def test_two_drains_at_once_neither_corrupt_nor_duplicate(own_app, make):
    with own_app.app_context():
        org = make.org(kind="department")
        items = [make.opportunity(org, status="published", title=f"停车诱导系统{i}")
                 for i in range(6)]
        db.session.commit()
        sync_step()  # the first generation
        for item in items:
            item.title = f"{item.title} 智慧养老"
        db.session.commit()
        db.session.remove()
    backend = own_app.extensions["search_index"]
    results = run_together(own_app, lambda _: drain(backend, timeout=10), [0, 1])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.applied for r in results) >= 6 and not any(r.locked for r in results)
    with own_app.app_context():
        assert check(backend) == {"missing": [], "orphaned": [], "no_index": []}
        held = statistics("main")
        keys = db.session.scalars(sa.select(IndexDocument.key)).all()
        assert len(keys) == len(set(keys)) == 6
        fresh = PostgresBackend("fresh")
        fresh.write_generation([doc_from_listing(i) for i in published_listings()],
                               current_language())
        assert held == statistics("fresh")
        db.session.rollback()


@pytest.mark.postgres_search
def test_a_drain_leaves_tasks_pending_while_another_writer_holds_the_index(own_app, make):
    with own_app.app_context():
        sync_step()  # the first generation, committed (and its lock released)
        make.opportunity(make.org(kind="department"), status="published", title="停车诱导系统")
        db.session.commit()
        backend = own_app.extensions["search_index"]
        with writer_held(backend):
            assert drain(backend, timeout=0.1).locked
            db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(IndexTask.id))) > 0
        assert sync_step().applied > 0
        assert db.session.scalar(sa.select(sa.func.count(IndexTask.id))) == 0
        assert check(backend) == {"missing": [], "orphaned": [], "no_index": []}
        db.session.remove()


def test_the_rarest_required_term_filters_only_at_a_quarter_of_the_others_postings():
    query = KeywordQuery(terms=("城市", "一网统管"), generic=("平台",))
    # (field, term, weight, mean length, bits, document frequency)
    rows = [("title", "城市", 1.0, 1.0, "10", 300), ("body", "城市", 1.0, 1.0, "10", 500),
            ("title", "一网统管", 1.0, 1.0, "01", 40), ("body", "一网统管", 1.0, 1.0, "01", 60),
            ("body", "平台", 1.0, 1.0, "00", 900)]
    assert pgkeyword._rarest(query, rows) == ("一网统管", ["title", "body"])
    # A generic word never bounds the matches, however rare.
    assert pgkeyword._rarest(query, rows[:4] + [("body", "平台", 1.0, 1.0, "00", 1)])[0] == "一网统管"
    # Nothing to gain when the rare term has more than a quarter as many postings as the
    # rest (RARE_SHARE).
    assert pgkeyword._rarest(query, [rows[0], ("title", "一网统管", 1.0, 1.0, "01", 200)]) is None
    assert pgkeyword._rarest(replace(query, every=False), rows) is None
