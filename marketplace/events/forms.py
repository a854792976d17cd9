"""WTForms of the events feature, one section per part."""
from flask_wtf import FlaskForm  # noqa: F401
from wtforms import (  # noqa: F401
    BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField,
    SelectMultipleField, StringField, TextAreaField)

# --- events and registration ------------------------------------------------------------


# --- 1:1 meetings -----------------------------------------------------------------------


# --- check-in and roadshow --------------------------------------------------------------


# --- outcomes ---------------------------------------------------------------------------
# Values are checked by events.outcomes (Chinese messages at the fields); the forms carry
# CSRF and the choices offered. (Imports here keep the sections apart.)
from wtforms import RadioField  # noqa: E402

from marketplace.events.models import RATINGS  # noqa: E402
from marketplace.forms import choices  # noqa: E402


class RateForm(FlaskForm):
    rating = RadioField("对这场会谈的评价", choices=choices(RATINGS.items()),
                        validate_choice=False)
    note = TextAreaField("备注（选填，仅组织方可见）", render_kw={"maxlength": 500})


class SigningForm(FlaskForm):
    opportunity_id = SelectField("本次活动的机会", validate_choice=False)
    opportunity_number = StringField("或填写机会编号")
    supplier_id = SelectField("本次活动的供给方", validate_choice=False)
    supplier_name = StringField("或填写单位全称")
    product_id = SelectField("产品（选填）", validate_choice=False)
    contract_amount_wan = StringField("合同金额（万元）")
    contract_date = StringField("签约日期", render_kw={"type": "date"})


class MinutesForm(FlaskForm):
    minutes = TextAreaField("会议纪要", render_kw={"rows": 16})
