"""Registration, login/logout, password, organization members."""
from urllib.parse import urlsplit

from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request, url_for)
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.accounts import (
    otp, passwords, queries, second_factor, services, sessions, signin)
from marketplace.accounts.forms import (
    CodeForm, LoginForm, MemberForm, PasswordForm, RegisterForm)
from marketplace.accounts.models import User
from marketplace import ratelimits
from marketplace.authz import Permission, require
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.forms import choices
from marketplace.taxonomy.queries import region_choices
from marketplace.viewhelpers import get_or_404, perform

bp = Blueprint("accounts", __name__)
# Where a user whose password is too old may still go: to change it, or to leave.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"accounts.account", "accounts.logout", "static"})


@bp.before_app_request
def _require_password_change():
    """A password older than PASSWORD_MAX_AGE_DAYS is changed before anything else."""
    if (request.endpoint not in PASSWORD_CHANGE_ENDPOINTS and current_user.is_authenticated
            and passwords.must_change(current_user, utcnow())):
        days = current_app.config["PASSWORD_MAX_AGE_DAYS"]
        flash(f"您的密码已使用超过 {days} 天，请先修改密码。", "info")
        return redirect(url_for("accounts.account"))
    return None


# Where an administrator who must enrol a second factor may go before it is done.
SECOND_FACTOR_ENDPOINTS = PASSWORD_CHANGE_ENDPOINTS | frozenset({
    "accounts.second_factor", "accounts.begin_second_factor",
    "accounts.confirm_second_factor"})


@bp.before_app_request
def _require_second_factor():
    """An administrator or auditor signs in with a second factor (REQUIRE_ADMIN_TOTP):
    without one, the first page after the password is where it is set up."""
    if (request.endpoint not in SECOND_FACTOR_ENDPOINTS and current_user.is_authenticated
            and second_factor.must_enrol(current_user)):
        flash("管理员和审计员账号须启用二次验证，请先完成设置。", "info")
        return redirect(url_for("accounts.second_factor"))
    return None


def _safe_next(target: str | None) -> str:
    """``target`` when it is a path of this site, else the workbench. It is parsed, not
    pattern-matched, and refused outright when it holds a backslash, whitespace or a
    control character: browsers drop tabs and newlines from a URL and read a backslash
    as a slash, so "/%09/evil.example" (decoded) would lead off-site."""
    if target and target.isprintable() and not any(c in target for c in "\\ "):
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc and parts.path.startswith("/")
                and not parts.path.startswith("//")):
            return target
    return url_for("workbench.index")


