"""The second factor (TOTP, 二次验证): enrolment, the second step of signing in, renewing
the recovery codes, disabling, and an administrator's reset. Optional for everyone;
required of administrators and auditors when REQUIRE_ADMIN_TOTP is on (they are sent to
enrol right after the password).

Every change flushes and writes an audit record (never the secret nor a code); the caller
commits. A code is accepted once (the time step of the last one is kept and moved forward
in one conditional UPDATE); recovery codes are used once (one conditional UPDATE each).
Wrong codes count toward the same lockout as wrong passwords (signin.take_attempt).
"""
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from marketplace import audit
from marketplace.accounts import otp, signin
from marketplace.accounts.models import RecoveryCode, User, new_session_token
from marketplace.accounts.signin import LoginResult
from marketplace.authz import Permission, require
from marketplace.db import utcnow
from marketplace.errors import ValidationError
from marketplace.extensions import db

CODE_WRONG = "验证码不正确或已使用过，请输入验证器中当前显示的 6 位数字，或一个未用过的恢复码。"
CODE_MISSING = "请输入验证码。"
CODE_NOT_CURRENT = "请输入验证器中当前显示的 6 位数字；更换恢复码不能使用恢复码。"
CODE_WRONG_CURRENT = "验证码不正确或已使用过，请输入验证器中当前显示的 6 位数字。"


@dataclass
class Enrolment:
    """What the enrolment page shows: the secret (as text and as a QR code)."""
    secret: str
    uri: str
    qr_svg: str

    @property
    def grouped_secret(self) -> str:
        return otp.grouped(self.secret)


def is_required(user) -> bool:
    """Administrators (platform, region) and auditors, when REQUIRE_ADMIN_TOTP is on."""
    return bool(current_app.config["REQUIRE_ADMIN_TOTP"]) and (
        user.is_platform_admin or user.admin_region_code is not None or user.is_auditor)


def must_enrol(user) -> bool:
    return is_required(user) and not user.second_factor_enabled


def pending_enrolment(user: User) -> Enrolment | None:
    """The secret of an enrolment begun and not yet confirmed, for the page that shows
    it; None once confirmed (the secret is never shown again) or when none was begun."""
    if user.second_factor_enabled or not user.totp_secret:
        return None
    try:
        secret = otp.unseal(user.totp_secret)
    except otp.UnreadableSecret:
        return None
    uri = otp.provisioning_uri(secret, user.email)
    return Enrolment(secret, uri, otp.qr_svg(uri))


def begin(user: User) -> None:
    """Start (or start again) enrolling ``user``: a new secret, stored encrypted, not yet
    in force. Audited as ``auth.second_factor_begin``. Raises ValidationError when a
    second factor is already in force."""
    if user.second_factor_enabled:
        raise ValidationError("二次验证已启用；如需更换手机，请先停用再重新设置。")
    user.totp_secret, user.totp_last_counter = otp.seal(otp.new_secret()), None
    db.session.flush()
    audit.record(user, "auth.second_factor_begin", user, summary=user.email)


def confirm(user: User, code: str) -> list[str]:
    """Put the pending secret in force once ``code`` is one of its current codes; make
    RECOVERY_COUNT recovery codes (stored hashed) and return them, to be shown once.
    Audited as ``auth.second_factor_enabled``. Raises ValidationError (field ``code``)."""
    enrolment = pending_enrolment(user)
    if enrolment is None:
        raise ValidationError("请先点击“开始设置”，扫描二维码后再输入验证码。", field="code")
    step = otp.matching_step(enrolment.secret, otp.normalise(code), time.time(), None)
    if step is None:
        raise ValidationError(CODE_WRONG if code else CODE_MISSING, field="code")
    user.totp_enabled_at, user.totp_last_counter = utcnow(), step
    codes = _new_recovery_codes(user)
    db.session.flush()
    audit.record(user, "auth.second_factor_enabled", user, summary=user.email,
                 after={"recovery_codes": len(codes)})
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = otp.new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=otp.recovery_hash(code))
                       for code in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def verify_sign_in(user: User, code: str) -> LoginResult:
    """The second step of signing in (the password was right): accept a current code or
    an unused recovery code. Takes one of the account's attempts first, like a password;
    success clears the count and is audited as ``auth.login``, a wrong code as
    ``auth.second_factor_failed`` (or ``auth.locked`` at the limit). Never raises; the
    caller commits in every case, so that failures are counted."""
    now = utcnow()
    attempt = signin.take_attempt(user, now)
    if attempt is None:
        return signin.refused_locked(user)
    if not _accept(user, code, now):
        return signin.count_failure(user, attempt, now, "auth.second_factor_failed",
                                      CODE_WRONG)
    db.session.execute(sa.update(User).where(User.id == user.id).values(
        failed_logins=0, locked_until=None, last_login_at=now))
    db.session.refresh(user)
    audit.record(user, "auth.login", user, summary=f"{user.email}（二次验证）")
    return LoginResult(user)


