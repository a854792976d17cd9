from flask_wtf import FlaskForm
from wtforms import TextAreaField


class LanguageForm(FlaskForm):
    content = TextAreaField("内容（每行一条，# 开头为注释）", render_kw={"rows": 24})
