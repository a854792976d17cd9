from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from marketplace.forms import limited

from marketplace.db import beijing_today


class ReleaseForm(FlaskForm):
    # Choices are the actor's own regions, set by the view; the service checks the scope.
    region_code = SelectField("发布地区", choices=[], validate_choice=False)
    year = StringField("年份", default=lambda: str(beijing_today().year),
                       render_kw={"inputmode": "numeric", "maxlength": 4})
    title = StringField("批次名称", render_kw={"maxlength": 100,
                                              "placeholder": "留空则自动生成，如：2026年第一批机会清单和产品清单"})
    description = TextAreaField("说明", **limited(2000, rows=3))


class PublishForm(FlaskForm):
    published_on = StringField("发布日期", default=lambda: beijing_today().isoformat(),
                               render_kw={"type": "date"})