@bp.route("/login", methods=["GET", "POST"])
@ratelimits.login
@ratelimits.login_account
def login():
    if current_user.is_authenticated:
        return redirect(url_for("workbench.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = signin.authenticate(form.email.data, form.password.data)
        db.session.commit()  # failures are counted and audited too
        if result.user is not None and result.needs_code:
            sessions.begin_second_step(result.user)  # not signed in until the code
            return redirect(url_for("accounts.login_code", next=request.args.get("next")))
        if result.user is not None:
            sessions.start()
            login_user(result.user)
            flash(f"欢迎回来，{result.user.name}。", "success")
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = [result.message]
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    perform(signin.logout, current_user._get_current_object())
    logout_user()
    flash("您已安全退出。", "info")
    return redirect(url_for("home.index"))


@bp.route("/register", methods=["GET", "POST"])
@ratelimits.register
def register():
    form = RegisterForm()
    form.region_code.choices = choices(region_choices(), blank="请选择")
    if form.validate_on_submit():
        ok, result = perform(services.register_organization, form.data, form=form)
        if ok:
            sessions.start()
            login_user(result[1])
            flash("注册成功。平台管理员审核通过后，您即可发布清单。", "success")
            return redirect(url_for("accounts.organization"))
    return render_template("accounts/register.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@ratelimits.password_change
@login_required
def account():
    form = PasswordForm()
    if form.validate_on_submit():
        ok, _ = perform(signin.change_password, current_user._get_current_object(),
                        form.current_password.data, form.new_password.data, form=form,
                        success="密码已修改，您在其他设备上的登录已失效。")
        if ok:
            login_user(current_user._get_current_object())  # keep this session, new token
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form)


@bp.route("/organization")
@login_required
def organization():
    if current_user.organization_id is None:
        return redirect(url_for("admin.index"))
    return render_template("accounts/organization.html",
                           org=queries.organization(current_user.organization_id),
                           form=MemberForm())


@bp.post("/organization/members")
@login_required
def add_member():
    org = current_user.organization
    if org is None:
        abort(404)
    require(current_user, Permission.ORG_MANAGE, org)
    form = MemberForm()
    if form.validate_on_submit():
        ok, _ = perform(services.add_member, current_user, org, form.data, form=form,
                        success="成员账号已创建，请将初始密码告知本人并提醒其修改。")
        if ok:
            return redirect(url_for("accounts.organization"))
    return render_template("accounts/organization.html",  # reloaded after a rollback
                           org=queries.organization(org.id), form=form), 400


@bp.post("/organization/members/<int:user_id>/active")
@login_required
def set_member_active(user_id: int):
    member = get_or_404(User, user_id)
    require(current_user, Permission.ORG_MANAGE, member.organization)
    active = request.form.get("active") == "1"
    perform(services.set_member_active, current_user, member, active,
            success="账号已启用。" if active else "账号已停用。")
    return redirect(url_for("accounts.organization"))


# --- the second factor --------------------------------------------------------------
@bp.route("/login/code", methods=["GET", "POST"])
@ratelimits.login
def login_code():
    """The second step of signing in: the password was right minutes ago (sessions), the
    code from the app (or a recovery code) now."""
    if current_user.is_authenticated:
        return redirect(url_for("workbench.index"))
    user = queries.user_for_session_id(sessions.second_step_user())
    if user is None:
        flash("请重新输入邮箱和密码登录。", "info")
        return redirect(url_for("accounts.login", next=request.args.get("next")))
    form = CodeForm()
    if form.validate_on_submit():
        result = second_factor.verify_sign_in(user, form.code.data)
        db.session.commit()  # failures are counted and audited too
        if result.user is not None:
            sessions.start()
            login_user(result.user)
            flash(f"欢迎回来，{result.user.name}。", "success")
            return redirect(_safe_next(request.args.get("next")))
        if result.message != second_factor.CODE_WRONG:  # locked: start again later
            sessions.end_second_step()
            flash(result.message, "error")
            return redirect(url_for("accounts.login"))
        form.code.errors = [result.message]
    return render_template("accounts/login_code.html", form=form), 400 if form.errors else 200


def _renew_form() -> CodeForm:
    # Its own prefix: the page's other code form (disabling) has a field named "code" too.
    return CodeForm(prefix="renew")


def _second_factor_page(code_form=None, renew_form=None, status: int = 200):
    user = current_user._get_current_object()
    return render_template(
        "accounts/second_factor.html", enrolment=second_factor.pending_enrolment(user),
        required=second_factor.is_required(user), form=code_form or CodeForm(),
        renew_form=renew_form or _renew_form(), recovery_count=otp.RECOVERY_COUNT,
        codes_left=second_factor.recovery_codes_left(user)
        if user.second_factor_enabled else 0), status


@bp.get("/account/second-factor", endpoint="second_factor")
@login_required
def second_factor_page():
    return _second_factor_page()


@bp.post("/account/second-factor/begin")
@login_required
def begin_second_factor():
    perform(second_factor.begin, current_user._get_current_object())
    return redirect(url_for("accounts.second_factor"))


@bp.post("/account/second-factor/confirm")
@ratelimits.password_change
@login_required
def confirm_second_factor():
    form = CodeForm()
    if form.validate_on_submit():
        ok, codes = perform(second_factor.confirm, current_user._get_current_object(),
                            form.code.data, form=form, success="二次验证已启用。")
        if ok:
            return render_template("accounts/recovery_codes.html", codes=codes)
    return _second_factor_page(form, status=400)


@bp.post("/account/second-factor/recovery-codes")
@ratelimits.password_change
@login_required
def renew_recovery_codes():
    form = _renew_form()
    if form.validate_on_submit():
        message, codes = second_factor.renew_recovery_codes(
            current_user._get_current_object(), form.code.data)
        db.session.commit()  # a wrong code is counted and audited too
        if not message:
            return render_template("accounts/recovery_codes.html", codes=codes, renewed=True)
        form.code.errors = [message]
    return _second_factor_page(renew_form=form, status=400)


@bp.post("/account/second-factor/disable")
@ratelimits.password_change
@login_required
def disable_second_factor():
    form = CodeForm()
    if form.validate_on_submit():
        message = second_factor.disable(current_user._get_current_object(), form.code.data)
        db.session.commit()  # a wrong code is counted and audited too
        if not message:
            flash("二次验证已停用。", "success")
            return redirect(url_for("accounts.second_factor"))
        form.code.errors = [message]
    return _second_factor_page(form, status=400)
