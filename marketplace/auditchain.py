"""The audit log as a hash chain, so that a changed or removed record shows.

Records are written in the transaction of the change they record (audit.py). Sealing
comes after commit, in one pass at a time (the sync step, or `flask audit seal`): each
unsealed record, in id order, gets the next ``chain_position``, the previous record's hash
as ``chain_prev`` and ``chain_hash`` = SHA-256(chain_prev + the record's canonical
content). Sealing after commit keeps concurrent requests from waiting on one another for
the chain; a record is unsealed only for the seconds until the next pass.

``verify`` walks the chain and names the first record whose content, hash or link no
longer matches. ``purge`` deletes sealed records older than the retention period (never
younger than AUDIT_RETENTION_DAYS, at least 180 days); the chain then starts at the
oldest kept record, whose ``chain_prev`` still names the record it followed.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from marketplace.audit import AuditLog, jsonable
from marketplace.db import serialize
from marketplace.extensions import db

GENESIS = "0" * 64
MIN_RETENTION_DAYS = 180
CONTENT = ("id", "created_at", "actor_id", "actor_label", "action", "object_type",
           "object_id", "summary", "before", "after", "ip_address")


def canonical(entry: AuditLog) -> bytes:
    """The record's content as bytes that do not depend on the database or dict order."""
    content = {name: jsonable(getattr(entry, name)) for name in CONTENT}
    return json.dumps(content, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"), default=str).encode("utf-8")


def link_hash(prev: str, entry: AuditLog) -> str:
    return hashlib.sha256(prev.encode("ascii") + canonical(entry)).hexdigest()


def _last_sealed() -> AuditLog | None:
    return db.session.scalar(sa.select(AuditLog).where(AuditLog.chain_position.is_not(None))
                             .order_by(AuditLog.chain_position.desc()).limit(1))


def seal(limit: int = 2000) -> int:
    """Seal up to ``limit`` committed, unsealed records in id order. Returns how many. The
    caller commits; one sealing pass runs at a time (a PostgreSQL advisory lock)."""
    serialize(db.session, "audit-chain")
    last = _last_sealed()
    position, prev = (last.chain_position, last.chain_hash) if last else (0, GENESIS)
    pending = db.session.scalars(sa.select(AuditLog).where(AuditLog.chain_position.is_(None))
                                 .order_by(AuditLog.id).limit(limit)).all()
    for entry in pending:
        position += 1
        entry.chain_position, entry.chain_prev = position, prev
        entry.chain_hash = prev = link_hash(prev, entry)
    db.session.flush()
    return len(pending)


@dataclass
class Verdict:
    checked: int
    unsealed: int
    first_broken: AuditLog | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken is None


def verify(batch: int = 5000) -> Verdict:
    """Walk the sealed records in chain order; stop at the first whose hash does not match
    its content, whose link does not match the record before, or that follows a gap."""
    checked, expected_prev, expected_position = 0, None, None
    query = sa.select(AuditLog).where(AuditLog.chain_position.is_not(None))
    last_position = 0
    while True:
        rows = db.session.scalars(query.where(AuditLog.chain_position > last_position)
                                  .order_by(AuditLog.chain_position).limit(batch)).all()
        if not rows:
            break
        for entry in rows:
            problem = _problem(entry, expected_prev, expected_position)
            if problem:
                return Verdict(checked, _unsealed(), entry, problem)
            checked += 1
            expected_prev, expected_position = entry.chain_hash, entry.chain_position + 1
        last_position = rows[-1].chain_position
        db.session.expunge_all()
    return Verdict(checked, _unsealed())


def _problem(entry: AuditLog, expected_prev: str | None, expected_position: int | None) -> str:
    if expected_position is not None and entry.chain_position != expected_position:
        return f"第 {expected_position} 条记录缺失"
    if expected_prev is not None and entry.chain_prev != expected_prev:
        return "与前一条记录的链接不符"
    if entry.chain_hash != link_hash(entry.chain_prev or "", entry):
        return "记录内容与其哈希值不符（已被修改）"
    return ""


def _unsealed() -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditLog.id))
                             .where(AuditLog.chain_position.is_(None)))


def purge(older_than_days: int, now: datetime) -> int:
    """Delete the start of the chain up to the first record younger than
    ``older_than_days`` (so the chain keeps no gap); refuses (ValueError) a period shorter
    than the retention the law asks for. Returns how many. The caller commits."""
    if older_than_days < MIN_RETENTION_DAYS:
        raise ValueError(f"审计记录至少保留 {MIN_RETENTION_DAYS} 天。")
    cutoff = now - timedelta(days=older_than_days)
    first_kept = db.session.scalar(sa.select(sa.func.min(AuditLog.chain_position)).where(
        AuditLog.chain_position.is_not(None), AuditLog.created_at >= cutoff))
    prefix = AuditLog.chain_position.is_not(None)
    if first_kept is not None:
        prefix = AuditLog.chain_position < first_kept
    return db.session.execute(sa.delete(AuditLog).where(prefix)).rowcount
