"""WTForms of the events feature, one section per part."""
from flask_wtf import FlaskForm  # noqa: F401
from wtforms import (  # noqa: F401
    BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField,
    SelectMultipleField, StringField, TextAreaField)

# --- events and registration ------------------------------------------------------------


# --- 1:1 meetings -----------------------------------------------------------------------


# --- check-in and roadshow --------------------------------------------------------------
class CheckinForm(FlaskForm):
    """Staff at the door: a typed short code, or the token a scanner read."""

    code = StringField("签到码", render_kw={
        "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
        "maxlength": 300, "inputmode": "text"})
    token = HiddenField()


class RoadshowOrderForm(FlaskForm):
    """One place per presenting registration (fields ``order-<registration id>``)."""


def roadshow_order_form(registrations) -> RoadshowOrderForm:
    """A form with a place field for each of ``registrations`` (in their current order),
    labelled with the enterprise's name."""
    form_class = type("RoadshowOrder", (RoadshowOrderForm,), {
        f"order-{r.id}": StringField(r.organization.name, default=str(place), render_kw={
            "inputmode": "numeric", "maxlength": 3, "class": "input--place"})
        for place, r in enumerate(registrations, start=1)})
    return form_class()


def places(form: RoadshowOrderForm) -> dict[str, str]:
    """Registration id → the place typed for it."""
    return {name.removeprefix("order-"): field.data or ""
            for name, field in form._fields.items() if name.startswith("order-")}



# --- outcomes ---------------------------------------------------------------------------
