"""A full refresh in batches (matching.bulk) stores what the per-listing refresh stores,
resumes where an interrupted one stopped, reports its progress, and a second refresher
that computed the same batch writes nothing twice. Run with each search backend."""
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.matching import services
from marketplace.matching import bulk
from marketplace.matching.bulk import Refresher
from marketplace.matching.cli import field_groups
from marketplace.matching.evaluation import load_set
from marketplace.matching.models import Recommendation, RefreshTask, SimilarPair
from marketplace.search import recommend as ranking
from marketplace.search.engine import MatchEngine

DATA = Path(__file__).resolve().parents[1] / "data" / "matching"


class Stop(Exception):
    """Raised between two batches, as a killed command would stop."""


@pytest.fixture
def listings(ctx, make, sync):
    """Needs and offers of the labelled set as published listings (one under review),
    indexed with their recommendations stored by the drain."""
    labelled = load_set(DATA, field_groups())
    department, enterprise = make.org(kind="department"), make.org()
    for doc in labelled.opportunities[:14]:
        make.opportunity(department, status="published", title=doc.title[:60],
                         summary=doc.summary[:200], description=doc.description)
    for doc in labelled.products[:16]:
        make.product(enterprise, status="published", title=doc.title[:60],
                     summary=doc.summary[:200], description=doc.description)
    make.product(enterprise, status="submitted", title=labelled.products[0].title[:60],
                 summary=labelled.products[0].summary[:200],
                 description=labelled.products[0].description)
    sync()


def _rows() -> tuple[dict, dict]:
    recommendations = {(r.opportunity_id, r.product_id): (r.score, r.band, r.in_opportunity_list,
                                                           r.in_product_list, r.evidence)
                       for r in db.session.scalars(sa.select(Recommendation))}
    pairs = {(p.listing_kind, p.first_id, p.second_id): (p.score, p.terms)
             for p in db.session.scalars(sa.select(SimilarPair))}
    return recommendations, pairs


def _per_item(engine) -> tuple[dict, dict]:
    services.queue_refresh_all()
    while services.refresh_queued(engine):
        pass
    db.session.expire_all()
    return _rows()


def test_bulk_refresh_stores_what_the_per_item_refresh_stores(listings, index):
    engine = MatchEngine(index)
    expected = _per_item(engine)
    assert expected[0] and expected[1]  # there is something to compare
    for processes, batch in ((1, 7), (2, 7), (2, 1000)):
        db.session.execute(sa.delete(Recommendation))
        db.session.execute(sa.delete(SimilarPair))
        services.queue_refresh_all()
        refreshed = Refresher(engine, processes=processes, batch=batch).run()
        db.session.expire_all()
        assert refreshed == 31 and services.pending_refreshes() == 0
        assert _rows() == expected


def test_an_interrupted_refresh_keeps_the_rest_queued_and_resumes(listings, index):
    engine = MatchEngine(index)
    expected = _per_item(engine)
    services.queue_refresh_all()
    before = _rows()

    def stop_after_first(done):
        raise Stop

    with pytest.raises(Stop):
        Refresher(engine, processes=1, batch=10).run(stop_after_first)
    progress = services.progress()
    assert (progress.done, progress.total, progress.percent) == (10, 31, 32)
    assert progress.remaining_seconds(progress.started_at) is not None
    # The listings not yet redone keep their rows (here: the same as after the last run).
    db.session.expire_all()
    assert _rows() == before
    Refresher(engine, processes=1, batch=10).run()
    db.session.expire_all()
    assert services.progress() is None and _rows() == expected


def test_a_second_refresher_of_the_same_batch_writes_nothing(listings, index):
    engine = MatchEngine(index)
    expected = _per_item(engine)
    services.queue_refresh_all()
    tasks = services.queued(1000)
    first, second = Refresher(engine, processes=1), Refresher(engine, processes=1)
    corpus = first.corpus()
    assert first.refresh_tasks(corpus, tasks) == 31
    assert second.refresh_tasks(corpus, tasks) == 0  # its queue entries were taken
    db.session.expire_all()
    assert _rows() == expected
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RefreshTask)) == 0


def test_a_pair_is_scored_once_per_refresh(listings, index, monkeypatch):
    """A pair stored by the batch of one of its listings is taken as stored by the batch
    of the other (the same corpus scores it the same), not scored with evidence again;
    only a pair found no match (nothing stored) is scored by both."""
    engine = MatchEngine(index)
    expected = _per_item(engine)
    explained = []

    def counted(a, a_terms, b, b_terms, *args, **kwargs):
        result = ranking.explained(a, a_terms, b, b_terms, *args, **kwargs)
        explained.append((frozenset((a.key, b.key)), result[1]))
        return result

    monkeypatch.setattr(bulk, "ranking", SimpleNamespace(
        **{**vars(ranking), "explained": counted}))
    services.queue_refresh_all()
    Refresher(engine, processes=1, batch=5).run()
    db.session.expire_all()
    assert _rows() == expected
    stored = [pair for pair, band in explained if band is not None]
    assert stored and len(stored) == len(set(stored))


@pytest.mark.postgres_database
def test_the_planner_is_told_the_stored_rows_tables_are_filling(listings, index):
    """PostgreSQL plans each batch's reads from statistics: tables it last saw empty
    would be read whole for every batch once full."""
    engine = MatchEngine(index)
    db.session.execute(sa.delete(Recommendation))
    db.session.execute(sa.delete(SimilarPair))
    for table in bulk.STATISTICS_TABLES:
        db.session.execute(sa.text(f"ANALYZE {table}"))
    assert _planned_rows() == {table: 0 for table in bulk.STATISTICS_TABLES}
    services.queue_refresh_all()
    Refresher(engine, processes=1, batch=8).run()  # 31 listings: 4 batches
    stored = {"recommendations": Recommendation, "listing_similarities": SimilarPair}
    planned = _planned_rows()
    for table, model in stored.items():
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        # Gathered after batches 1, 2 and 4: the last saw every row (small tables are
        # read whole).
        assert rows > 0 and planned[table] == rows, table


def _planned_rows() -> dict[str, float]:
    return dict(db.session.execute(sa.text(
        "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:tables)"),
        {"tables": list(bulk.STATISTICS_TABLES)}).all())
