"""Organizations and their users."""
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import state_is, utcnow
from marketplace.extensions import db

ORG_KINDS = {"department": "政府部门", "enterprise": "企业", "institute": "科研院所/服务机构"}
ORG_STATUSES = {"pending": "待审核", "verified": "已认证", "rejected": "未通过"}
ORG_TRANSITIONS = {"pending": {"verified", "rejected"}, "rejected": {"pending"}, "verified": set()}
ORG_ROLES = {"admin": "单位管理员", "member": "单位成员"}


def new_session_token() -> str:
    return secrets.token_hex(16)


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(40), default="")
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    uscc: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="pending", index=True)
    reject_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]

    region = relationship("Region")
    users = relationship("User", back_populates="organization", order_by="User.id")

    audit_type = "organization"
    audit_fields = ("name", "short_name", "kind", "region_code", "uscc", "status",
                    "reject_reason")

    is_verified = state_is("verified")
    is_pending = state_is("pending")
    is_rejected = state_is("rejected")

    @property
    def kind_label(self) -> str:
        return ORG_KINDS[self.kind]

    @property
    def status_label(self) -> str:
        return ORG_STATUSES[self.status]

    @property
    def display_name(self) -> str:
        return self.name

    def __str__(self):
        return self.name


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id"), index=True)
    org_role: Mapped[str] = mapped_column(sa.String(20), default="member")
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    # A region administrator (区域管理员): no organization, confined to this city's or
    # district's subtree (authz.region_scope).
    admin_region_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("regions.code"), index=True)
    # An auditor (审计员): no organization, reads the audit log and changes nothing.
    is_auditor: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The second factor (accounts/second_factor.py): the TOTP secret, encrypted (otp.py);
    # in force once confirmed by a first code (totp_enabled_at); the time step of the last
    # code accepted, so that no code is accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_counter: Mapped[int | None]

    organization = relationship("Organization", back_populates="users")
    admin_region = relationship("Region")

    audit_type = "user"

    @property
    def is_region_admin(self) -> bool:
        return not self.is_platform_admin and self.admin_region_code is not None

    @property
    def second_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # The session carries the token too, so rotating it ends every session of this user.
        return f"{self.id}:{self.session_token}"

    @property
    def audit_label(self) -> str:
        org = f"（{self.organization.name}）" if self.organization else ""
        return f"{self.name} <{self.email}>{org}"[:200]

    @property
    def role_label(self) -> str:
        if self.is_platform_admin:
            return "平台管理员"
        if self.admin_region_code is not None:
            return f"{self.admin_region.name}管理员"
        if self.is_auditor:
            return "审计员"
        return ORG_ROLES.get(self.org_role, "")

    def __str__(self):
        return self.name


class RecoveryCode(db.Model):
    """A one-time recovery code of a user's second factor, stored as its SHA-256 (the
    codes are random, 80 bits: no slow hash needed); shown once, when made."""
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
