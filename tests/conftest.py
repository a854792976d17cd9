"""Fixtures: one migrated database per run, a rolled-back transaction per test.

The database is SQLite in a temporary file unless TEST_DATABASE_URL names another
(PostgreSQL in CI: see .ci/run). Reference data (regions, taxonomy, departments) is
loaded once; each test runs inside an outer transaction that is rolled back, and the
app's commits become savepoints. Property tests roll back each example with
``each_example``; tests that need several real connections (races) take ``own_app``, an
app on a database of its own that is committed to for real.
"""
import os
import tempfile
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import g, request_started
from hypothesis import settings
from sqlalchemy.orm import scoped_session, sessionmaker

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db, upgrade_database
from marketplace.search.engine import MatchEngine
from marketplace.search.runtime import create_backend
from marketplace.sync.steps import sync_step
from tests.databases import Drop, create_postgres, own_database
from tests.factories import Factory
from tests.signin import sign_in_session


# The search backend under test: whoosh, or postgres in the PostgreSQL run
# (`python -m tests.postgres --search-backend postgres …`).
SEARCH_BACKEND = os.environ.get("TEST_SEARCH_BACKEND", "whoosh")


def pytest_collection_modifyitems(config, items):
    """The tests about one search backend's own storage run in that backend's run only, the
    tests that need a PostgreSQL server in the PostgreSQL runs only, and those about
    SQLite's own planner in the SQLite run only: the others are left out (deselected, and
    counted so), not skipped."""
    other = {"postgres_search" if SEARCH_BACKEND == "whoosh" else "whoosh_only"}
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        other.add("postgres_database")
    else:
        other.add("sqlite_database")
    left_out = [item for item in items
                if any(item.get_closest_marker(name) for name in other)]
    if left_out:
        items[:] = [item for item in items if item not in left_out]
        config.hook.pytest_deselected(items=left_out)


def _run_database(tmp_dir: str) -> tuple[str, Drop]:
    """(URL, drop) of the session's database: TEST_DATABASE_URL, else SQLite in ``tmp_dir``.
    Under pytest-xdist (``make test`` runs ``-n``) each worker resets and migrates its own
    database, so on PostgreSQL a worker gets one of its own on the run's server, named after
    the run's database and the worker (dropped afterwards)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_dir}/test.db", lambda: None
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.startswith("postgresql"):
        return create_postgres(url, f"{sa.make_url(url).database}_{worker}")
    return url, lambda: None


# Property tests (Hypothesis): each test sets its own modest max_examples. No deadline (the
# machine is shared and tests never judge time), no example database in the checkout,
# and in CI (CI=true) the same examples on every run, so that a red build is reproducible.
settings.register_profile("marketplace", deadline=None, database=None, print_blob=True,
                          derandomize=os.environ.get("CI") == "true")
settings.load_profile("marketplace")

# Steps aside from the per-test transaction: these tests' apps have databases of their own.
OWN_DATABASE_FIXTURES = ("live_server", "crawl_server", "own_app", "app_with",
                         "empty_database")


def _reset(url: str) -> None:
    """Start from an empty database (a PostgreSQL test database may hold a past run)."""
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()


def _fresh_request_globals(sender, **extra):
    # Tests keep one app context open and Flask reuses it for every request; drop what
    # Flask-Login caches there so that each request authenticates like a real one.
    g.pop("_login_user", None)


def _migrated_app(url: str, tmp_dir: str, **overrides):
    """An app on ``url``, upgraded by the migrations and holding the reference data."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                     DEMO_LOGINS_FILE=os.path.join(tmp_dir, "demo-logins.txt"),
                     SEARCH_INDEX_DIR=os.path.join(tmp_dir, "search-index"),
                     SEARCH_BACKEND=SEARCH_BACKEND, **overrides)
    with app.app_context():
        upgrade_database(app)
        from marketplace.seeding.reference import load_reference
        load_reference()
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def app():
    tmp_dir = tempfile.mkdtemp(prefix="marketplace-test-")
    url, drop = _run_database(tmp_dir)
    try:
        _reset(url)
        app = _migrated_app(url, tmp_dir)
        request_started.connect(_fresh_request_globals, app)
        yield app
        with app.app_context():
            db.engine.dispose()
    finally:
        drop()


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Run the test in a transaction that is rolled back afterwards; yields its connection."""
    if any(name in request.fixturenames for name in OWN_DATABASE_FIXTURES):
        yield None  # the browser and race tests use databases of their own
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint"))
        try:
            yield connection
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app):
    """Factory functions for organizations, users and listings (see tests/factories.py)."""
    return Factory()


@pytest.fixture
def login_as(client):
    def login(user):
        sign_in_session(client, user)
        return client
    return login


@pytest.fixture
def process_env(tmp_path):
    """Environment for running the app in a subprocess on its own SQLite file and index."""
    return dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'process.db'}",
                SECRET_KEY="test", SEARCH_INDEX_DIR=str(tmp_path / "index"),
                SEARCH_BACKGROUND_DRAIN="0")


@pytest.fixture
def each_example(_transaction):
    """For property tests: ``with each_example():`` around one Hypothesis example rolls
    back what it wrote (the per-test transaction spans every example of the test).

    Objects made before the examples stay usable: they are expired, not detached."""
    connection = _transaction

    @contextmanager
    def example():
        db.session.commit()  # ends the session's savepoint; the next use opens one inside
        savepoint = connection.begin_nested()
        try:
            yield
        finally:
            db.session.rollback()
            if savepoint.is_active:
                savepoint.rollback()
            db.session.expire_all()
    return example


@pytest.fixture
def empty_database(tmp_path):
    """The URL of a new, empty database (no migration run): SQLite in tmp_path, or a
    throwaway database on the PostgreSQL server of the run."""
    url, drop = own_database(tmp_path / "own.db")
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def own_app(tmp_path):
    """An app on a migrated database of its own (reference data loaded), outside the
    per-test transaction: commits are real and other connections see them. For tests of
    concurrent units of work; push ``own_app.app_context()`` (one per thread) to use it."""
    url, drop = own_database(tmp_path / "own.db")
    try:
        app = _migrated_app(url, str(tmp_path), UPLOAD_DIR=str(tmp_path / "uploads"))
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()
    finally:
        drop()


@pytest.fixture
def app_with(tmp_path):
    """``app_with(**settings)``: an app with those settings on a database of its own
    (migrated, reference data loaded), outside the per-test transaction: an SQLite file,
    or in the PostgreSQL run a throwaway database on its server, dropped afterwards."""
    built = []  # (app, drop)

    def build(**settings):
        url, drop = own_database(tmp_path / f"app{len(built)}.db")
        try:
            app = _migrated_app(url, str(tmp_path), **settings)
        except Exception:
            drop()
            raise
        built.append((app, drop))
        return app
    yield build
    for app, drop in built:
        with app.app_context():
            db.engine.dispose()
        drop()


# --- search: a fresh index per test (the database rolls back, and with it the postgres
# backend's tables; a Whoosh index must start empty)
@pytest.fixture
def index(app, tmp_path, monkeypatch):
    fresh = create_backend({**app.config, "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    monkeypatch.setitem(app.extensions, "search_index", fresh)
    return fresh


@pytest.fixture
def engine(index):
    return MatchEngine(index)


@pytest.fixture
def sync(index):
    """Drain until nothing is pending, as `flask search sync` would."""
    def run():
        result = sync_step()
        while sync_step().refreshed:
            pass
        db.session.expire_all()
        return result
    return run
