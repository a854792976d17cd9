"""WTForms of the events feature, one section per part."""
from flask_wtf import FlaskForm
from wtforms import (BooleanField, HiddenField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)

from marketplace.events.outcomes import MINUTES_MAX
from marketplace.forms import limited

# --- events and registration ------------------------------------------------------------
# Times are typed in Beijing time (datetime-local); pages.event_data converts them to UTC.
# Numbers and times are StringFields: the services check them, in Chinese, at the field.
_WHEN = {"type": "datetime-local"}
_NUMBER = {"inputmode": "numeric", "class": "input--short"}
SESSION_ROWS = 4


class EventForm(FlaskForm):
    kind = SelectField("活动类型", validate_choice=False)
    title = StringField("活动名称", render_kw={"maxlength": 120})
    summary = TextAreaField("活动简介", **limited(5000, rows=5))
    region_code = SelectField("地区", validate_choice=False)
    venue = StringField("地点", **limited(200, placeholder="如：红谷滩区会展中心 3 楼报告厅"))
    online_url = StringField("线上链接", render_kw={"maxlength": 300, "type": "url",
                                                "placeholder": "https://"})
    starts_at = StringField("开始时间", render_kw=_WHEN)
    ends_at = StringField("结束时间", render_kw=_WHEN)
    registration_opens_at = StringField("报名开始时间", render_kw=_WHEN)
    registration_closes_at = StringField("报名截止时间", render_kw=_WHEN)
    capacity = StringField("名额（人）", render_kw=_NUMBER)
    requires_approval = BooleanField("报名需组织方审核")
    offer_hours = StringField("候补确认时限（小时）", default="24", render_kw=_NUMBER)
    field_ids = SelectMultipleField("场景领域", validate_choice=False)
    themes = StringField("主题标签", render_kw={"maxlength": 120,
                                             "placeholder": "如：城市治理、低空经济"})
    release_ids = SelectMultipleField("发布的清单批次", validate_choice=False,
                                      render_kw={"size": 5})
    opportunity_ids = SelectMultipleField("推介的机会清单", validate_choice=False,
                                          render_kw={"size": 8})
    slot_minutes = SelectField("每个洽谈时段", validate_choice=False, default="20")
    tables = StringField("洽谈桌数", default="0", render_kw=_NUMBER)
    meeting_limit = StringField("每个单位最多洽谈场数", default="6", render_kw=_NUMBER)
    sessions = StringField("洽谈场次")  # rows session_start-N / session_slots-N / session_breaks-N

    @staticmethod
    def session_rows(formdata) -> list[dict]:
        """The session rows posted, blank ones too (messages name a row by its place;
        times as typed, in Beijing time)."""
        return [{"starts_at": formdata.get(f"session_start-{index}", ""),
                 "slots": formdata.get(f"session_slots-{index}", ""),
                 "breaks": formdata.get(f"session_breaks-{index}", "")}
                for index in range(SESSION_ROWS)]


class RegistrationForm(FlaskForm):
    attendees = StringField("参会人员")  # rows attendee_name-N / attendee_title-N
    listing_ids = SelectMultipleField("带来的清单", validate_choice=False)

    @staticmethod
    def attendee_rows(formdata, count: int) -> list[dict]:
        rows = []
        for index in range(count):
            name = formdata.get(f"attendee_name-{index}", "")
            title = formdata.get(f"attendee_title-{index}", "")
            if name.strip() or title.strip():
                rows.append({"name": name, "title": title})
        return rows


class DeclineForm(FlaskForm):
    reason = TextAreaField("未通过原因", **limited(500, rows=2))


class MoveForm(FlaskForm):
    target = HiddenField()



# --- 1:1 meetings -----------------------------------------------------------------------
class MeetingRequestForm(FlaskForm):
    """Ask a participant of the other side for a meeting (services check everything)."""
    recipient_id = HiddenField()
    reason = TextAreaField("约见事由", **limited(200, rows=2))


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
# Values are checked by events.outcomes (Chinese messages at the fields); the forms carry
# CSRF and the choices offered. (Imports here keep the sections apart.)
from wtforms import RadioField  # noqa: E402

from marketplace.events.models import RATINGS  # noqa: E402
from marketplace.forms import choices  # noqa: E402


class RateForm(FlaskForm):
    rating = RadioField("对这场会谈的评价", choices=choices(RATINGS.items()),
                        validate_choice=False)
    note = TextAreaField("备注（选填，仅组织方可见）", **limited(500))


class SigningForm(FlaskForm):
    opportunity_id = SelectField("本次活动的机会", validate_choice=False)
    opportunity_number = StringField("或填写机会编号")
    supplier_id = SelectField("本次活动的供给方", validate_choice=False)
    supplier_name = StringField("或填写单位全称")
    product_id = SelectField("产品（选填）", validate_choice=False)
    contract_amount_wan = StringField("合同金额（万元）")
    contract_date = StringField("签约日期", render_kw={"type": "date"})
    demand_discloses_amount = BooleanField("需求方同意公开合同金额")
    supply_discloses_amount = BooleanField("供给方同意公开合同金额")


class MinutesForm(FlaskForm):
    minutes = TextAreaField("会议纪要", **limited(MINUTES_MAX, rows=16))
