"""The second factor (TOTP): enrolment at the account page, the two-step sign-in, codes
used once, wrong codes counted with wrong passwords, the half-signed-in state expiring,
recovery codes, disabling with a code, an administrator's reset, and administrators
sent to enrol when REQUIRE_ADMIN_TOTP is on. No secret or code ever reaches the audit
log."""
import json
import re
import time

import pytest
import sqlalchemy as sa

from marketplace.accounts import otp, second_factor, sessions
from marketplace.accounts.models import RecoveryCode, User
from marketplace.audit import AuditLog
from marketplace.errors import PermissionDenied, ValidationError
from marketplace.extensions import db
from tests.factories import PASSWORD, Factory


def enrol(user) -> tuple[str, list[str]]:
    """Enrol ``user`` through the services; returns (secret, recovery codes)."""
    second_factor.begin(user)
    secret = second_factor.pending_enrolment(user).secret
    codes = second_factor.confirm(user, otp.code_at(secret, time.time()))
    db.session.commit()
    return secret, codes


def next_code(secret: str) -> str:
    """A code of the step after the current one (enrolment used the current one)."""
    return otp.code_at(secret, time.time() + otp.STEP)


def password_step(client, user, **extra):
    return client.post("/login" + extra.get("query", ""),
                       data={"email": user.email, "password": PASSWORD})


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def actions(user) -> list[str]:
    return list(db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.object_type == "user", AuditLog.object_id == user.id).order_by(AuditLog.id)))


@pytest.fixture
def user(make):
    return make.org().users[0]


def test_enrolment_at_the_account_page(client, login_as, user):
    login_as(user)
    assert "开始设置" in client.get("/account/second-factor").get_data(as_text=True)
    assert client.post("/account/second-factor/begin").status_code == 302
    page = client.get("/account/second-factor").get_data(as_text=True)
    secret = second_factor.pending_enrolment(db.session.get(User, user.id)).secret
    assert "<svg" in page and otp.grouped(secret) in page
    wrong = client.post("/account/second-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 400 and 'id="code-error"' in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(User, user.id).second_factor_enabled
    done = client.post("/account/second-factor/confirm",
                       data={"code": otp.code_at(secret, time.time())})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "恢复码" in html
    codes = re.findall(r"<li><code>([^<]+)</code></li>", html)
    assert len(codes) == otp.RECOVERY_COUNT == len(set(codes))
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.second_factor_enabled and secret not in stored.totp_secret
    hashes = set(db.session.scalars(sa.select(RecoveryCode.code_hash)
                                    .where(RecoveryCode.user_id == user.id)))
    assert hashes == {otp.recovery_hash(code) for code in codes}
    again = client.get("/account/second-factor").get_data(as_text=True)
    assert "已启用" in again and otp.grouped(secret) not in again and "<svg" not in again


def test_sign_in_takes_the_password_then_the_code(client, user):
    secret, _ = enrol(user)
    response = password_step(client, user)
    assert response.status_code == 302 and response.location.startswith("/login/code")
    assert not signed_in(client)  # half-way is not signed in
    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.get_data(as_text=True)
    assert client.post("/login/code", data={"code": next_code(secret)}).status_code == 302
    assert signed_in(client)
    assert actions(user)[-3:] == ["auth.password_accepted", "auth.second_factor_failed",
                                  "auth.login"]


def test_a_code_is_accepted_once(app, user):
    secret, _ = enrol(user)
    code = next_code(secret)
    first, second = app.test_client(), app.test_client()
    password_step(first, user)
    password_step(second, user)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    replay = second.post("/login/code", data={"code": code})
    assert replay.status_code == 400 and not signed_in(second)
    # Nor the code enrolment used, nor one of an earlier step.
    assert second.post("/login/code", data={
        "code": otp.code_at(secret, time.time())}).status_code == 400


def test_wrong_codes_count_toward_the_password_lockout(app, client, user):
    secret, _ = enrol(user)
    limit = app.config["LOGIN_MAX_FAILURES"]
    client.post("/login", data={"email": user.email, "password": "wrong-password-1"})
    password_step(client, user)  # right: neither counted nor clearing the earlier one
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 1
    for _ in range(limit - 2):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 400
    locked = client.post("/login/code", data={"code": "000001"}, follow_redirects=True)
    assert "已暂时锁定" in locked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is not None
    password_step(client, user)  # locked: the right password does not help
    assert client.post("/login/code", data={"code": next_code(secret)}).status_code == 302
    assert not signed_in(client)
    assert "auth.locked" in actions(user)


def test_the_half_signed_in_state_expires(app, client, user):
    secret, _ = enrol(user)
    password_step(client, user)
    with client.session_transaction() as session:
        step = dict(session[sessions.SECOND_STEP])
        step["at"] -= app.config["SECOND_STEP_MINUTES"] * 60 + 1
        session[sessions.SECOND_STEP] = step
    response = client.post("/login/code", data={"code": next_code(secret)})
    assert response.status_code == 302, response.status_code
    assert response.location.startswith("/login"), response.location
    assert not signed_in(client)


def test_a_password_change_ends_the_half_signed_in_state(client, user):
    secret, _ = enrol(user)
    password_step(client, user)
    user.session_token = "rotated"
    db.session.commit()
    client.post("/login/code", data={"code": next_code(secret)})
    assert not signed_in(client)


def test_a_recovery_code_signs_in_once(app, user):
    _, codes = enrol(user)
    for attempt, expected in ((1, True), (2, False)):
        client = app.test_client()
        password_step(client, user)
        client.post("/login/code", data={"code": codes[0].upper().replace("-", " ")})
        assert signed_in(client) is expected, attempt
    assert "auth.recovery_code_used" in actions(user)
    db.session.expire_all()
    assert second_factor.recovery_codes_left(db.session.get(User, user.id)) == len(codes) - 1


def test_disabling_needs_a_current_code(client, login_as, user):
    secret, _ = enrol(user)
    login_as(user)
    refused = client.post("/account/second-factor/disable", data={"code": "000000"})
    assert refused.status_code == 400 and 'id="code-error"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).second_factor_enabled
    assert actions(user)[-1] == "auth.second_factor_failed"  # counted, audited
    done = client.post("/account/second-factor/disable", data={"code": next_code(secret)})
    assert done.status_code == 302
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert not stored.second_factor_enabled and stored.totp_secret is None
    assert second_factor.recovery_codes_left(stored) == 0
    assert actions(user)[-1] == "auth.second_factor_disabled"


def test_an_admin_resets_someone_elses_second_factor(ctx, make, user):
    enrol(user)
    admin, token = make.admin(), user.session_token
    with pytest.raises(PermissionDenied):
        second_factor.reset(make.org().users[0], user)
    with pytest.raises(ValidationError, match="不能重置自己"):
        second_factor.reset(admin, admin)
    second_factor.reset(admin, user)
    db.session.commit()
    assert not user.second_factor_enabled and user.session_token != token
    entry = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.action == "auth.second_factor_reset")).one()
    assert entry.actor_id == admin.id and entry.object_id == user.id


