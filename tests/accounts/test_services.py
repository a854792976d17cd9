import pytest
import sqlalchemy as sa

from marketplace.accounts import passwords, services, signin
from marketplace.accounts.models import Organization, User
from marketplace.audit import AuditLog
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.extensions import db
from tests.factories import PASSWORD, valid_uscc


def registration(**overrides):
    data = {"name": "南昌某某科技有限公司", "kind": "enterprise", "region_code": "360113",
            "uscc": valid_uscc(9001), "user_name": "张三", "email": "Zhang@Example.cn",
            "password": PASSWORD}
    data.update(overrides)
    return data


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_register_creates_pending_org_with_its_admin(ctx):
    org, user = services.register_organization(registration())
    assert org.status == "pending" and user.org_role == "admin"
    assert user.email == "zhang@example.cn"
    assert user.password_hash != PASSWORD and user.password_hash.startswith("pbkdf2")
    assert db.session.scalar(sa.select(AuditLog).where(
        AuditLog.action == "organization.register")).object_id == org.id


@pytest.mark.parametrize("overrides, field, words", [
    ({"uscc": ""}, "uscc", "请填写统一社会信用代码"),
    ({"uscc": valid_uscc(9001)[:17] + "0" if valid_uscc(9001)[-1] != "0" else "1"},
     "uscc", "校验位"),
    ({"name": ""}, "name", "单位名称"),
    ({"name": "长" * 101}, "name", "100"),
    ({"kind": "bank"}, "kind", "单位类型"),
    ({"region_code": "999999"}, "region_code", "地区"),
    ({"email": "not-an-email"}, "email", "邮箱"),
    ({"password": "short1"}, "password", "至少"),
    ({"password": "onlyletterspassword"}, "password", "至少 3 类"),
    ({"password": "lowercaseonly12"}, "password", "至少 3 类"),
    ({"password": "Password123"}, "password", "过于常见"),
    ({"password": "Woaini1314!"}, "password", "过于常见"),
    ({"password": "Admin@2026"}, "password", "过于常见"),
    ({"password": "Abc" + "x1!" * 43}, "password", "128"),
    ({"user_name": ""}, "user_name", "姓名"),
])
def test_bad_registration_names_the_field_and_adds_nothing(ctx, overrides, field, words):
    orgs, users = count(Organization), count(User)
    with pytest.raises(ValidationError) as error:
        services.register_organization(registration(**overrides))
    assert error.value.field == field and words in error.value.message
    db.session.rollback()
    assert (count(Organization), count(User)) == (orgs, users)


def test_department_may_register_without_credit_code(ctx):
    org, _ = services.register_organization(registration(kind="department", uscc=""))
    assert org.uscc is None


def test_duplicate_name_email_and_code_are_refused(ctx, make):
    existing = make.org()
    with pytest.raises(ValidationError, match="已注册"):
        services.register_organization(registration(name=existing.name))
    with pytest.raises(ValidationError, match="已被其他单位使用"):
        services.register_organization(registration(uscc=existing.uscc))
    with pytest.raises(ValidationError, match="该邮箱已注册"):
        services.register_organization(registration(email=existing.users[0].email))


def test_admin_verifies_or_rejects_with_reason(ctx, make):
    admin, org = make.admin(), make.org(status="pending")
    with pytest.raises(ValidationError, match="原因"):
        services.review_organization(admin, org, "reject", "")
    services.review_organization(admin, org, "reject", "营业执照信息不一致")
    assert org.status == "rejected" and org.reject_reason == "营业执照信息不一致"
    with pytest.raises(IllegalTransition):
        services.review_organization(admin, org, "verify")


def test_only_platform_admins_review_organizations(ctx, make):
    org = make.org(status="pending")
    with pytest.raises(PermissionDenied):
        services.review_organization(make.org().users[0], org, "verify")


def test_wrong_password_and_unknown_user_get_the_same_message(ctx, make):
    user = make.org().users[0]
    wrong = signin.authenticate(user.email, "wrong-password-1")
    unknown = signin.authenticate("nobody@test.cn", "wrong-password-1")
    assert wrong.user is None and unknown.user is None
    assert wrong.message == unknown.message == signin.LOGIN_FAILED


