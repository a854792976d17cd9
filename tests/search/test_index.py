"""The index as a projection: outbox, drain, failures, repair (on either backend)."""
import sys

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.search.drain import check, drain
from marketplace.search.models import IndexTask
from marketplace.search.queries import SearchParams, safe_search, search
from tests.search.backends import destroy, everything_held, state, writer_held


def pending():
    return db.session.scalar(sa.select(sa.func.count(IndexTask.id)).where(
        IndexTask.kind.in_(["opportunity", "product", "rebuild"])))


def keys(page):
    return {f"{h.item.kind}:{h.item.id}" for h in page.hits}


def test_every_listing_change_writes_an_index_task_in_the_same_transaction(ctx, make, index):
    before = pending()
    item = make.opportunity(make.org(kind="department"))
    assert pending() > before
    tasks = db.session.scalars(sa.select(IndexTask).where(
        IndexTask.kind == "opportunity", IndexTask.object_id == item.id)).all()
    assert tasks


def test_a_rolled_back_change_leaves_no_task(ctx, make, index):
    item = make.opportunity(make.org(kind="department"))
    sync_count = pending()
    item.title = "回滚的修改"
    db.session.flush()
    assert pending() == sync_count + 1
    db.session.rollback()
    assert pending() == sync_count


def test_only_published_items_are_searchable(ctx, make, index, sync):
    department = make.org(kind="department")
    published = make.opportunity(department, status="published", title="智慧停车公开项目")
    make.opportunity(department, status="approved", title="草稿独有词汇XYZZY停车")
    sync()
    page = search(index, SearchParams(q="停车"))
    assert keys(page) == {f"opportunity:{published.id}"}
    assert search(index, SearchParams(q="XYZZY")).total == 0
    assert check(index) == {"missing": [], "orphaned": [], "no_index": []}


def test_phone_numbers_never_enter_the_index(ctx, make, index, sync):
    item = make.opportunity(make.org(kind="department"), status="published",
                            contact_phone="13912345678",
                            description="请致电 13987654321 或 0791-83881234 咨询停车项目。")
    sync()
    held = everything_held(index)
    assert "停车" in held
    for digits in ("13912345678", "13987654321", "83881234"):
        assert digits not in held
    assert search(index, SearchParams(q="13987654321")).total == 0
    assert item.id


def test_closing_removes_the_item_from_the_index(ctx, make, index, sync):
    department = make.org(kind="department")
    item = make.opportunity(department, status="published", title="即将关闭的停车需求")
    sync()
    assert search(index, SearchParams(q="停车")).total == 1
    from marketplace.listings import services as listing_services
    listing_services.close(department.users[0], item, "已签约")
    db.session.commit()
    sync()
    assert search(index, SearchParams(q="停车")).total == 0


def test_a_query_asked_again_is_answered_from_the_index_as_it_now_is(ctx, make, index, sync):
    """Answers kept per state of the index (whoosh_backend._answers) never outlive it."""
    department = make.org(kind="department")
    first = make.opportunity(department, status="published", title="智慧停车诱导一期")
    sync()
    asked = [search(index, SearchParams(q="停车")) for _ in range(2)]
    assert [(keys(page), page.total, page.facets) for page in asked] == [
        ({f"opportunity:{first.id}"}, 1, asked[0].facets)] * 2
    second = make.opportunity(department, status="published", title="智慧停车诱导二期")
    sync()
    page = search(index, SearchParams(q="停车"))
    assert (keys(page), page.total) == ({f"opportunity:{first.id}", f"opportunity:{second.id}"}, 2)


def test_changes_the_index_does_not_show_leave_it_as_it_was(ctx, make, index, sync):
    """A draft saved or sent to review is applied (its task gone, its key among the
    removed for the recommendations) without writing the index: readers keep their
    searchers and the answers kept with them."""
    department = make.org(kind="department")
    published = make.opportunity(department, status="published", title="智慧停车诱导一期")
    sync()
    before = state(index)
    draft = make.opportunity(department, status="draft")
    submitted = make.opportunity(department, status="submitted")
    result = drain(index)
    db.session.commit()
    assert sorted(result.removed) == [("opportunity", draft.id), ("opportunity", submitted.id)]
    assert pending() == 0 and state(index) == before
    from marketplace.listings import services as listing_services
    listing_services.close(department.users[0], published, "已签约")
    db.session.commit()
    drain(index)
    db.session.commit()
    assert state(index) != before and search(index, SearchParams(q="停车")).total == 0


@pytest.mark.whoosh_only  # the postgres backend's lock: test_pgbackend.py (needs real commits)
def test_a_locked_index_keeps_tasks_pending(ctx, make, index, sync):
    sync()  # create the index
    make.opportunity(make.org(kind="department"), status="published")
    with writer_held(index):
        result = drain(index, timeout=0.1)
        assert result.locked and pending() > 0
    sync()
    assert pending() == 0 and search(index, SearchParams(q="停车")).total == 1


def test_a_drain_killed_midway_loses_nothing(ctx, make, index, sync, monkeypatch):
    sync()
    make.opportunity(make.org(kind="department"), status="published")
    waiting = pending()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("drain killed")

    with monkeypatch.context() as patch:
        # The backend dies while writing a document (after the postgres backend has
        # deleted the old version of what it upserts): where each segments documents.
        segmenting = {"whoosh": type(index).__module__,
                      "postgres": "marketplace.search.pgwrite"}[index.name]
        patch.setattr(sys.modules[segmenting], "document_fields", crash)
        with pytest.raises(KeyboardInterrupt):
            sync()
    assert pending() == waiting
    sync()
    assert pending() == 0 and search(index, SearchParams(q="停车")).total == 1


def test_deleted_index_is_reported_and_rebuilt(ctx, make, index, sync, app):
    item = make.product(make.org(), status="published")
    sync()
    destroy(index)
    drift = check(index)
    assert drift["no_index"] and f"product:{item.id}" in drift["missing"]
    # The page never errors: it falls back to the database.
    page = safe_search(index, SearchParams(q="停车"))
    assert page.degraded and page.total == 1
    runner = app.test_cli_runner()
    assert runner.invoke(args=["search", "check"]).exit_code == 1
    result = runner.invoke(args=["search", "rebuild", "--processes", "1"])
    assert result.exit_code == 0, result.output
    assert check(index) == {"missing": [], "orphaned": [], "no_index": []}
    assert "一致" in runner.invoke(args=["search", "check"]).output


# A damaged index (garbage or truncated segments, no table of contents, no directory, a
# lock held) and a drain process killed at random: tests/search/test_index_faults.py.
