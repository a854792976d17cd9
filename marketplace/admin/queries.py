"""Reads for the admin pages (the admin feature never writes except through services)."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.admin.labels import ACCOUNT_ACTION_PREFIXES
from marketplace.audit import AuditLog
from marketplace.extensions import db

AUDIT_PAGE_SIZE = 50


def _is_account_action():
    """SQL for labels.is_account_action (startswith escapes LIKE's _ and %)."""
    return sa.or_(*(AuditLog.action.startswith(prefix, autoescape=True)
                    for prefix in ACCOUNT_ACTION_PREFIXES))


def audit_page(page: int, action: str = "", object_type: str = "",
               category: str = "business"):
    """One page of the log, newest first: ``category`` business (业务操作), account
    (登录与账户) or all; ``action`` a code or a code prefix such as ``opportunity.``."""
    query = sa.select(AuditLog).options(joinedload(AuditLog.actor)).order_by(
        AuditLog.created_at.desc(), AuditLog.id.desc())
    if category == "business":
        query = query.where(sa.not_(_is_account_action()))
    elif category == "account":
        query = query.where(_is_account_action())
    if action:
        query = query.where(AuditLog.action.startswith(action, autoescape=True))
    if object_type:
        query = query.where(AuditLog.object_type == object_type)
    return db.paginate(query, page=page, per_page=AUDIT_PAGE_SIZE, error_out=False)


def audit_object_types() -> list[str]:
    return [t for t in db.session.scalars(
        sa.select(AuditLog.object_type).distinct().order_by(AuditLog.object_type)) if t]
