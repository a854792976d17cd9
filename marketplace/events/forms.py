"""WTForms of the events feature, one section per part."""
from flask_wtf import FlaskForm  # noqa: F401
from wtforms import (  # noqa: F401
    BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField,
    SelectMultipleField, StringField, TextAreaField)

# --- events and registration ------------------------------------------------------------


# --- 1:1 meetings -----------------------------------------------------------------------
class MeetingRequestForm(FlaskForm):
    """Ask a participant of the other side for a meeting (services check everything)."""
    recipient_id = HiddenField()
    reason = TextAreaField("约见事由", render_kw={"maxlength": 200, "rows": 2})


class RequestAnswerForm(FlaskForm):
    decision = HiddenField()


class MeetingPlaceForm(FlaskForm):
    """Where a meeting goes: a slot (``"<session>-<slot>"``) and a table (from 1)."""
    slot = SelectField("时段", validate_choice=False)
    table = StringField("桌号", render_kw={"inputmode": "numeric", "size": 3})


class AddMeetingForm(MeetingPlaceForm):
    demand_id = SelectField("需求方", validate_choice=False)
    supply_id = SelectField("供给方", validate_choice=False)




# --- check-in and roadshow --------------------------------------------------------------


# --- outcomes ---------------------------------------------------------------------------