def _accept(user: User, code: str, now) -> bool:
    """True once ``code`` is taken: a TOTP code of a later step than the last accepted,
    or an unused recovery code (marked used). Both in one conditional UPDATE, so two
    requests with one code cannot both succeed."""
    code = otp.normalise(code)
    if not user.second_factor_enabled or not code:
        return False
    if otp.is_totp_shape(code):
        try:
            secret = otp.unseal(user.totp_secret)
        except otp.UnreadableSecret:
            current_app.logger.error("second factor of user %s cannot be read", user.id)
            return False
        step = otp.matching_step(secret, code, time.time(), user.totp_last_counter)
        return step is not None and db.session.execute(
            sa.update(User).where(User.id == user.id, sa.or_(
                User.totp_last_counter.is_(None), User.totp_last_counter < step))
            .values(totp_last_counter=step)).rowcount == 1
    used = db.session.execute(
        sa.update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                      RecoveryCode.code_hash == otp.recovery_hash(code),
                                      RecoveryCode.used_at.is_(None))
        .values(used_at=now)).rowcount == 1
    if used:
        audit.record(user, "auth.recovery_code_used", user, summary=user.email,
                     after={"left": recovery_codes_left(user)})
    return used


def disable(user: User, code: str) -> str:
    """Turn ``user``'s second factor off, which needs a current code (or a recovery code);
    its secret and recovery codes are removed. A wrong code counts toward the lockout like
    one at sign-in. Audited as ``auth.second_factor_disabled`` (or as the failure).
    Returns "" when done, else the message for the code field; never raises, and the
    caller commits in every case."""
    if not user.second_factor_enabled:
        return "二次验证未启用。"
    if not otp.normalise(code):
        return CODE_MISSING
    result = verify_code(user, code)
    if result:
        return result
    _clear(user)
    audit.record(user, "auth.second_factor_disabled", user, summary=user.email)
    return ""


def renew_recovery_codes(user: User, code: str) -> tuple[str, list[str]]:
    """Replace ``user``'s recovery codes with RECOVERY_COUNT new ones, which needs a
    current code from the app (a recovery code is refused: renewing is for a working
    phone, and one leaked recovery code must not buy ten). The old codes are deleted in
    this transaction, so they stop working at once. A wrong code counts toward the lockout
    like one at sign-in. Audited as ``auth.recovery_codes_renewed`` (how many, never the
    codes) or as the failure. Returns ("", the new codes) when done, else (the message for
    the code field, []); never raises, and the caller commits in every case."""
    if not user.second_factor_enabled:
        return "二次验证未启用。", []
    code = otp.normalise(code)
    if not code:
        return CODE_MISSING, []
    if not otp.is_totp_shape(code):
        return CODE_NOT_CURRENT, []  # no guess was checked: nothing to count
    message = verify_code(user, code)
    if message:  # the sign-in wording offers recovery codes, refused here
        return (CODE_WRONG_CURRENT if message == CODE_WRONG else message), []
    codes = _new_recovery_codes(user)
    db.session.flush()
    audit.record(user, "auth.recovery_codes_renewed", user, summary=user.email,
                 after={"recovery_codes": len(codes)})
    return "", codes


def verify_code(user: User, code: str) -> str:
    """Check a code of a signed-in user (counted like a sign-in attempt); "" when right,
    else the message."""
    now = utcnow()
    attempt = signin.take_attempt(user, now)
    if attempt is None:
        return signin.refused_locked(user).message
    if not _accept(user, code, now):
        return signin.count_failure(user, attempt, now, "auth.second_factor_failed",
                                      CODE_WRONG).message
    db.session.execute(sa.update(User).where(User.id == user.id).values(failed_logins=0))
    db.session.refresh(user)
    return ""


def _clear(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_counter = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def reset(actor, user: User) -> None:
    """An administrator removes ``user``'s second factor (a lost phone): secret and
    recovery codes go, the user's sessions end; they enrol again at the next sign-in.
    Audited as ``auth.second_factor_reset``. Raises PermissionDenied, or ValidationError
    for the actor's own account (turned off with a code instead) or one without it."""
    require(actor, Permission.SECOND_FACTOR_RESET)
    if user.id == actor.id:
        raise ValidationError("不能重置自己的二次验证，请在“我的账号”中用验证码停用。")
    if not user.second_factor_enabled and not user.totp_secret:
        raise ValidationError("该账号没有设置二次验证。")
    _clear(user)
    user.session_token = new_session_token()
    db.session.flush()
    audit.record(actor, "auth.second_factor_reset", user, summary=user.email)
