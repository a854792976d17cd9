"""The form fields every listing has. Choices are filled per request from the taxonomy."""
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField)

from marketplace.forms import choices, limited
from marketplace.taxonomy.queries import field_choices, region_choices, tag_choices


class ListingForm(FlaskForm):
    title = StringField("标题", render_kw={"maxlength": 100})
    summary = TextAreaField("摘要", **limited(300, rows=2))
    description = TextAreaField("详细描述", **limited(10000, rows=8))
    field_id = SelectField("领域", validate_choice=False)
    tag_ids = SelectMultipleField("标签", validate_choice=False)
    region_code = SelectField("地区", validate_choice=False)
    contact_name = StringField("联系人", render_kw={"maxlength": 50})
    contact_phone = StringField("联系电话", render_kw={"maxlength": 30, "autocomplete": "tel"})
    contact_consent = BooleanField("联系人已同意在平台公开其姓名和电话")

    def fill_choices(self) -> None:
        self.field_id.choices = choices([], blank="请选择领域") + [
            choice for group, items in field_choices().items()
            for choice in choices(items, optgroup=group)]
        self.tag_groups = tag_choices()
        self.tag_ids.choices = [choice for group, items in self.tag_groups.items()
                                for choice in choices(items, optgroup=group)]
        self.region_code.choices = choices(region_choices(), blank="请选择地区")

    def load(self, values: dict) -> None:
        """Prefill from stored values (an item's columns or a pending revision)."""
        for name, field in self._fields.items():
            if name in values and name != "csrf_token":
                value = values[name]
                if name == "tag_ids":
                    field.data = [str(v) for v in value or []]
                elif name == "contact_consent":
                    field.data = bool(value)
                else:
                    field.data = "" if value is None else str(value)


class LinkForm(FlaskForm):
    """A decision about two look-alikes (listings.links): the decision is the button
    pressed (duplicate / related / dismissed)."""

    item_id = HiddenField()
    other_id = HiddenField()
    decision = HiddenField()
    note = StringField("说明（可选）", render_kw={"maxlength": 200})
