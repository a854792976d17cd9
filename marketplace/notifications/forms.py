"""Forms of the notification settings and the digest subscription (rules: services)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField

from marketplace.forms import choices
from marketplace.notifications.models import EVENTS, FREQUENCIES
from marketplace.taxonomy.queries import field_groups, region_choices, tag_choices


class EmailSettingsForm(FlaskForm):
    """One checkbox per event; an unticked box (not posted) means no e-mail."""

    events = SelectMultipleField("邮件提醒", choices=choices(EVENTS.items()),
                                 validate_choice=False)

    def load(self, settings: dict[str, bool]) -> None:
        self.events.data = [event for event, enabled in settings.items() if enabled]


class SubscriptionForm(FlaskForm):
    field_ids = SelectMultipleField("领域", validate_choice=False)
    tag_ids = SelectMultipleField("标签", validate_choice=False)
    region_codes = SelectMultipleField("地区", validate_choice=False,
                                       render_kw={"size": 12})
    match_products = BooleanField("按本单位已发布产品的推荐匹配")
    frequency = RadioField("推送频率", choices=choices(FREQUENCIES.items()),
                           validate_choice=False, default="weekly")

    def fill_choices(self) -> None:
        # A group's own id stands for every field in it ("全部…").
        self.field_groups = {
            group.name: [(group.id, f"全部{group.name}")]
            + [(f.id, f.name) for f in group.children if f.is_active]
            for group in field_groups()}
        self.tag_groups = tag_choices()
        self.region_codes.choices = choices(region_choices())

    def load(self, subscription) -> None:
        self.field_ids.data = [str(v) for v in subscription.field_ids or []]
        self.tag_ids.data = [str(v) for v in subscription.tag_ids or []]
        self.region_codes.data = list(subscription.region_codes or [])
        self.match_products.data = subscription.match_products
        self.frequency.data = subscription.frequency
