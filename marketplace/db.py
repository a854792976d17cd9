"""Metadata naming convention, time helpers and engine tuning shared by all models."""
import re
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from flask import has_request_context, request, request_started
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


# SQLite transactions. The embedded default serves pages from several waitress threads
# while the search drain writes from another, all on one database file:
#
# * File databases use WAL: readers never block the writer nor each other, and a read
#   transaction keeps the snapshot it started with.
# * A unit of work that may write takes the write lock at BEGIN (IMMEDIATE). A second
#   writer then waits (busy timeout) at its BEGIN, before it has read anything, so every
#   read-check-write is serialized, as row locks make it on PostgreSQL. A lock asked for
#   later, after reads, cannot wait: SQLite fails the upgrade at once ("database is
#   locked", SQLITE_BUSY or, once another writer has committed, SQLITE_BUSY_SNAPSHOT).
# * So the kind of a unit is decided before it starts: a GET, HEAD or OPTIONS request
#   that Flask dispatches only reads (views change data in POST handlers, through
#   viewhelpers.perform) and starts DEFERRED. Everything else starts IMMEDIATE: other
#   requests, CLI commands, the drain thread, scripts, and anything run outside a
#   dispatched request (a test_request_context included).
# * A write inside a read-only request would be exactly that failing upgrade, and only
#   under load. It is refused every time instead, where tests and development see it.
#
# SQLITE_DEFERRED_READS = False (config) starts every transaction IMMEDIATE again: one
# transaction at a time (benchmarks/sqlite_readers.py measures both). PostgreSQL keeps
# its own transactions; nothing below applies to it.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_READ_ONLY_KEY = "marketplace.read_only_request"  # in request.environ: one per request
_WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class WriteInReadOnlyRequest(RuntimeError):
    """A GET/HEAD/OPTIONS request tried to change an SQLite database."""


def writes_on_get(view):
    """Mark a GET view that writes (a download that is audited): its SQLite transaction
    begins IMMEDIATE, like a POST's."""
    view.writes_on_get = True
    return view


@request_started.connect
def _classify_request(app, **_extra):
    # Every Flask app in the process sends this; one without the setting keeps IMMEDIATE.
    view = app.view_functions.get(request.endpoint)
    request.environ[_READ_ONLY_KEY] = (request.method in READ_ONLY_METHODS
                                       and app.config.get("SQLITE_DEFERRED_READS", False)
                                       and not getattr(view, "writes_on_get", False))


def _in_read_only_request() -> bool:
    return has_request_context() and request.environ.get(_READ_ONLY_KEY, False)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    # pysqlite's own transaction handling breaks SAVEPOINT and ignores foreign keys;
    # take over BEGIN ourselves (SQLAlchemy's documented recipe) and enforce FKs.
    # WAL is stored in the file, so this changes it once; an in-memory database
    # answers "memory" and stays as it is.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN" if _in_read_only_request() else "BEGIN IMMEDIATE")


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes_in_read_only_requests(connection, _cursor, statement, *_rest):
    if (connection.dialect.name == "sqlite" and _WRITE_STATEMENT.match(statement)
            and _in_read_only_request()):
        raise WriteInReadOnlyRequest(
            f"{request.method} {request.path} writes to the database; a {request.method} "
            "request runs in a read-only SQLite transaction (see marketplace/db.py): "
            "make the change in a POST view")


def state_is(value: str, field: str = "status") -> property:
    """A read-only flag ``obj.<field> == value`` for pages (``is_published =
    state_is("published")``), so that templates never compare status strings."""
    return property(lambda obj: getattr(obj, field) == value,
                    doc=f"Whether {field} is {value!r}.")


def serialize(session, key: str) -> None:
    """Let one transaction at a time go past this point for ``key`` (e.g. numbering the
    releases of a year): a PostgreSQL advisory lock held until commit or rollback. SQLite
    needs none: its writers already run one at a time (BEGIN IMMEDIATE, above)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))


def lock_row(session, obj) -> None:
    """Lock ``obj``'s row for this transaction, then read it again: a request that waited
    for another's lock sees what that one committed. (The lock is taken on the bare row,
    since PostgreSQL refuses FOR UPDATE over the outer joins of eager relationships.)"""
    model = type(obj)
    key = sa.inspect(model).primary_key[0]
    session.execute(sa.select(key).where(key == getattr(obj, key.key)).with_for_update())
    session.refresh(obj)


BEIJING = timezone(timedelta(hours=8))


def to_beijing(moment: datetime) -> datetime:
    """A stored time (naive UTC, as every column keeps it) as an aware Beijing time."""
    return moment.replace(tzinfo=timezone.utc).astimezone(BEIJING)


def from_beijing(local: datetime) -> datetime:
    """A Beijing wall-clock time (as people type it) as the naive UTC the columns keep."""
    return local.replace(tzinfo=BEIJING).astimezone(timezone.utc).replace(tzinfo=None)


def beijing_text(moment: datetime | None) -> str:
    """"2026-12-15 09:00" in Beijing time, for sheets and files ("" for no time)."""
    return to_beijing(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


WEEKDAYS = "一二三四五六日"


def beijing_day(moment: datetime) -> str:
    """"12月15日（周二）": the Beijing date of a stored time, as schedules name a day."""
    local = to_beijing(moment)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）"


def beijing_today() -> date:
    """Today's date in China, whatever the server's time zone (deadlines are China dates)."""
    return datetime.now(BEIJING).date()
