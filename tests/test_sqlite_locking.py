"""SQLite transactions under concurrency (marketplace/db.py): GET requests read side by
side, units of work that write take turns, and none of them fails with "database is
locked".

Each test has its own app on its own SQLite file and runs real requests and units of
work in real threads. A `counter` table is the data; the probe views below read it and
change it the way the app's views do (read, check, write, one commit), with a `pause`
between the steps so that a test can line the threads up.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask import Blueprint, current_app, has_request_context, jsonify, request

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.db import WriteInReadOnlyRequest
from marketplace.extensions import db

WAIT = 10  # seconds: only spent when a test fails (a thread waits for another forever)

probe = Blueprint("probe", __name__)


def _value() -> int:
    return db.session.execute(sa.text("SELECT value FROM counter")).scalar_one()


def _increment() -> int:
    """Read, then write what was read plus one: a read-check-write unit of work."""
    value = _value()
    _pause()
    db.session.execute(sa.text("UPDATE counter SET value = :v"), {"v": value + 1})
    db.session.commit()
    return value


def _pause() -> None:
    """What the test asked this request to do between its two steps (nothing by default,
    and nothing outside a request)."""
    who = request.args.get("who") if has_request_context() else None
    current_app.extensions["pauses"].get(who, lambda: None)()


@probe.get("/counter")
def read_twice():
    first = _value()
    _pause()
    return jsonify(first=first, second=_value())


@probe.post("/counter")
def increment():
    return jsonify(read=_increment())


@probe.get("/counter/increment")
def increment_on_get():
    return jsonify(read=_increment())


@pytest.fixture(autouse=True)
def _transaction():
    """These tests use their own database file and connections, not the shared one."""
    yield


def _make_app(tmp_path, **config):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'locks.db'}",
                     SEARCH_INDEX_DIR=str(tmp_path / "index"),
                     DEMO_LOGINS_FILE=str(tmp_path / "demo-logins.txt"),
                     WTF_CSRF_ENABLED=False, **config)
    app.register_blueprint(probe)
    app.extensions["pauses"] = {}
    with app.app_context():
        db.session.execute(sa.text(
            "CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"))
        db.session.execute(sa.text("INSERT INTO counter (id, value) VALUES (1, 0)"))
        db.session.commit()
    return app


@pytest.fixture
def app(tmp_path):
    app = _make_app(tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def _stored(app) -> int:
    with app.app_context():
        value = _value()
        db.session.rollback()
        return value


def _in_threads(*calls):
    """Run each call in its own thread; their results in order (re-raising a failure)."""
    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result(timeout=3 * WAIT) for future in futures]


def _get(app, who: str):
    response = app.test_client().get(f"/counter?who={who}")
    assert response.status_code == 200
    return response.get_json()


def _post(app, who: str):
    response = app.test_client().post(f"/counter?who={who}")
    assert response.status_code == 200
    return response.get_json()["read"]


def _unit_of_work(app):
    """A writer outside any request, as a CLI command or the search drain runs."""
    with app.app_context():
        return _increment()


def test_two_reads_stay_open_while_a_writer_commits(app):
    # Both readers are inside their transactions before the writer starts: with the write
    # lock taken by every transaction the second reader could not get there.
    both_reading = threading.Barrier(3, timeout=WAIT)
    committed = threading.Event()

    def reader_pause():
        both_reading.wait()
        assert committed.wait(WAIT)

    def writer():
        both_reading.wait()
        read = _unit_of_work(app)
        committed.set()
        return read

    app.extensions["pauses"].update(first=reader_pause, second=reader_pause)
    first, second, written = _in_threads(lambda: _get(app, "first"),
                                         lambda: _get(app, "second"), writer)
    # The writer committed while both read; each reader kept the snapshot it started with.
    assert written == 0 and _stored(app) == 1
    assert first == second == {"first": 0, "second": 0}


def test_writing_requests_take_turns(app):
    # The second request starts while the first is between its read and its write: it
    # waits for the first commit instead of reading the value the first is replacing.
    first_has_read, second_has_read = threading.Event(), threading.Event()

    def first_pause():
        first_has_read.set()
        second_has_read.wait(0.5)  # time for the second to overtake, were it allowed

    def second():
        assert first_has_read.wait(WAIT)
        return _post(app, "second")

    app.extensions["pauses"].update(first=first_pause, second=second_has_read.set)
    assert _in_threads(lambda: _post(app, "first"), second) == [0, 1]
    assert _stored(app) == 2


def test_read_then_write_units_under_load_lose_nothing(app):
    # Requests and units outside requests (CLI, drain) increment the counter at the same
    # time while readers keep reading: no "database is locked", no lost update.
    rounds, done = 10, threading.Event()

    def requests_writer():
        return [_post(app, "load") for _ in range(rounds)]

    def background_writer():
        return [_unit_of_work(app) for _ in range(rounds)]

    def reader():
        seen = []
        while not done.is_set():
            seen.append(_get(app, "load")["first"])
        return seen

    def writers():
        try:
            return _in_threads(requests_writer, requests_writer, requests_writer,
                               background_writer, background_writer)
        finally:
            done.set()

    written, *seen = _in_threads(writers, reader, reader)
    reads = sorted(value for one_writer in written for value in one_writer)
    assert reads == list(range(5 * rounds))  # each increment read what the one before wrote
    assert _stored(app) == 5 * rounds
    assert all(values == sorted(values) for values in seen)  # commits only move forward


def test_a_get_request_that_writes_is_refused(app):
    with pytest.raises(WriteInReadOnlyRequest, match="GET /counter/increment"):
        app.test_client().get("/counter/increment")
    assert _stored(app) == 0
    assert _post(app, "post") == 0 and _stored(app) == 1  # the same change in a POST


def test_without_deferred_reads_readers_take_turns(tmp_path):
    # SQLITE_DEFERRED_READS = False: every transaction takes the write lock, so a second
    # reader cannot start until the first has finished (what the benchmark's "before" runs).
    app = _make_app(tmp_path, SQLITE_DEFERRED_READS=False)
    first_reading, second_reading = threading.Event(), threading.Event()
    overlapped = []

    def first_pause():
        first_reading.set()
        overlapped.append(second_reading.wait(0.5))

    def second():
        assert first_reading.wait(WAIT)
        return _get(app, "second")

    app.extensions["pauses"].update(first=first_pause, second=second_reading.set)
    try:
        _in_threads(lambda: _get(app, "first"), second)
    finally:
        with app.app_context():
            db.engine.dispose()
    assert overlapped == [False]


def test_file_databases_use_wal_and_memory_databases_still_work(tmp_path):
    for url, mode in ((f"sqlite:///{tmp_path / 'wal.db'}", "wal"), ("sqlite://", "memory")):
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == mode
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        engine.dispose()
