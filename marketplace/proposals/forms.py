"""Forms for questions and proposals (rules live in services)."""
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField

from marketplace.forms import limited


class QuestionForm(FlaskForm):
    text = TextAreaField("您的问题", **limited(1000, rows=3))


class AnswerForm(FlaskForm):
    answer = TextAreaField("答复", **limited(2000, rows=3))


class ProposalForm(FlaskForm):
    summary = TextAreaField("方案摘要", **limited(300, rows=2))
    approach = TextAreaField("实施方案", **limited(10000, rows=10))
    timeline = StringField("交付周期", **limited(200))
    price_wan = StringField("报价（万元）", render_kw={"inputmode": "decimal"})
    product_ids = SelectMultipleField("提供的产品", validate_choice=False)
    members = StringField("联合体成员")  # rendered as rows member_name-N / member_role-N

    def member_rows(self, formdata) -> list[dict]:
        """The consortium rows posted as member_name-0, member_role-0, …"""
        rows = []
        for index in range(10):
            name = formdata.get(f"member_name-{index}", "")
            role = formdata.get(f"member_role-{index}", "")
            if name or role:
                rows.append({"name": name, "role": role})
        return rows


class DecisionForm(FlaskForm):
    reason = TextAreaField("未入选原因", **limited(500, rows=3))
