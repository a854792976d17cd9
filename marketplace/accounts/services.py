"""Every change to organizations and users: registration, review, members, region
administrators (sign-in, lockout and passwords: ``accounts.signin``)."""
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError

from marketplace import audit
from marketplace.accounts import credit_code, passwords
from marketplace.accounts.models import (
    ORG_KINDS, ORG_ROLES, ORG_STATUSES, ORG_TRANSITIONS, Organization, User,
    new_session_token)
from marketplace.authz import Permission, require
from marketplace.db import utcnow
from marketplace.errors import Collector, IllegalTransition, ValidationError
from marketplace.extensions import db
from marketplace.taxonomy.queries import get_place, get_region
from marketplace.validators import text
from marketplace.workflow import change_state, check_transition

REASON_MAX = 500
_REVIEW_TARGETS = {"verify": "verified", "reject": "rejected"}
_ORG_TABLE = {"transitions": ORG_TRANSITIONS, "labels": ORG_STATUSES, "noun": "该单位"}


def normalise_email(raw: str, field: str = "email") -> str:
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError("请输入有效的电子邮箱地址。", field=field) from None


def _free_email(raw: str) -> str:
    email = normalise_email(raw)
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise ValidationError("该邮箱已注册。", field="email")
    return email


def _person_name(raw: str) -> str:
    name = (raw or "").strip()
    if not name:
        raise ValidationError("请填写姓名。", field="user_name")
    if len(name) > 50:
        raise ValidationError("姓名不能超过 50 个字。", field="user_name")
    return name


def _check_user(checks: Collector, data: dict) -> None:
    checks.run("user_name", _person_name, data.get("user_name"))
    checks.run("email", _free_email, data.get("email"))
    checks.run("password", passwords.check_strength, data.get("password") or "")


def _new_user(values: dict, data: dict, **attributes) -> User:
    user = User(email=values["email"], name=values["user_name"],
                phone=(data.get("phone") or "").strip()[:30],
                password_hash=passwords.hash_password(data.get("password") or ""), **attributes)
    db.session.add(user)
    return user


def _org_name(raw: str) -> str:
    name = (raw or "").strip()
    if not name:
        raise ValidationError("请填写单位名称。", field="name")
    if len(name) > 100:
        raise ValidationError("单位名称不能超过 100 个字。", field="name")
    if db.session.scalar(sa.select(Organization.id).where(Organization.name == name)):
        raise ValidationError("该单位已注册，请联系本单位管理员添加您的账号。", field="name")
    return name


def _org_kind(kind: str) -> str:
    if kind not in ORG_KINDS:
        raise ValidationError("请选择单位类型。", field="kind")
    return kind


def _org_region(code: str) -> str:
    if get_region(code) is None:
        raise ValidationError("请选择所在地区。", field="region_code")
    return code


def _credit_code(raw: str, kind: str | None) -> str | None:
    code = credit_code.normalise(raw or "")
    if not code and kind == "department":
        return None
    if not code:
        raise ValidationError("请填写统一社会信用代码。", field="uscc")
    message = credit_code.problem(code)
    if message:
        raise ValidationError(message, field="uscc")
    if db.session.scalar(sa.select(Organization.id).where(Organization.uscc == code)):
        raise ValidationError("该统一社会信用代码已被其他单位使用。", field="uscc")
    return code


def _registration_checks(data: dict) -> Collector:
    checks = Collector()
    checks.run("name", _org_name, data.get("name"))
    kind = checks.run("kind", _org_kind, data.get("kind"))
    checks.run("region_code", _org_region, data.get("region_code"))
    checks.run("uscc", _credit_code, data.get("uscc"), kind)
    checks.run("description", text, data, "description", "单位简介", 2000, False)
    _check_user(checks, data)
    return checks


def register_organization(data: dict) -> tuple[Organization, User]:
    """Create a pending organization and its first user (its organization admin).

    ``data`` holds the organization fields and ``user_name``, ``email``, ``password``,
    ``phone``. Raises ValidationError listing every bad field; nothing is added then.
    """
    values = _registration_checks(data).result()
    org = Organization(name=values["name"], kind=values["kind"],
                       region_code=values["region_code"], uscc=values["uscc"],
                       short_name=(data.get("short_name") or "").strip()[:40],
                       description=values["description"],
                       status="pending")
    try:
        with db.session.begin_nested():  # (entering it flushes what is pending: add after)
            user = _new_user(values, data, organization=org, org_role="admin")
            db.session.add(org)
            db.session.flush()
    except IntegrityError:
        # A simultaneous registration took the name, credit code or e-mail first; it is
        # committed now, so the checks run again see it and say which field.
        _registration_checks(data).result()
        raise
    audit.record(user, "organization.register", org,
                 after=audit.snapshot(org, Organization.audit_fields), summary=org.name)
    return org, user


def add_reference_department(data: dict) -> Organization:
    """Create a department named in the seed documents (``name``, ``short_name``,
    ``region``, ``source``) with no users, then verify it: audited as ``organization.seed``
    and ``organization.verify`` by the system. Command line only (`flask seed reference`):
    there is no actor to check. Raises ValidationError for a taken name or an unknown
    region."""
    checks = Collector()
    checks.run("name", _org_name, data.get("name"))
    checks.run("region_code", _org_region, data.get("region"))
    values = checks.result()
    org = Organization(name=values["name"], kind="department",
                       region_code=values["region_code"],
                       short_name=(data.get("short_name") or "")[:40],
                       description=f"来源：{data.get('source', '')}", status="pending")
    db.session.add(org)
    db.session.flush()
    audit.record(None, "organization.seed", org,
                 after=audit.snapshot(org, Organization.audit_fields), summary=org.name)
    change_state(None, org, "verified", "verify", **_ORG_TABLE, summary=org.name,
                 verified_at=utcnow())
    return org


