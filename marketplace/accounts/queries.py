"""Reads of organizations and users for pages."""
import hmac

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import Organization, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.taxonomy.queries import region_path


def organization(org_id: int) -> Organization | None:
    """An organization with what its pages show: region path and accounts."""
    return db.session.scalar(sa.select(Organization).where(Organization.id == org_id)
                             .options(region_path(Organization.region),
                                      selectinload(Organization.users)))


def organizations(status: str | None = None, kind: str | None = None):
    query = (sa.select(Organization).order_by(Organization.created_at.desc())
             .options(region_path(Organization.region), selectinload(Organization.users)))
    if status:
        query = query.where(Organization.status == status)
    if kind:
        query = query.where(Organization.kind == kind)
    return db.session.scalars(query).all()


def awaiting_verification_query():
    """Organizations registered and waiting for an administrator to verify them."""
    return sa.select(Organization).where(Organization.status == "pending")


def locked_users():
    return db.session.scalars(sa.select(User).where(User.locked_until > utcnow())
                              .options(joinedload(User.organization),
                                       joinedload(User.admin_region))
                              .order_by(User.locked_until.desc())).all()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def region_admins() -> list[User]:
    """Every region administrator with the region their row shows, by region."""
    return db.session.scalars(
        sa.select(User).where(User.admin_region_code.is_not(None),
                              User.is_platform_admin.is_(False))
        .options(region_path(User.admin_region))
        .order_by(User.admin_region_code, User.id)).all()


def auditors() -> list[User]:
    return db.session.scalars(sa.select(User).where(User.is_auditor.is_(True))
                              .order_by(User.id)).all()


def user_for_session_id(session_id: str | None) -> User | None:
    """The active user a session id (``User.get_id()``: id and session token) names, while
    the token is current; for the half-signed-in state between password and code."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isascii() or not user_id.isdigit() or len(user_id) > 9 or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    return user
