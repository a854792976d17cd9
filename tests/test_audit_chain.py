"""The audit log's hash chain: sealed after commit, verified record by record, a changed
or missing record named; old records purged only past the retention period."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import audit, auditchain
from marketplace.audit import AuditLog
from marketplace.db import utcnow
from marketplace.extensions import db
from tests.audit_guard import audit_guard_lifted, disable_audit_guard


def write_records(count: int) -> list[int]:
    entries = [audit.record(None, "test.event", summary=f"第 {i} 条",
                            after={"n": i, "名称": "测试"}) for i in range(count)]
    db.session.flush()
    return [entry.id for entry in entries]


def sealed_chain(count: int) -> list[int]:
    ids = write_records(count)
    auditchain.seal()
    db.session.expire_all()
    return ids


def test_sealed_records_verify(ctx):
    ids = sealed_chain(5)
    verdict = auditchain.verify()
    assert verdict.intact and verdict.unsealed == 0
    assert verdict.checked == db.session.scalar(sa.select(sa.func.count(AuditLog.id)))
    positions = [db.session.get(AuditLog, i).chain_position for i in ids]
    assert positions == sorted(positions) and len(set(positions)) == 5


def test_a_changed_record_is_named(ctx):
    ids = sealed_chain(5)
    disable_audit_guard()  # the database refuses the change (test_audit_guard.py)
    db.session.execute(sa.update(AuditLog).where(AuditLog.id == ids[2])
                       .values(summary="被改过的摘要"))
    verdict = auditchain.verify()
    assert not verdict.intact and verdict.first_broken.id == ids[2]
    assert "已被修改" in verdict.problem


def test_a_removed_record_is_noticed_at_the_gap(ctx):
    ids = sealed_chain(5)
    disable_audit_guard()
    db.session.execute(sa.delete(AuditLog).where(AuditLog.id == ids[2]))
    verdict = auditchain.verify()
    assert not verdict.intact and verdict.first_broken.id == ids[3]
    assert "缺失" in verdict.problem


def test_a_rewritten_hash_breaks_the_next_link(ctx):
    ids = sealed_chain(4)
    disable_audit_guard()
    entry = db.session.get(AuditLog, ids[1])
    entry.summary = "改过"
    entry.chain_hash = auditchain.link_hash(entry.chain_prev, entry)  # hash made to match
    db.session.flush()
    verdict = auditchain.verify()
    assert verdict.first_broken.id == ids[2] and "链接不符" in verdict.problem


def test_records_are_sealed_by_the_sync_pass(ctx, sync):
    write_records(3)
    db.session.commit()
    assert auditchain.verify().unsealed >= 3
    result = sync()
    assert auditchain.verify().unsealed == 0 and auditchain.verify().intact
    assert result.sealed >= 3


def test_purge_removes_the_old_start_of_the_chain_only(ctx):
    ids = sealed_chain(6)
    with audit_guard_lifted():  # arranging the past: every record so far made old
        db.session.execute(sa.update(AuditLog).values(created_at=utcnow() - timedelta(days=400)))
        db.session.execute(sa.update(AuditLog).where(AuditLog.id.in_(ids[3:]))
                           .values(created_at=utcnow()))
        db.session.execute(sa.update(AuditLog).where(AuditLog.id == ids[4])  # old, but after
                           .values(created_at=utcnow() - timedelta(days=500)))  # a young one
        # (Moving created_at changes the records' content: seal them again as they now are.)
        db.session.execute(sa.update(AuditLog).values(chain_position=None, chain_prev=None,
                                                      chain_hash=None))
    auditchain.seal()  # with the guard back: sealing and purging are what it allows
    with pytest.raises(ValueError, match="至少保留 180 天"):
        auditchain.purge(179, utcnow())
    total = db.session.scalar(sa.select(sa.func.count(AuditLog.id)))
    assert auditchain.purge(365, utcnow()) == total - 3
    db.session.expire_all()
    assert sorted(db.session.scalars(sa.select(AuditLog.id))) == ids[3:]
    verdict = auditchain.verify()
    assert verdict.intact and verdict.checked == 3


def test_the_verify_command_names_the_first_broken_record(app, ctx):
    ids = sealed_chain(3)
    db.session.commit()
    runner = app.test_cli_runner()
    assert "审计链完好" in runner.invoke(args=["audit", "verify"]).output
    disable_audit_guard()
    db.session.execute(sa.update(AuditLog).where(AuditLog.id == ids[1]).values(action="x"))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"记录 #{ids[1]}" in result.output
