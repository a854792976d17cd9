from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField

from marketplace.forms import limited

DISCLOSE = "本单位同意在揭榜结果公示中公开合同金额"


class AdvanceForm(FlaskForm):
    delivery_note = TextAreaField("落地情况说明", **limited(2000, rows=3))
    termination_reason = TextAreaField("终止原因", **limited(500, rows=2))


class SigningForm(FlaskForm):
    """One side records the signing (matching.signing.record checks it)."""

    contract_date = StringField("签约日期", render_kw={"type": "date"})
    contract_amount_wan = StringField("合同金额（万元）", render_kw={"inputmode": "decimal"})
    disclose_amount = BooleanField(DISCLOSE)


class ConfirmSigningForm(FlaskForm):
    disclose_amount = BooleanField(DISCLOSE)


class DisputeForm(FlaskForm):
    reason = TextAreaField("异议原因", **limited(500, rows=3))


class ManualMatchForm(FlaskForm):
    opportunity = StringField("机会编号", render_kw={"placeholder": "如 JH-2026-01-003"})
    supplier = StringField("供给方单位全称")
    product = StringField("产品编号（可选）", render_kw={"placeholder": "如 CP-2026-01-012"})


class FunnelFilterForm(FlaskForm):
    class Meta:
        csrf = False

    region = StringField("地区")
    start = StringField("起始日期", render_kw={"type": "date"})
    end = StringField("截止日期", render_kw={"type": "date"})
