"""Audit trail: every state change writes one row in the same transaction."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import utcnow
from marketplace.text import mask_email, mask_name, mask_personal_text, mask_phone
from marketplace.extensions import db


class AuditLog(db.Model):
    __tablename__ = "audit_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(200), default="")
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40), default="")
    object_id: Mapped[int | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    ip_address: Mapped[str] = mapped_column(sa.String(64), default="")
    # The hash chain (auditchain.py): set once, after commit, by the sealing pass.
    chain_position: Mapped[int | None] = mapped_column(unique=True)
    chain_prev: Mapped[str | None] = mapped_column(sa.String(64))
    chain_hash: Mapped[str | None] = mapped_column(sa.String(64))

    actor = db.relationship("User", foreign_keys=[actor_id])


def jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj, fields) -> dict:
    """The audited view of ``obj``: the named attributes as JSON-safe values."""
    return {name: jsonable(getattr(obj, name)) for name in fields}


def record_export(actor, action: str, obj=None, *, rows: int, summary: str = "") -> AuditLog:
    """An export of personal or unpublished data left the platform: who, what, how many
    rows (等保 2.0 and the personal information law ask for it). An anonymous visitor's
    download is recorded as 访客's, with the address it came from."""
    entry = record(actor, action, obj, after={"rows": rows}, summary=summary)
    if has_request_context() and not getattr(actor, "is_authenticated", False):
        entry.actor_label = "访客"
    return entry


_PERSON_NAME_KEYS = {"contact_name", "user_name"}


def _mask_value(key: str, value, object_type: str):
    if not isinstance(value, str):
        return value
    if "phone" in key:
        return mask_phone(value)
    if "email" in key:
        return mask_email(value)
    if key in _PERSON_NAME_KEYS or (key == "name" and object_type == "user"):
        return mask_name(value)
    return value


def _masked(values: dict | None, object_type: str = "") -> dict | None:
    """Personal data kept in the audit log only masked (138****5678, z***@…, 王**): the
    log is read by administrators, kept for years and cannot be edited, so a person who
    later has their data deleted must not remain in it in full (个人信息保护法)."""
    if not isinstance(values, dict):
        return values
    return {key: _mask_value(key, value, object_type) for key, value in values.items()}


def record(actor, action: str, obj=None, *, before=None, after=None, summary: str = "",
           object_type: str | None = None) -> AuditLog:
    """Add an audit row to the current transaction (the caller commits). Phone numbers,
    e-mail addresses and people's names in ``before`` / ``after``, and e-mail addresses
    and phone numbers in the summary and the actor's label, are stored masked."""
    object_type = object_type or (getattr(obj, "audit_type", "") if obj is not None else "")
    entry = AuditLog(
        actor_id=getattr(actor, "id", None),
        actor_label=mask_personal_text(getattr(actor, "audit_label", "") or "系统")[:200],
        action=action,
        object_type=object_type,
        object_id=getattr(obj, "id", None),
        summary=mask_personal_text(summary)[:300],
        before=_masked(before, object_type),
        after=_masked(after, object_type),
        ip_address=(request.remote_addr or "")[:64] if has_request_context() else "",
    )
    db.session.add(entry)
    return entry
