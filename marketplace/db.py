"""Metadata naming convention, time helpers and engine tuning shared by all models."""
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Naive UTC timestamp; every stored time is UTC (shown in Asia/Shanghai)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    # pysqlite's own transaction handling breaks SAVEPOINT and ignores foreign keys;
    # take over BEGIN ourselves (SQLAlchemy's documented recipe) and enforce FKs.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    # IMMEDIATE takes the write lock up front, so two threads (waitress workers, the index
    # drain) wait for each other instead of failing with "database is locked".
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


BEIJING = timezone(timedelta(hours=8))


def beijing_today() -> date:
    """Today's date in China, whatever the server's time zone (deadlines are China dates)."""
    return datetime.now(BEIJING).date()
