"""Erasing a person from their account (个人信息保护法 art. 47): the row stays, because
audit records, questions and registrations point at it, but nothing in it names or reaches
the person any more and it can never sign in again."""
import secrets

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from marketplace import audit
from marketplace.accounts.models import RecoveryCode, User, new_session_token
from marketplace.extensions import db

ERASED_NAME = "已注销用户"


def erased_email(user: User) -> str:
    """Unique (the column is) and undeliverable: ``.invalid`` is reserved (RFC 2606)."""
    return f"erased-{user.id}@erased.invalid"


def anonymise(user: User) -> None:
    """Blank the account's personal data, make it unusable and end its sessions; audited
    as ``account.erase`` (with only masked values, like every record). Flushes."""
    audit.record(user, "account.erase", user,
                 before=audit.snapshot(user, ("name", "email", "phone")),
                 summary="用户注销账户，个人信息已删除")
    user.name = ERASED_NAME
    user.email = erased_email(user)
    user.phone = ""
    user.password_hash = generate_password_hash(secrets.token_urlsafe(32))
    user.session_token = new_session_token()
    user.active = False
    user.totp_secret = user.totp_enabled_at = user.totp_last_counter = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()


def is_last_platform_admin(user: User) -> bool:
    if not user.is_platform_admin:
        return False
    others = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.is_platform_admin.is_(True), User.active.is_(True), User.id != user.id))
    return others == 0