def test_the_reset_button_on_the_organization_page(client, login_as, make, user):
    enrol(user)
    login_as(make.admin())
    page = client.get(f"/admin/organizations/{user.organization_id}").get_data(as_text=True)
    assert f"/admin/users/{user.id}/second-factor/reset" in page
    response = client.post(f"/admin/users/{user.id}/second-factor/reset")
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).second_factor_enabled


def test_no_secret_or_code_reaches_the_audit_log(app, user):
    secret, codes = enrol(user)
    client = app.test_client()
    password_step(client, user)
    client.post("/login/code", data={"code": "000000"})
    client.post("/login/code", data={"code": codes[1]})
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.object_id == user.id,
                                                        AuditLog.object_type == "user"))
    text = json.dumps([[r.summary, r.before, r.after] for r in rows], ensure_ascii=False)
    assert secret not in text and "000000" not in text
    assert not any(code in text for code in codes)


def test_the_secret_is_stored_encrypted(app, ctx, user):
    secret, _ = enrol(user)
    assert secret not in user.totp_secret and otp.unseal(user.totp_secret) == secret
    app.config["TOTP_ENCRYPTION_KEY"] = "x" * 43 + "="  # another key opens nothing
    try:
        with pytest.raises(otp.UnreadableSecret):
            otp.unseal(user.totp_secret)
    finally:
        app.config["TOTP_ENCRYPTION_KEY"] = ""


@pytest.fixture
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_ADMIN_TOTP", True)


@pytest.mark.parametrize("kind", ["admin", "region_admin", "auditor"])
def test_administrators_are_sent_to_enrol_after_the_password(client, make, required, kind):
    person = getattr(make, kind)()
    assert password_step(client, person).status_code == 302
    response = client.get("/admin/audit" if kind != "region_admin" else "/admin/")
    assert response.status_code == 302 and response.location == "/account/second-factor"
    assert client.get("/account/second-factor").status_code == 200
    client.post("/account/second-factor/begin")
    secret = second_factor.pending_enrolment(db.session.get(User, person.id)).secret
    client.post("/account/second-factor/confirm", data={"code": otp.code_at(secret, time.time())})
    assert client.get("/admin/audit" if kind != "region_admin" else "/admin/").status_code == 200


