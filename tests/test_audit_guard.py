"""The database itself refuses to change or delete audit records (triggers on SQLite and
PostgreSQL), whoever asks: no route or service does, and SQL sent past them fails too.
Only sealing (the chain columns, once, from empty) and deleting records past the legal
retention of 180 days (`flask audit purge`) get through."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import audit, auditchain
from marketplace.audit import AuditLog
from marketplace.db import utcnow
from marketplace.extensions import db


def write(summary: str = "原始摘要", age_days: int = 0) -> AuditLog:
    entry = audit.record(None, "test.event", summary=summary, after={"n": 1})
    entry.created_at = utcnow() - timedelta(days=age_days)  # set before the INSERT
    db.session.flush()
    return entry


def assert_refused(statement, match: str = "audit records"):
    with pytest.raises(sa.exc.IntegrityError, match=match):
        with db.session.begin_nested():
            db.session.execute(statement)


def by_id(ident):
    return AuditLog.id == ident


@pytest.mark.parametrize("values", [
    {"summary": "改过的摘要"}, {"action": "x"}, {"actor_label": "别人"},
    {"created_at": utcnow() - timedelta(days=400)}, {"after": {"n": 2}},
    {"before": {"n": 0}}, {"ip_address": "10.0.0.1"}, {"object_id": 7},
])
def test_an_update_of_any_content_is_refused(ctx, values):
    entry = write()
    assert_refused(sa.update(AuditLog).where(by_id(entry.id)).values(**values))
    db.session.expire_all()
    assert db.session.get(AuditLog, entry.id).summary == "原始摘要"


def test_a_change_through_the_orm_is_refused_too(ctx):
    entry = write()
    with pytest.raises(sa.exc.IntegrityError, match="cannot be changed"):
        with db.session.begin_nested():
            entry.summary = "改过"
            db.session.flush()


def test_sealing_is_allowed_once_and_never_rewritten(ctx):
    entry = write()
    auditchain.seal()
    db.session.expire_all()
    sealed = db.session.get(AuditLog, entry.id)
    assert sealed.chain_hash is not None and auditchain.verify().intact
    for values in ({"chain_hash": "0" * 64}, {"chain_prev": "1" * 64},
                   {"chain_position": sealed.chain_position + 10_000},
                   {"chain_position": None, "chain_prev": None, "chain_hash": None}):
        assert_refused(sa.update(AuditLog).where(by_id(entry.id)).values(**values))


def test_sealing_cannot_carry_a_change_of_content(ctx):
    entry = write()
    assert_refused(sa.update(AuditLog).where(by_id(entry.id)).values(
        chain_position=10_000_000, chain_prev="0" * 64, chain_hash="1" * 64, summary="改过"))


@pytest.mark.parametrize("age_days", [0, 1, 179])
def test_deleting_a_record_younger_than_the_retention_is_refused(ctx, age_days):
    entry = write(age_days=age_days)
    assert_refused(sa.delete(AuditLog).where(by_id(entry.id)), "younger than 180 days")
    assert_refused(sa.delete(AuditLog), "younger than 180 days")  # nor all at once
    assert db.session.get(AuditLog, entry.id) is not None


def test_a_record_past_the_retention_may_be_deleted(ctx):
    entry = write(age_days=181)
    db.session.execute(sa.delete(AuditLog).where(by_id(entry.id)))
    db.session.expire_all()
    assert db.session.get(AuditLog, entry.id) is None


def test_emptying_the_table_at_once_is_refused(ctx):
    """TRUNCATE on PostgreSQL; SQLite has none, and its way of emptying a table at once is
    a DELETE without WHERE (its truncate optimisation skips triggers only where none
    exist)."""
    write()
    if db.session.connection().dialect.name == "postgresql":
        assert_refused(sa.text("TRUNCATE audit_logs CASCADE"), "cannot be truncated")
    else:
        assert_refused(sa.text("DELETE FROM audit_logs"), "younger than 180 days")
