"""Throwaway databases, made and dropped in one place.

Used by the PostgreSQL test run (tests/postgres.py), the fixtures that give a test a
database of its own (tests/conftest.py) and the load benchmark (benchmarks/load.py).
A database made here is empty: migrating it is the caller's business.
"""
import os
import secrets
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"

Drop = Callable[[], None]


def server_url() -> sa.URL:
    """The PostgreSQL server named by TEST_POSTGRES_URL (default: the local one, trust auth)."""
    return sa.make_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER))


def create_postgres(server: sa.URL | str, prefix: str) -> tuple[str, Drop]:
    """Create ``<prefix>_<random>`` on ``server``'s server; returns (its URL, drop).

    ``drop()`` removes it, ending whatever connections are still open to it. Raises what
    the driver raises when the server cannot be reached or refuses."""
    server = sa.make_url(server)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
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