@pytest.fixture
def hash_work(monkeypatch):
    """How many password hashes are made and checked: the work a login does."""
    work = {"made": 0, "checked": 0}
    made, checked = passwords.generate_password_hash, signin.check_password_hash

    def make_hash(*args, **kwargs):
        work["made"] += 1
        return made(*args, **kwargs)

    def check_hash(*args, **kwargs):
        work["checked"] += 1
        return checked(*args, **kwargs)
    monkeypatch.setattr(passwords, "generate_password_hash", make_hash)
    monkeypatch.setattr(signin, "check_password_hash", check_hash)
    return work


def test_unknown_and_disabled_accounts_cost_what_a_wrong_password_costs(ctx, make, hash_work):
    """D2: an unknown e-mail once hashed twice (a new hash, then a check), so its answer
    came slower and told which accounts exist."""
    user = make.org().users[0]
    signin.authenticate("warm-up@test.cn", "wrong-password-1")  # the process's one hash
    costs = {}
    for label, email in (("wrong password", user.email), ("unknown", "nobody@test.cn"),
                         ("malformed", "not an e-mail")):
        hash_work.update(made=0, checked=0)
        assert signin.authenticate(email, "wrong-password-1").message == signin.LOGIN_FAILED
        costs[label] = dict(hash_work)
    assert all(cost == {"made": 0, "checked": 1} for cost in costs.values()), costs


def test_account_locks_after_configured_failures_and_is_audited(ctx, make, app):
    user = make.org().users[0]
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert signin.authenticate(user.email, "bad-password-1").message == signin.LOGIN_FAILED
    assert user.failed_logins == app.config["LOGIN_MAX_FAILURES"] - 1
    locked = signin.authenticate(user.email, "bad-password-1")
    assert "锁定" in locked.message and user.locked_until is not None
    # Even the right password is refused while locked.
    assert signin.authenticate(user.email, PASSWORD).user is None
    actions = db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.object_id == user.id, AuditLog.object_type == "user")).all()
    assert "auth.locked" in actions and "auth.login_refused_locked" in actions
    services.unlock_user(make.admin(), user)
    assert signin.authenticate(user.email, PASSWORD).user is user


def test_successful_login_resets_the_failure_count(ctx, make):
    user = make.org().users[0]
    signin.authenticate(user.email, "bad-password-1")
    assert signin.authenticate(user.email, PASSWORD).user is user
    assert user.failed_logins == 0 and user.last_login_at is not None


def test_password_change_rotates_the_session_token(ctx, make):
    user = make.org().users[0]
    token = user.session_token
    with pytest.raises(ValidationError) as error:
        signin.change_password(user, "wrong", "NewPassw0rd-1")
    assert error.value.field == "current_password"
    signin.change_password(user, PASSWORD, "NewPassw0rd-1")
    assert user.session_token != token
    assert signin.authenticate(user.email, "NewPassw0rd-1").user is user


def test_org_admin_adds_members_but_members_cannot(ctx, make):
    org = make.org()
    member = services.add_member(org.users[0], org, {
        "user_name": "李四", "email": "lisi@test.cn", "password": PASSWORD, "org_role": "member"})
    assert member.organization is org
    with pytest.raises(PermissionDenied):
        services.add_member(member, org, {"user_name": "王五", "email": "ww@test.cn",
                                          "password": PASSWORD})
    with pytest.raises(PermissionDenied):
        services.add_member(make.org().users[0], org, {
            "user_name": "王五", "email": "ww@test.cn", "password": PASSWORD})


def test_disabling_a_member_ends_their_sessions(ctx, make):
    org = make.org()
    member = make.member(org)
    token = member.session_token
    services.set_member_active(org.users[0], member, False)
    assert not member.active and member.session_token != token
    assert signin.authenticate(member.email, PASSWORD).user is None


def test_platform_admins_are_not_organization_members(ctx, make):
    first, second = make.admin(), make.admin()
    with pytest.raises(PermissionDenied):
        services.set_member_active(first, second, False)
    with pytest.raises(PermissionDenied):
        services.add_member(first, None, {"user_name": "无单位", "email": "x@test.cn",
                                          "password": PASSWORD})
