"""Reads of organizations and users for pages."""
import sqlalchemy as sa

from marketplace.accounts.models import Organization, User
from marketplace.db import utcnow
from marketplace.extensions import db


def organizations(status: str | None = None, kind: str | None = None):
    query = sa.select(Organization).order_by(Organization.created_at.desc())
    if status:
        query = query.where(Organization.status == status)
    if kind:
        query = query.where(Organization.kind == kind)
    return db.session.scalars(query).all()


def locked_users():
    return db.session.scalars(sa.select(User).where(User.locked_until > utcnow())
                              .order_by(User.locked_until.desc())).all()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
