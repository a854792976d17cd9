"""Throwaway databases, made and dropped in one place.

Used by the PostgreSQL test run (tests/postgres.py), the fixtures that give a test a
database of its own (tests/conftest.py) and the load benchmark (benchmarks/load.py).
A database made here is empty: migrating it is the caller's business.
"""
import os
import secrets
import sqlite3
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"

Drop = Callable[[], None]


def server_url() -> sa.URL:
    """The PostgreSQL server named by TEST_POSTGRES_URL (default: the local one, trust auth)."""
    return sa.make_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER))


def create_postgres(server: sa.URL | str, prefix: str,
                    template: str | None = None) -> tuple[str, Drop]:
    """Create ``<prefix>_<random>`` on ``server``'s server, empty or a copy of the database
    named ``template`` (which nobody may be connected to); returns (its URL, drop).

    ``drop()`` removes it, ending whatever connections are still open to it. Raises what
    the driver raises when the server cannot be reached or refuses."""
    server = sa.make_url(server)
    name = f"{prefix}_{secrets.token_hex(4)}"
    copied = f' TEMPLATE "{template}"' if template else ""
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copied}')
    except Exception:
        admin.dispose()
        raise

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False), drop


def own_database(sqlite_file: Path) -> tuple[str, Drop]:
    """(URL, drop) of a new empty database for one test: on the PostgreSQL server of the
    run when TEST_DATABASE_URL names one (named after the run's database), else the
    SQLite file ``sqlite_file`` (left to the test's temporary directory)."""
    shared = os.environ.get("TEST_DATABASE_URL", "")
    if not shared.startswith("postgresql"):
        return f"sqlite:///{sqlite_file}", lambda: None
    server = sa.make_url(shared)
    return create_postgres(server, f"{server.database}_own")


def copy_database(template: str, sqlite_file: Path) -> tuple[str, Drop]:
    """(URL, drop) of a new database for one test holding what the database at URL
    ``template`` holds: on PostgreSQL made from it as a template on its server (nobody may
    be connected to it), else the SQLite file ``sqlite_file`` written by SQLite's backup,
    in the template's journal mode (WAL: a backup keeps the target's own, and simultaneous
    first connections switching a copy to WAL would lock each other out)."""
    url = sa.make_url(template)
    if url.get_backend_name() == "postgresql":
        return create_postgres(url, url.database.rsplit("_", 1)[0], template=url.database)
    source, target = sqlite3.connect(url.database), sqlite3.connect(sqlite_file)
    try:
        source.backup(target)
        mode = source.execute("PRAGMA journal_mode").fetchone()[0]
        target.execute(f"PRAGMA journal_mode={mode}")
    finally:
        source.close()
        target.close()
    return f"sqlite:///{sqlite_file}", lambda: None
