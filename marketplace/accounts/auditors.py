"""Auditor accounts (审计员): opened and disabled by platform administrators. An auditor
belongs to no organization, reads the audit log and the account pages, changes nothing
(authz.AUDITOR). Kept apart from services.py, which is at its size; it shares its
account helpers."""
from marketplace import audit
from marketplace.accounts import services
from marketplace.accounts.models import User
from marketplace.authz import Permission, require
from marketplace.errors import Collector, ValidationError
from marketplace.extensions import db


def create_auditor(actor, data: dict) -> User:
    """Open an auditor's account (``user_name``, ``email``, ``password``, ``phone``).
    Platform admins only; audited as ``account.auditor_create``. Raises PermissionDenied
    or ValidationError listing every bad field; nothing is added then."""
    require(actor, Permission.AUDITOR_MANAGE)
    checks = Collector()
    services._check_user(checks, data)  # noqa: SLF001 — the accounts feature's own rules
    user = services._new_user(checks.result(), data, is_auditor=True)  # noqa: SLF001
    db.session.flush()
    audit.record(actor, "account.auditor_create", user,
                 after={"email": user.email, "is_auditor": True}, summary=user.email)
    return user


def set_auditor_active(actor, user: User, active: bool) -> None:
    """Enable or disable an auditor; disabling ends their sessions. Audited as
    ``account.auditor_enable|disable``. Raises PermissionDenied, or ValidationError for
    a user who is not an auditor."""
    require(actor, Permission.AUDITOR_MANAGE)
    if not user.is_auditor:
        raise ValidationError("该账号不是审计员。")
    services._set_active(actor, user, active, "account.auditor_")  # noqa: SLF001
