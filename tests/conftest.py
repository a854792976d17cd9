"""Fixtures: one migrated database per run, a rolled-back transaction per test.

The database is SQLite in a temporary file unless TEST_DATABASE_URL names another
(PostgreSQL in CI: see .ci/run). Reference data (regions, taxonomy, departments) is
loaded once; each test runs inside an outer transaction that is rolled back, and the
app's commits become savepoints.
"""
import os
import tempfile

import pytest
import sqlalchemy as sa
from flask import g, request_started
from sqlalchemy.orm import scoped_session, sessionmaker

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db, upgrade_database
from tests.factories import Factory


def _database_url(tmp_dir: str) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir}/test.db"


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


@pytest.fixture(scope="session")
def app():
    tmp_dir = tempfile.mkdtemp(prefix="marketplace-test-")
    url = _database_url(tmp_dir)
    _reset(url)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                     DEMO_LOGINS_FILE=os.path.join(tmp_dir, "demo-logins.txt"),
                     SEARCH_INDEX_DIR=os.path.join(tmp_dir, "search-index"))
    request_started.connect(_fresh_request_globals, app)
    with app.app_context():
        upgrade_database(app)
        from marketplace.seeding.reference import load_reference
        load_reference()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Run the test in a transaction that is rolled back afterwards."""
    if "live_server" in request.fixturenames:
        yield  # the browser tests use their own database file
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint"))
        try:
            yield
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
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client
    return login


@pytest.fixture
def process_env(tmp_path):
    """Environment for running the app in a subprocess on its own SQLite file and index."""
    return dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'process.db'}",
                SECRET_KEY="test", SEARCH_INDEX_DIR=str(tmp_path / "index"),
                SEARCH_BACKGROUND_DRAIN="0")
