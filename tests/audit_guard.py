"""Stepping around the database's audit guard (the triggers of migration 3f9a1c7e5b20),
as someone with the rights to alter the table could: for the tests of what the hash
chain notices when a record is changed or removed anyway, and for arranging old records.
Inside the per-test transaction, so the triggers are back when it rolls back at the
latest."""
from contextlib import contextmanager

from marketplace.extensions import db


def disable_audit_guard() -> list[str]:
    """Drop (SQLite) or disable (PostgreSQL) the guard; returns what restores it."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_guard_rows")
        return ["ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_guard_rows"]
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        "AND tbl_name = 'audit_logs' ORDER BY name").all()
    assert len(triggers) == 2, triggers
    for name, _sql in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    return [sql for _name, sql in triggers]


@contextmanager
def audit_guard_lifted():
    restore = disable_audit_guard()
    try:
        yield
    finally:
        db.session.flush()
        for statement in restore:
            db.session.connection().exec_driver_sql(statement)
