"""The sync step owns keeping the index and the stored recommendations current: a pass
follows what the drain did, a rebuild queues every listing's refresh in its own table."""
import sqlite3
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from marketplace.extensions import db
from marketplace.matching import queries
from marketplace.matching.models import Recommendation, RefreshTask
from marketplace.search.models import IndexTask
from marketplace.sync import steps
from marketplace.sync.cli import search_cli
from tests.search.test_recommend import parking_pair

ROOT = Path(__file__).resolve().parents[2]


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_pass_indexes_and_recommends_what_changed(ctx, make, index):
    steps.rebuild_index(processes=1)  # an index exists (no index: the pass rebuilds)
    need, answer = parking_pair(make)
    result = steps.sync_step()
    assert result.applied >= 2 and result.refreshed >= 2 and not result.rebuilt
    assert [r.product_id for r in queries.for_item(need)] == [answer.id]
    assert _count(IndexTask) == 0 and _count(RefreshTask) == 0


def test_unpublished_listing_loses_its_stored_pairs(ctx, make, index, sync):
    need, answer = parking_pair(make)
    sync()
    assert _count(Recommendation) == 1
    answer.status = "closed"  # as closing does; the outbox queues its index task
    db.session.flush()
    steps.sync_step()
    assert _count(Recommendation) == 0


def test_rebuild_queues_every_refresh_and_sync_works_through_them(ctx, make, index, sync):
    need, answer = parking_pair(make)
    sync()
    db.session.execute(sa.delete(Recommendation))
    steps.rebuild_index(processes=1)
    queued = {(t.listing_kind, t.listing_id) for t in db.session.scalars(sa.select(RefreshTask))}
    assert queued == {("opportunity", need.id), ("product", answer.id)}
    assert _count(IndexTask) == 0  # refreshes are not index tasks
    steps.refresh_all_queued()
    assert _count(RefreshTask) == 0
    assert [r.product_id for r in queries.for_item(need)] == [answer.id]


def test_flask_search_rebuild_and_check(app, ctx, make, index, sync):
    parking_pair(make)
    sync()
    runner = CliRunner()
    with app.app_context():
        rebuilt = runner.invoke(search_cli, ["rebuild", "--processes", "1"])
        checked = runner.invoke(search_cli, ["check"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "索引已重建：2 条" in rebuilt.output and "推荐结果已全部更新" in rebuilt.output
    assert checked.exit_code == 0 and "索引与数据库一致" in checked.output


def test_migration_moves_queued_refreshes_out_of_the_search_outbox(process_env, tmp_path):
    """Rows queued as ``recommend:<kind>`` index tasks before the split become refresh
    rows; index tasks stay where they are."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi.py", "db", "upgrade"]
    subprocess.run([*flask, "88339eb7ddcc"], cwd=ROOT, env=process_env, check=True,
                   capture_output=True)
    database = tmp_path / "process.db"
    with sqlite3.connect(database) as conn:
        conn.executemany(
            "INSERT INTO search_tasks (kind, object_id, created_at, attempts, last_error) "
            "VALUES (?, ?, '2026-12-01 00:00:00', 0, '')",
            [("recommend:opportunity", 7), ("product", 3), ("recommend:product", 9)])
    subprocess.run(flask, cwd=ROOT, env=process_env, check=True, capture_output=True)
    with sqlite3.connect(database) as conn:
        tasks = conn.execute("SELECT kind, object_id FROM search_tasks").fetchall()
        refreshes = conn.execute("SELECT listing_kind, listing_id FROM "
                                 "recommendation_refreshes ORDER BY id").fetchall()
    assert tasks == [("product", 3)]
    assert refreshes == [("opportunity", 7), ("product", 9)]


def test_flask_search_refresh_resumes_the_queue_with_a_progress_bar(app, ctx, make, index, sync):
    need, answer = parking_pair(make)
    sync()
    need_id, answer_id = need.id, answer.id
    runner = CliRunner()
    with app.app_context():
        idle = runner.invoke(search_cli, ["refresh"])
        steps.rebuild_index(processes=1)
        db.session.execute(sa.delete(Recommendation))  # as if they were stale
        refreshed = runner.invoke(search_cli, ["refresh", "--processes", "1", "--batch", "1"])
    assert idle.exit_code == 0 and "没有待更新的推荐" in idle.output
    assert refreshed.exit_code == 0, refreshed.output
    assert "更新推荐" in refreshed.output  # the bar itself is drawn on a terminal only
    assert "推荐结果已全部更新：2 条清单" in refreshed.output
    assert _count(RefreshTask) == 0
    assert db.session.execute(sa.select(Recommendation.opportunity_id, Recommendation.product_id)
                              ).all() == [(need_id, answer_id)]
