"""The password policy. Its defaults are the 等保 2.0 profile (GB/T 22239-2019: complexity
and periodic change); config relaxes it towards OWASP ASVS where the two disagree
(``PASSWORD_MIN_CLASSES = 1``, ``PASSWORD_MAX_AGE_DAYS = 0``):

* PASSWORD_MIN_LENGTH characters or more (default 10), 128 at most;
* PASSWORD_MIN_CLASSES of the four classes — lower case, upper case, digits, others
  (default 3);
* not a common password: zxcvbn's 30,000 most common, and common_passwords.txt (those
  of Chinese users), compared case-insensitively and with symbols at the end ignored;
* PASSWORD_MAX_AGE_DAYS (default 90; 0 = never): an older password must be changed
  before anything else is done (``must_change``).
"""
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from werkzeug.security import generate_password_hash
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from marketplace.errors import ValidationError

MAX_LENGTH = 128
CLASSES = (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
CLASS_NAMES = "小写字母、大写字母、数字、符号"


@cache
def common_passwords() -> frozenset[str]:
    local = Path(__file__).with_name("common_passwords.txt").read_text(encoding="utf-8")
    ours = (line.strip() for line in local.splitlines() if not line.startswith("#"))
    return frozenset(p.lower() for p in (*FREQUENCY_LISTS["passwords"], *ours) if p)


def classes_in(password: str) -> int:
    return sum(any(test(c) for c in password) for test in CLASSES)


def _is_common(password: str) -> bool:
    """A common password, also with symbols added at its end ("Woaini1314!")."""
    lowered = password.lower()
    return (lowered in common_passwords()
            or lowered.rstrip("!@#$%^&*.?~-_+=") in common_passwords())


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_strength(password: str, field: str = "password") -> None:
    """Raise ValidationError (at ``field``) unless ``password`` meets the policy."""
    config = current_app.config
    minimum, wanted = config["PASSWORD_MIN_LENGTH"], config["PASSWORD_MIN_CLASSES"]
    if not password:
        raise ValidationError("请输入密码（出于安全考虑，提交出错后需重新输入）。", field=field)
    if len(password) < minimum:
        raise ValidationError(f"密码至少需要 {minimum} 位。", field=field)
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"密码不能超过 {MAX_LENGTH} 位。", field=field)
    if classes_in(password) < wanted:
        raise ValidationError(f"密码需包含{CLASS_NAMES}中的至少 {wanted} 类。", field=field)
    if _is_common(password):
        raise ValidationError("该密码过于常见，容易被猜中，请换一个。", field=field)


def policy_hint() -> str:
    """The policy in one sentence, for the hint under every new-password field."""
    config = current_app.config
    minimum, wanted = config["PASSWORD_MIN_LENGTH"], config["PASSWORD_MIN_CLASSES"]
    classes = f"包含{CLASS_NAMES}中的至少 {wanted} 类，" if wanted > 1 else ""
    return f"至少 {minimum} 位，{classes}不能是常见密码。"


def must_change(user, now: datetime) -> bool:
    """True when the user's password is older than PASSWORD_MAX_AGE_DAYS (when set)."""
    days = current_app.config["PASSWORD_MAX_AGE_DAYS"]
    changed = getattr(user, "password_changed_at", None)
    return bool(days) and changed is not None and now - changed > timedelta(days=days)
