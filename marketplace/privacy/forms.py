from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField


class EraseForm(FlaskForm):
    password = PasswordField("当前密码", render_kw={"autocomplete": "current-password"})
    confirm = StringField("请输入“注销”以确认", render_kw={"autocomplete": "off"})