def test_enrolled_administrators_sign_in_with_the_code(client, make, required):
    admin = make.admin()
    secret, _ = enrol(admin)
    assert password_step(client, admin).location.startswith("/login/code")
    assert client.get("/admin/").status_code == 302  # not signed in yet
    client.post("/login/code", data={"code": next_code(secret)})
    assert client.get("/admin/").status_code == 200


def test_others_are_not_required_to_enrol(client, required, user):
    password_step(client, user)
    assert client.get("/").status_code == 200
    assert client.get("/account").status_code == 200


# --- renewing the recovery codes ------------------------------------------------------
def renew(client, code: str):
    return client.post("/account/second-factor/recovery-codes", data={"renew-code": code})


def stored_hashes(user) -> set[str]:
    return set(db.session.scalars(sa.select(RecoveryCode.code_hash)
                                  .where(RecoveryCode.user_id == user.id)))


def test_recovery_codes_are_renewed_with_a_current_code(app, client, login_as, user):
    secret, old = enrol(user)
    login_as(user)
    assert "更换恢复码" in client.get("/account/second-factor").get_data(as_text=True)
    done = renew(client, next_code(secret))
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "已生成新的恢复码" in html
    new = re.findall(r"<li><code>([^<]+)</code></li>", html)
    assert len(new) == otp.RECOVERY_COUNT == len(set(new)) and not set(new) & set(old)
    db.session.expire_all()
    assert stored_hashes(user) == {otp.recovery_hash(code) for code in new}
    assert actions(user)[-1] == "auth.recovery_codes_renewed"
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert not any(code in page for code in new)  # shown once
    for code, expected in ((old[0], False), (new[0], True)):  # old ones stop at once
        other = app.test_client()
        password_step(other, user)
        other.post("/login/code", data={"code": code})
        assert signed_in(other) is expected, code


def test_renewal_refuses_a_wrong_code_at_its_field_and_counts_it(client, login_as, user):
    secret, old = enrol(user)
    login_as(user)
    refused = renew(client, "000000")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="renew-code-error"' in html
    assert second_factor.CODE_WRONG_CURRENT in html and 'id="code-error"' not in html
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 1  # the sign-in lockout's count
    assert actions(user)[-1] == "auth.second_factor_failed"
    assert stored_hashes(user) == {otp.recovery_hash(code) for code in old}
    for code, message in ((old[0], second_factor.CODE_NOT_CURRENT),
                          ("", second_factor.CODE_MISSING)):
        response = renew(client, code)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert second_factor.recovery_codes_left(db.session.get(User, user.id)) == len(old)


def test_renewal_takes_attempts_from_the_lockout(app, client, login_as, user):
    secret, old = enrol(user)
    login_as(user)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        renew(client, "000000")
    locked = renew(client, next_code(secret))  # the right code, but the account is locked
    assert locked.status_code == 400 and "锁定" in locked.get_data(as_text=True)
    db.session.expire_all()
    assert stored_hashes(user) == {otp.recovery_hash(code) for code in old}


def test_renewal_needs_the_second_factor(client, login_as, user):
    login_as(user)
    refused = renew(client, "123456")
    assert refused.status_code == 400 and "二次验证未启用" in refused.get_data(as_text=True)


def test_renewal_is_rate_limited_like_the_other_code_forms(app_with):
    from tests.test_rate_limits import LIMITS, login
    app = app_with(**LIMITS)
    with app.app_context():
        person = Factory().org().users[0]
        secret, old = enrol(person)
        email = person.email
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    client.post("/login/code", data={"code": next_code(secret)})
    statuses = [renew(client, "000000").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    with app.app_context():
        person = db.session.scalars(sa.select(User).where(User.email == email)).one()
        assert stored_hashes(person) == {otp.recovery_hash(code) for code in old}


def test_renewal_never_audits_a_code(app, client, login_as, user):
    secret, _ = enrol(user)
    login_as(user)
    new = re.findall(r"<li><code>([^<]+)</code></li>",
                     renew(client, next_code(secret)).get_data(as_text=True))
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.object_id == user.id,
                                                        AuditLog.object_type == "user"))
    text = json.dumps([[r.summary, r.before, r.after] for r in rows], ensure_ascii=False)
    assert new and not any(code in text for code in new)
