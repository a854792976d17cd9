"""Signing in and out: the password check with its atomic lockout (shared with the
second factor's codes), logout everywhere, and the user's own password change."""
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash

from marketplace import audit
from marketplace.accounts import passwords, services
from marketplace.accounts.models import User, new_session_token
from marketplace.db import utcnow
from marketplace.errors import ValidationError
from marketplace.extensions import db

LOGIN_FAILED = "邮箱或密码不正确。"
LOGIN_LOCKED = "登录失败次数过多，账号已暂时锁定，请 {minutes} 分钟后再试或联系平台管理员。"


@dataclass
class LoginResult:
    user: User | None
    message: str = ""
    needs_code: bool = False  # the password was right; the second factor comes next


def authenticate(email: str, password: str) -> LoginResult:
    """Check credentials; lock the account after LOGIN_MAX_FAILURES failures in a row.

    Each password check first takes one of the account's attempts in a single UPDATE
    (``take_attempt``), so simultaneous guesses cannot check more passwords than the limit
    allows. Unknown users, disabled ones and wrong passwords get the same message after
    the same work (one hash check). Writes audit rows either way; the caller commits in
    every case so that failures are counted. For a user with a second factor the right
    password only hands on to ``second_factor.verify_sign_in`` (``needs_code``): the
    attempt is given back, the earlier failures stay counted until the code is right.
    """
    try:
        email = services.normalise_email(email)
    except ValidationError:
        email = (email or "").strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    now = utcnow()
    if user is None or not user.active:
        check_password_hash(_timing_hash(), password or "")
        audit.record(None, "auth.login_failed", summary=f"未知或停用账号 {email[:100]}")
        return LoginResult(None, LOGIN_FAILED)
    attempt = take_attempt(user, now)
    if attempt is None:
        return refused_locked(user)
    if not check_password_hash(user.password_hash, password or ""):
        return count_failure(user, attempt, now)
    if user.totp_enabled_at is not None:
        db.session.execute(sa.update(User).where(User.id == user.id, User.failed_logins > 0)
                           .values(failed_logins=User.failed_logins - 1))
        db.session.refresh(user)
        audit.record(user, "auth.password_accepted", user, summary="等待二次验证")
        return LoginResult(user, needs_code=True)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    db.session.flush()
    audit.record(user, "auth.login", user, summary=user.email)
    return LoginResult(user)


_TIMING_HASHES: dict[str, str] = {}


def _timing_hash() -> str:
    """A hash to check a password against when there is no account, made once per hash
    method: checking costs what a real account's check costs, making it would not."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _TIMING_HASHES:
        _TIMING_HASHES[method] = passwords.hash_password(secrets.token_hex(16))
    return _TIMING_HASHES[method]


def refused_locked(user: User) -> LoginResult:
    audit.record(user, "auth.login_refused_locked", user, summary=user.email)
    return LoginResult(None, LOGIN_LOCKED.format(minutes=current_app.config["LOGIN_LOCK_MINUTES"]))


def take_attempt(user: User, now) -> int | None:
    """Count this attempt before the password is checked, in one UPDATE that only succeeds
    while the account is unlocked and below the limit; returns the attempt's number, or
    None (locked). The row stays locked until commit, so attempts on one account queue."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    return db.session.execute(
        sa.update(User).where(User.id == user.id, User.failed_logins < limit,
                              sa.or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=User.failed_logins + 1, locked_until=None)
        .returning(User.failed_logins)
    ).scalar_one_or_none()


def count_failure(user: User, attempt: int, now, action: str = "auth.login_failed",
                  message: str = LOGIN_FAILED) -> LoginResult:
    """The attempt failed (a password, or a second-factor code: ``action``, ``message``):
    it stays counted; the last one allowed locks the account (and starts its count again
    for after the lock)."""
    cfg = current_app.config
    if attempt >= cfg["LOGIN_MAX_FAILURES"]:
        db.session.execute(sa.update(User).where(User.id == user.id).values(
            locked_until=now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"]), failed_logins=0))
        db.session.refresh(user)
        audit.record(user, "auth.locked", user, summary=f"连续 {attempt} 次登录失败")
        return LoginResult(None, LOGIN_LOCKED.format(minutes=cfg["LOGIN_LOCK_MINUTES"]))
    db.session.refresh(user)
    audit.record(user, action, user, summary=f"第 {attempt} 次失败")
    return LoginResult(None, message)


def logout(user: User) -> None:
    """End every session of ``user`` by rotating the token the sessions carry."""
    user.session_token = new_session_token()
    db.session.flush()
    audit.record(user, "auth.logout", user, summary=user.email)


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password and end the user's other sessions (the token rotates; the caller
    logs the current session in again). Raises ValidationError."""
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationError("当前密码不正确。", field="current_password")
    passwords.check_strength(new, field="new_password")
    if check_password_hash(user.password_hash, new):
        raise ValidationError("新密码不能与当前密码相同。", field="new_password")
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()
    db.session.flush()
    audit.record(user, "auth.password_changed", user, summary=user.email)
