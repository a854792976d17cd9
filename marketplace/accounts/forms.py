"""Forms of the accounts feature. Rules live in services; forms parse and render."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField

from marketplace.accounts.models import ORG_KINDS, ORG_ROLES
from marketplace.forms import choices, limited


class LoginForm(FlaskForm):
    email = StringField("电子邮箱", render_kw={"autocomplete": "username"})
    password = PasswordField("密码", render_kw={"autocomplete": "current-password"})


class RegisterForm(FlaskForm):
    name = StringField("单位名称", render_kw={"maxlength": 100})
    short_name = StringField("单位简称", render_kw={"maxlength": 40})
    kind = SelectField("单位类型", choices=choices(ORG_KINDS.items(), blank="请选择"),
                       validate_choice=False)
    region_code = SelectField("所在地区", validate_choice=False)
    uscc = StringField("统一社会信用代码（企业、科研院所/服务机构必填）", render_kw={"maxlength": 30, "autocomplete": "off"})
    description = TextAreaField("单位简介", **limited(2000, rows=3))
    user_name = StringField("联系人姓名", render_kw={"maxlength": 50})
    email = StringField("电子邮箱（登录账号）", render_kw={"autocomplete": "email"})
    phone = StringField("手机号码", render_kw={"autocomplete": "tel"})
    password = PasswordField("设置密码", render_kw={"autocomplete": "new-password"})


class PasswordForm(FlaskForm):
    current_password = PasswordField("当前密码", render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("新密码", render_kw={"autocomplete": "new-password"})


class MemberForm(FlaskForm):
    user_name = StringField("姓名", render_kw={"maxlength": 50})
    email = StringField("电子邮箱（登录账号）")
    phone = StringField("手机号码")
    password = PasswordField("初始密码", render_kw={"autocomplete": "new-password"})
    org_role = SelectField("角色", choices=choices(ORG_ROLES.items()), validate_choice=False)


class ReasonForm(FlaskForm):
    """A decision with an optional reason (review of organizations and listings)."""

    reason = TextAreaField("原因", **limited(500, rows=3))


class RegionAdminForm(FlaskForm):
    """A platform admin opens a region administrator's account (choices set by the view)."""

    region_code = SelectField("管理地区（市或区县）", choices=[], validate_choice=False)
    user_name = StringField("姓名", render_kw={"maxlength": 50})
    email = StringField("电子邮箱（登录账号）")
    phone = StringField("手机号码")
    password = PasswordField("初始密码", render_kw={"autocomplete": "new-password"})


class CodeForm(FlaskForm):
    """A second-factor code (6 digits from the app, or a recovery code)."""

    code = StringField("验证码", render_kw={"autocomplete": "one-time-code", "maxlength": 24,
                                          "inputmode": "text", "spellcheck": "false"})


class AuditorForm(FlaskForm):
    """A platform admin opens an auditor's account."""

    user_name = StringField("姓名", render_kw={"maxlength": 50})
    email = StringField("电子邮箱（登录账号）")
    phone = StringField("手机号码")
    password = PasswordField("初始密码", render_kw={"autocomplete": "new-password"})
