"""Reads for the admin pages (the admin feature never writes except through services)."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.audit import AuditLog
from marketplace.extensions import db

AUDIT_PAGE_SIZE = 50


def audit_page(page: int, action: str = "", object_type: str = ""):
    query = sa.select(AuditLog).options(joinedload(AuditLog.actor)).order_by(
        AuditLog.created_at.desc(), AuditLog.id.desc())
    if action:
        query = query.where(AuditLog.action.startswith(action))
    if object_type:
        query = query.where(AuditLog.object_type == object_type)
    return db.paginate(query, page=page, per_page=AUDIT_PAGE_SIZE, error_out=False)


def audit_object_types() -> list[str]:
    return [t for t in db.session.scalars(
        sa.select(AuditLog.object_type).distinct().order_by(AuditLog.object_type)) if t]
