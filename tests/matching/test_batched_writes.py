"""The bulk refresh writes a batch's stored rows at once (``stored.StoredRows``,
``similar.Replacement``): whatever the listings, their order and the rows already stored,
the tables end as if each listing had been written on its own, one after the other."""
import json

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.extensions import db
from marketplace.matching import similar
from marketplace.matching.models import Recommendation, SimilarPair
from marketplace.matching.stored import StoredRows
from marketplace.search.lookalikes import Similar

SIZE = 4  # listings of each kind
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
BANDS = st.sampled_from(["strong", "medium", "weak", None])
RESULT = st.tuples(st.integers(1, 99).map(lambda n: n / 100), BANDS)


def _listings(make) -> dict[str, list[int]]:
    department, enterprise = make.org(kind="department"), make.org()
    ids = {"opportunity": [make.opportunity(department, status="published").id
                           for _ in range(SIZE)],
           "product": [make.product(enterprise, status="published").id for _ in range(SIZE)]}
    db.session.commit()
    return ids


# -- recommendations -------------------------------------------------------------------
stored_row = st.tuples(st.integers(0, SIZE - 1), st.integers(0, SIZE - 1), RESULT,
                       st.booleans(), st.booleans())
refresh_step = st.tuples(
    st.sampled_from(["opportunity", "product"]), st.integers(0, SIZE - 1),
    st.lists(st.integers(0, SIZE - 1), unique=True, max_size=SIZE),
    st.dictionaries(st.integers(0, SIZE - 1), RESULT))


def _comparable(rows) -> set:
    return {(*row[:-1], json.dumps(row[-1], sort_keys=True)) for row in rows}


def _recommendations() -> set:
    return _comparable(db.session.execute(sa.select(
        Recommendation.opportunity_id, Recommendation.product_id, Recommendation.score,
        Recommendation.band, Recommendation.in_opportunity_list, Recommendation.in_product_list,
        Recommendation.evidence)))


def _store_initial(ids: dict, rows: list) -> None:
    db.session.execute(sa.delete(Recommendation))
    seen = set()
    for o, p, (score, band), in_o, in_p in rows:
        if (o, p) not in seen and band is not None:
            seen.add((o, p))
            db.session.add(Recommendation(
                opportunity_id=ids["opportunity"][o], product_id=ids["product"][p],
                score=score, band=band, evidence={"from": "before"},
                in_opportunity_list=in_o, in_product_list=in_p))
    db.session.flush()


def _apply(rows: StoredRows, ids: dict, step) -> None:
    kind, item, wanted, scored = step
    other = "product" if kind == "opportunity" else "opportunity"
    rows.apply(kind, ids[kind][item], [ids[other][i] for i in wanted],
               {ids[other][i]: (score, band, {"scored": [kind, item]} if band else {})
                for i, (score, band) in scored.items()})


def test_a_batch_of_recommendations_ends_as_one_listing_after_the_other(make, each_example):
    ids = _listings(make)

    @PROPERTY
    @given(initial=st.lists(stored_row, max_size=10), steps=st.lists(refresh_step, max_size=6))
    def check(initial, steps):
        with each_example():
            _store_initial(ids, initial)
            for step in steps:  # the per-listing refresh: one listing at a time
                rows = StoredRows([(step[0], ids[step[0]][step[1]])])
                _apply(rows, ids, step)
                rows.write()
            one_by_one = _recommendations()
            _store_initial(ids, initial)
            rows = StoredRows([(kind, ids[kind][item]) for kind, item, _, _ in steps])
            for step in steps:
                _apply(rows, ids, step)
            rows.write()
            assert _recommendations() == one_by_one

    check()


def test_a_product_and_an_opportunity_of_one_batch_share_their_row(make):
    ids = _listings(make)
    opportunity, product = ids["opportunity"][0], ids["product"][0]
    rows = StoredRows([("opportunity", opportunity), ("product", product)])
    assert rows.apply("opportunity", opportunity, [product], {product: (0.8, "strong", {})}) == 1
    # The product's own list no longer has the opportunity, but the opportunity lists it.
    assert rows.apply("product", product, [], {opportunity: (0.7, "medium", {})}) == 0
    rows.write()
    assert _recommendations() == {(opportunity, product, 0.7, "medium", True, False, "{}")}


# -- look-alike pairs ---------------------------------------------------------------------
lookalike_step = st.tuples(
    st.sampled_from(["opportunity", "product"]), st.integers(0, SIZE - 1),
    st.dictionaries(st.integers(0, SIZE - 1), st.integers(50, 99), max_size=SIZE))


def _pairs() -> set:
    return _comparable(db.session.execute(sa.select(
        SimilarPair.listing_kind, SimilarPair.first_id, SimilarPair.second_id,
        SimilarPair.score, SimilarPair.terms)))


def _found(ids: dict, step) -> list[Similar]:
    kind, item, others = step
    return [Similar(f"{kind}:{ids[kind][other]}", score / 100, [f"{kind}{item}-{other}"])
            for other, score in others.items() if other != item]


def test_a_batch_of_look_alike_pairs_ends_as_one_listing_after_the_other(make, each_example):
    ids = _listings(make)

    @PROPERTY
    @given(initial=st.lists(lookalike_step, max_size=4), steps=st.lists(lookalike_step,
                                                                         max_size=6))
    def check(initial, steps):
        with each_example():
            def start():
                db.session.execute(sa.delete(SimilarPair))
                for step in initial:
                    similar.remove(step[0], ids[step[0]][step[1]])
                    similar.store(step[0], ids[step[0]][step[1]], _found(ids, step))

            start()
            for step in steps:
                similar.remove(step[0], ids[step[0]][step[1]])
                similar.store(step[0], ids[step[0]][step[1]], _found(ids, step))
            one_by_one = _pairs()
            start()
            replacement = similar.Replacement()
            for step in steps:
                replacement.replace(step[0], ids[step[0]][step[1]], _found(ids, step))
            replacement.write()
            assert _pairs() == one_by_one

    check()


@pytest.mark.sqlite_database
def test_removing_a_listings_pairs_searches_by_its_id(app, ctx):
    """Each of a refresh's deletes reads only the listing's own pairs: with ``first_id = ?
    OR second_id = ?`` SQLite searched every pair of the kind, so a full refresh slowed
    down as the table filled (23 s a batch growing to 39 s at 100k listings)."""
    statements = []

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("DELETE FROM listing_similarities"):
            statements.append((statement, parameters))

    try:
        similar.remove("product", 7)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert len(statements) == 2
    for statement, parameters in statements:
        plan = " ".join(row[-1] for row in db.session.execute(
            sa.text(f"EXPLAIN QUERY PLAN {statement}".replace("?", ":p0", 1)
                    .replace("?", ":p1", 1)), {"p0": parameters[0], "p1": parameters[1]}))
        assert "first_id=?" in plan or "second_id=?" in plan, plan
