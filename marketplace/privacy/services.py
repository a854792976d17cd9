"""A person's copy of their data, and erasing their account on request. Flushes; the
caller commits."""
import json

from werkzeug.security import check_password_hash

from marketplace import audit
from marketplace.accounts import erasure
from marketplace.errors import ValidationError
from marketplace.listings import services as listings
from marketplace.notifications import services as notifications
from marketplace.privacy import queries

CONFIRM_WORD = "注销"


def export_personal_data(user) -> bytes:
    """``user``'s data as UTF-8 JSON, recorded as ``account.data_export`` (who took a copy
    of personal data, and when)."""
    data = queries.personal_data(user)
    audit.record_export(user, "account.data_export", user, rows=queries.row_count(data),
                        summary="下载本人个人信息副本")
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def erase_account(user, password: str, confirm: str) -> None:
    """Erase ``user``'s personal data: their name, e-mail and phone leave the account
    (which can never sign in again), their number and name leave their organization's
    listings and the search index (the outbox re-indexes them), their notifications and
    e-mails are deleted. The audit log keeps its records, which only ever held masked
    values. Raises ValidationError (wrong password, confirmation word missing, or the last
    platform administrator); nothing changes then."""
    if not check_password_hash(user.password_hash, password or ""):
        raise ValidationError("密码不正确。", field="password")
    if (confirm or "").strip() != CONFIRM_WORD:
        raise ValidationError(f"请输入“{CONFIRM_WORD}”以确认。", field="confirm")
    if erasure.is_last_platform_admin(user):
        raise ValidationError("您是最后一位平台管理员，注销前请先设立另一位平台管理员。",
                              field="confirm")
    phone, organization_id = user.phone, user.organization_id
    if organization_id is not None:
        listings.erase_contact(user, phone, organization_id)
    notifications.forget_user(user)
    erasure.anonymise(user)
