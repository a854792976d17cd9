"""Forms of the 十百千 programme: a designation of each kind, a revocation, a target, an
indicator value. Choices are filled per request (regions in the user's scope, signed
pairings, verified enterprises)."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from marketplace.demonstrations.models import PROJECT_LEVELS
from marketplace.forms import choices, limited

# Which fields each kind's form shows (the service checks the same ones).
KIND_FIELDS = {
    "zone": ("name", "focus", "lead_unit"),
    "project": ("level", "match_id", "name", "reason"),
    "enterprise": ("organization_id", "reason"),
    "catalogue": ("product_id", "reason"),
}


class DesignationForm(FlaskForm):
    kind = HiddenField()
    region_code = SelectField("地区", validate_choice=False)
    year = StringField("认定年份", render_kw={"inputmode": "numeric", "maxlength": 4})
    batch = StringField("批次", render_kw={"maxlength": 100,
                                          "placeholder": "如：2026年第一批省级应用场景示范项目"})
    name = StringField("名称", **limited(200))
    focus = StringField("场景方向", **limited(300))
    lead_unit = StringField("牵头单位", **limited(200))
    level = SelectField("示范项目级别", validate_choice=False)
    match_id = SelectField("来自对接（已签约或已落地）", validate_choice=False)
    organization_id = SelectField("企业或科研院所", validate_choice=False)
    product_id = StringField("产品编号", render_kw={"placeholder": "如 CP-2026-01-012"})
    reason = TextAreaField("认定依据", **limited(2000, rows=4))

    def fill_choices(self, regions, matches, enterprises) -> None:
        self.region_code.choices = choices(regions, blank="请选择地区")
        self.level.choices = choices(PROJECT_LEVELS.items(), blank="请选择级别")
        self.match_id.choices = choices(matches, blank="不来自平台上的对接（手工录入）")
        self.organization_id.choices = choices(enterprises, blank="请选择单位")

    def shown(self) -> list:
        """The fields of this form's kind, in order."""
        return [getattr(self, name) for name in KIND_FIELDS.get(self.kind.data, ())]


class RevokeForm(FlaskForm):
    reason = TextAreaField("撤销原因", **limited(500, rows=3))


class TargetForm(FlaskForm):
    target = StringField("目标数量", render_kw={"inputmode": "numeric"})
    qualifier = StringField("表述", render_kw={"placeholder": "左右、以上，或区间如 2—3个",
                                              "maxlength": 10})
    start_year = StringField("起始年份", render_kw={"inputmode": "numeric", "maxlength": 4})
    end_year = StringField("结束年份", render_kw={"inputmode": "numeric", "maxlength": 4})
    note = TextAreaField("说明", **limited(500, rows=3))


class IndicatorValueForm(FlaskForm):
    year = StringField("年份", render_kw={"inputmode": "numeric", "maxlength": 4})
    quarter = SelectField("季度", choices=choices([(1, "第一季度"), (2, "第二季度"),
                                                  (3, "第三季度"), (4, "第四季度")],
                                                 blank="全年"), validate_choice=False)
    value = StringField("数值", render_kw={"inputmode": "decimal"})
    note = StringField("说明", **limited(300))
