from wtforms import SelectField, StringField

from marketplace.forms import choices, limited
from marketplace.listings.forms import ListingForm
from marketplace.opportunities.services import COOPERATION_MODES


class OpportunityForm(ListingForm):
    budget_wan = StringField("预算（万元）", render_kw={"inputmode": "decimal"})
    deadline = StringField("截止日期", render_kw={"type": "date"})
    timeline = StringField("预期周期", **limited(200))
    cooperation_mode = SelectField(
        "合作方式", choices=choices(((m, m) for m in COOPERATION_MODES), blank="请选择"),
        validate_choice=False)