def review_organization(actor, org: Organization, decision: str, reason: str = "") -> None:
    """Verify or reject a pending organization (audited as ``organization.verify`` or
    ``organization.reject``). Rejection needs a reason; verifying stamps ``verified_at``.

    Raises PermissionDenied, IllegalTransition or ValidationError."""
    require(actor, Permission.ORG_REVIEW)
    target = _REVIEW_TARGETS.get(decision)
    if target is None:
        raise IllegalTransition(f"单位当前状态为“{org.status_label}”，不能执行此操作。")
    check_transition(org, target, **_ORG_TABLE)
    reason = _review_reason(target, reason)
    change_state(actor, org, target, decision, **_ORG_TABLE, summary=org.name,
                 reject_reason=reason, verified_at=utcnow() if target == "verified" else None)


def _review_reason(target: str, reason: str) -> str:
    reason = (reason or "").strip()
    if target == "rejected" and not reason:
        raise ValidationError("请填写不通过的原因。", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(f"原因不能超过 {REASON_MAX} 个字。", field="reason")
    return reason if target == "rejected" else ""


def add_member(actor, org: Organization, data: dict) -> User:
    """Create an account in ``org`` (its admin does this). Raises PermissionDenied or
    ValidationError."""
    require(actor, Permission.ORG_MANAGE, org)
    checks = Collector()
    _check_user(checks, data)
    role = checks.run("org_role", _member_role, data.get("org_role") or "member")
    user = _new_user(checks.result(), data, organization=org, org_role=role)
    db.session.flush()
    audit.record(actor, "organization.member_add", user,
                 after={"email": user.email, "org_role": role}, summary=org.name)
    return user


def _member_role(role: str) -> str:
    if role not in ORG_ROLES:
        raise ValidationError("请选择角色。", field="org_role")
    return role


def set_member_active(actor, member: User, active: bool) -> None:
    """Enable or disable a member's account; disabling ends their sessions."""
    require(actor, Permission.ORG_MANAGE, member.organization)
    if member.id == actor.id:
        raise ValidationError("不能停用自己的账号。")
    _set_active(actor, member, active, "organization.member_")


def unlock_user(actor, user: User) -> None:
    require(actor, Permission.USER_UNLOCK)
    user.locked_until, user.failed_logins = None, 0
    db.session.flush()
    audit.record(actor, "auth.unlocked", user, summary=user.email)


ADMIN_REGION_LEVELS = ("city", "district")


def _admin_region(code: str) -> str:
    region = get_place(code)
    if region is None:
        raise ValidationError("请选择有效的地区（市或区县）。", field="region_code")
    if region.level not in ADMIN_REGION_LEVELS:
        raise ValidationError("区域管理员只能设在市或区县；全省由平台管理员负责。",
                              field="region_code")
    return region.code


def _open_region_admin(actor, data: dict) -> User:
    checks = Collector()
    checks.run("region_code", _admin_region, data.get("region_code"))
    _check_user(checks, data)
    values = checks.result()
    user = _new_user(values, data, admin_region_code=values["region_code"])
    db.session.flush()
    audit.record(actor, "account.region_admin_create", user,
                 after={"email": user.email, "admin_region_code": user.admin_region_code},
                 summary=user.email)
    return user


def create_region_admin(actor, data: dict) -> User:
    """Open a region administrator's account (``region_code`` of a city or district,
    ``user_name``, ``email``, ``password``, ``phone``): no organization, confined to the
    region's subtree. Platform admins only. Raises PermissionDenied or ValidationError
    listing every bad field; nothing is added then."""
    require(actor, Permission.REGION_ADMIN_MANAGE)
    return _open_region_admin(actor, data)


def create_region_admin_from_command_line(data: dict) -> User:
    """As ``create_region_admin``, for `flask create-admin --region` (no actor to check;
    audited as done by the system)."""
    return _open_region_admin(None, data)


def set_region_admin_active(actor, user: User, active: bool) -> None:
    """Enable or disable a region administrator; disabling ends their sessions. Audited
    as ``account.region_admin_enable|disable``. Raises PermissionDenied, or ValidationError
    for a user who is not a region administrator."""
    require(actor, Permission.REGION_ADMIN_MANAGE)
    if not user.is_region_admin:
        raise ValidationError("该账号不是区域管理员。")
    _set_active(actor, user, active, "account.region_admin_")


def _set_active(actor, user: User, active: bool, action_prefix: str) -> None:
    """Enable or disable ``user`` (disabling rotates the session token, which ends every
    session); audited as ``<action_prefix>enable|disable``."""
    user.active = bool(active)
    if not active:
        user.session_token = new_session_token()
    db.session.flush()
    audit.record(actor, action_prefix + ("enable" if active else "disable"), user,
                 summary=user.email)


def create_platform_admin(email: str, name: str, password: str) -> User:
    """Create a platform administrator (command line only). Raises ValidationError."""
    data = {"user_name": name, "email": email, "password": password}
    checks = Collector()
    _check_user(checks, data)
    user = _new_user(checks.result(), data, is_platform_admin=True)
    db.session.flush()
    audit.record(None, "auth.admin_created", user, summary=user.email)
    return user
