"""The events part of the authorization matrix (run by tests/test_authz_matrix.py with
the cases of tests/authz_cases.py and the pages of tests/authz_pages.py): the same roles,
world and conventions. The world's things lie in REGION, so the region administrator
organizes its events and the other region's administrator does not.

One section per part of the feature; each ends in its lists of POST cases and GET pages.
"""
from datetime import timedelta

import sqlalchemy as sa

from marketplace.db import beijing_today, utcnow
from marketplace.events import checkin, meeting_schedule, meetings
from marketplace.events import services as events
from marketplace.events.models import (
    Attendee, Event, Meeting, MeetingRating, MeetingRequest, Registration)
from marketplace.extensions import db
from marketplace.matching.models import Match
from tests.authz_cases import (  # noqa: F401
    ADMINS, BOTH_SIDES, OTHERS, OWNERS, PLATFORM, REGION, REGION_ADMIN, SIGNED_IN, Case,
    Target, _status_is, reloaded)
from tests.authz_pages import (  # noqa: F401
    EVERYONE, ORGANIZATIONS, Page, _is_workbook, has, no_values, title_has, titled)
from tests.events.checkin_helpers import registered
from tests.events.meeting_world import set_up_meetings

# --- events and registration (views/public.py, views/manage.py) ------------------------
EVENT = "授权矩阵活动"  # the title of every arranged event
ATTENDEE = "授权矩阵参会人"
ORGANIZERS = PLATFORM | REGION_ADMIN  # of the world's events, all in REGION
NOT_ORGANIZERS = ORGANIZATIONS | {"other_region_admin"}


def _event(w, **overrides) -> Event:
    """An event of REGION made by the platform admin, registration open."""
    return w.make.event(w.admin, title=EVENT, **overrides)


def _registration(w, status: str) -> Registration:
    """The owner's registration of an event, taken to ``status`` through the services:
    confirmed; pending (the event needs approval); waitlisted (a single seat, taken by
    another organization first); offered (that seat then freed)."""
    if status == "pending":
        return w.make.registration(_event(w, requires_approval="1"), w.owner, (ATTENDEE,))
    if status == "confirmed":
        return w.make.registration(_event(w), w.owner, (ATTENDEE,))
    event = _event(w, capacity="1")
    holder = w.make.org()
    seat = w.make.registration(event, holder)
    registration = w.make.registration(event, w.owner, (ATTENDEE,))
    if status == "offered":
        events.cancel(holder.users[0], seat)
        db.session.commit()
    assert registration.status == status
    return registration


def _event_form(title: str, region: str = REGION) -> dict:
    beijing = utcnow().replace(second=0, microsecond=0) + timedelta(hours=8)

    def at(days: float) -> str:
        return (beijing + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")
    return {"kind": "salon", "title": title, "region_code": region, "venue": "会展中心",
            "starts_at": at(10), "ends_at": at(10.1), "registration_opens_at": at(-1),
            "registration_closes_at": at(9), "capacity": "20", "offer_hours": "24"}


def _titled_event(title: str):
    return lambda actor: db.session.scalar(sa.select(Event.id).where(Event.title == title))


def _register(w):
    event = _event(w)

    def check(actor):  # in the actor's organization's name
        return db.session.scalar(sa.select(Registration.id).where(
            Registration.event_id == event.id,
            Registration.organization_id == actor.organization_id))
    return Target({"event_id": event.id}, {"attendee_name-0": ATTENDEE}, check)


def _create_event(w):
    return Target({}, _event_form("授权矩阵新活动"), _titled_event("授权矩阵新活动"))


def _edit_event(w):
    event = _event(w)
    return Target({"event_id": event.id}, _event_form("授权矩阵改名活动"),
                  _titled_event("授权矩阵改名活动"))


def _registration_action(status: str, after: str, data: dict | None = None):
    def arrange(w):
        registration = _registration(w, status)
        return Target({"registration_id": registration.id}, data or {},
                      _status_is(registration, after))
    return arrange


def _event_page(w) -> dict:
    return {"event_id": _event(w).id}


def _is_calendar(response) -> bool:
    return response.mimetype == "text/calendar" and EVENT in response.get_data(as_text=True)


CORE_CASES: list = [
    Case("events.register", ORGANIZATIONS, _register),
    Case("events.cancel", OWNERS | ORGANIZERS,
         _registration_action("confirmed", "cancelled")),
    Case("events.confirm", OWNERS | ORGANIZERS, _registration_action("offered", "confirmed")),
    Case("events.create", ORGANIZERS, _create_event),
    Case("events.edit", ORGANIZERS, _edit_event),
    Case("events.approve", ORGANIZERS, _registration_action("pending", "confirmed")),
    Case("events.decline", ORGANIZERS,
         _registration_action("pending", "declined", {"reason": "授权矩阵原因"})),
    Case("events.move", ORGANIZERS,
         _registration_action("offered", "waitlisted", {"target": "waitlisted"})),
]
CORE_PAGES: list = [
    Page("events.index", EVERYONE, _event_page, has(EVENT), public=True),
    Page("events.detail", EVERYONE, _event_page, titled(EVENT), public=True),
    Page("events.ics", EVERYONE, _event_page, _is_calendar, public=True),
    Page("events.register", ORGANIZATIONS, _event_page, titled(f"报名：{EVENT}"),
         forbidden=ADMINS),
    Page("events.mine", ORGANIZATIONS, no_values, titled("本单位的活动报名"),
         redirected=ADMINS),
    Page("events.manage_list", ADMINS, no_values, titled("活动组织"),
         forbidden=ORGANIZATIONS),
    Page("events.create", ADMINS, no_values, titled("发布活动"), forbidden=ORGANIZATIONS),
    Page("events.edit", ORGANIZERS, _event_page, titled(f"修改活动：{EVENT}"),
         forbidden=NOT_ORGANIZERS),
    Page("events.manage", ORGANIZERS, _event_page, titled(f"管理报名：{EVENT}"),
         forbidden=NOT_ORGANIZERS),
]


# --- 1:1 meetings and agendas (views/meetings.py) ---------------------------------------
# A 供需对接会 of REGION where the owner (an enterprise: 供给方) and the counterpart (a
# department: 需求方) are confirmed participants. Participants act only for their own
# registration; the event's organizers (platform admin, 红谷滩区's administrator) build,
# edit, publish and print the schedule and may look at any participant's pages.


def _fair(w, meeting: bool = False, published: bool = False):
    """(event, the owner's registration, the counterpart's registration)."""
    event = set_up_meetings(w.make.event(w.admin), sessions=((4, "3"),), tables=2, limit=3)
    owner = w.make.registration(event, w.owner)
    counterpart = w.make.registration(event, w.counterpart)
    if meeting or published:
        meeting_schedule.add_meeting(w.admin, event, {
            "demand_id": str(counterpart.id), "supply_id": str(owner.id), "slot": "0-0",
            "table": "1"})
    if published:
        meeting_schedule.publish_schedule(w.admin, event, "preliminary")
    db.session.commit()
    return event, owner, counterpart


def _asked(w, sender_is_owner: bool):
    event, owner, counterpart = _fair(w)
    sender, recipient = (owner, counterpart) if sender_is_owner else (counterpart, owner)
    user = sender.organization.users[0]
    request = meetings.request_meeting(user, sender, {"recipient_id": str(recipient.id),
                                                      "reason": "授权矩阵约见"})
    db.session.commit()
    return request


def _request_status(request_id: int, status: str):
    return lambda actor: reloaded(MeetingRequest, request_id).status == status


def request_meeting(w):
    _, owner, counterpart = _fair(w)
    ident = owner.id

    def check(actor):
        return db.session.scalar(sa.select(MeetingRequest).where(
            MeetingRequest.sender_id == ident, MeetingRequest.reason == "授权矩阵约见"))
    return Target({"registration_id": ident},
                  {"recipient_id": str(counterpart.id), "reason": "授权矩阵约见"}, check)


def answer_request(w):
    request = _asked(w, sender_is_owner=False)
    return Target({"request_id": request.id}, {"decision": "accept"},
                  _request_status(request.id, "accepted"))


def withdraw_request(w):
    request = _asked(w, sender_is_owner=True)
    return Target({"request_id": request.id}, {}, _request_status(request.id, "withdrawn"))


def build(w):
    request = _asked(w, sender_is_owner=True)
    meetings.answer_request(request.recipient.organization.users[0], request, "accept")
    db.session.commit()
    event_id = request.event_id

    def check(actor):
        return db.session.scalar(sa.select(Meeting).where(Meeting.event_id == event_id,
                                                          Meeting.kind == "request"))
    return Target({"event_id": event_id}, {}, check)


def add_meeting(w):
    event, owner, counterpart = _fair(w)
    event_id = event.id
    return Target({"event_id": event_id}, {"demand_id": str(counterpart.id),
                                           "supply_id": str(owner.id), "slot": "0-1",
                                           "table": "2"},
                  lambda actor: db.session.scalar(sa.select(Meeting).where(
                      Meeting.event_id == event_id, Meeting.slot == 1)))


def _the_meeting(w, published=False) -> Meeting:
    event, _, _ = _fair(w, meeting=True, published=published)
    return db.session.scalar(sa.select(Meeting).where(Meeting.event_id == event.id))


def move_meeting(w):
    meeting = _the_meeting(w)
    ident = meeting.id
    return Target({"meeting_id": ident}, {"slot": "0-2", "table": "2"},
                  lambda actor: (reloaded(Meeting, ident).slot,
                                 reloaded(Meeting, ident).table_number) == (2, 1))


def remove_meeting(w):
    ident = _the_meeting(w).id
    return Target({"meeting_id": ident}, {}, lambda actor: reloaded(Meeting, ident) is None)


def publish(w):
    meeting = _the_meeting(w)
    event_id = meeting.event_id
    return Target({"event_id": event_id}, {"stage": "final"},
                  lambda actor: reloaded(Event, event_id).schedule_status == "final")


MEETING_CASES: list = [
    Case("events.request_meeting", OWNERS, request_meeting),
    Case("events.answer_meeting_request", OWNERS, answer_request),
    Case("events.withdraw_meeting_request", OWNERS, withdraw_request),
    Case("events.build_schedule", ORGANIZERS, build),
    Case("events.add_meeting", ORGANIZERS, add_meeting),
    Case("events.move_meeting", ORGANIZERS, move_meeting),
    Case("events.remove_meeting", ORGANIZERS, remove_meeting),
    Case("events.publish_schedule", ORGANIZERS, publish),
]


def _own_registration(published: bool):
    def arrange(w):
        _, owner, _ = _fair(w, published=published)
        return {"registration_id": owner.id}
    return arrange


def _event_of_fair(w):
    event, _, _ = _fair(w, meeting=True)
    return {"event_id": event.id}


def _is_calendar(response) -> bool:
    return (response.mimetype == "text/calendar"
            and response.get_data().startswith(b"BEGIN:VCALENDAR"))


MEETING_PAGES: list = [
    Page("events.meetings", OWNERS | ORGANIZERS, _own_registration(False),
         title_has("一对一会谈")),
    Page("events.agenda", OWNERS | ORGANIZERS, _own_registration(True),
         title_has("会谈日程")),
    Page("events.agenda_ics", OWNERS | ORGANIZERS, _own_registration(True), _is_calendar),
    Page("events.agenda_print", OWNERS | ORGANIZERS, _own_registration(True),
         title_has("打印版")),
    Page("events.schedule", ORGANIZERS, _event_of_fair, title_has("会谈日程编排")),
    Page("events.print_tables", ORGANIZERS, _event_of_fair, title_has("各桌会谈安排")),
    Page("events.print_participants", ORGANIZERS, _event_of_fair,
         title_has("各单位会谈日程")),
]


# --- check-in, roadshow order, exports (views/checkin.py) -------------------------------
# A 产品路演 of REGION where the owner enterprise registered (confirmed) with one
# attendee holding a short code. Staff pages are the organizers' (platform, the
# region's administrator); others signed in may know the event, so they get a 403. A
# ticket is its organization's and the organizers' only: a 404 for everyone else.


def _day(w):
    event = w.make.event(w.admin, kind="roadshow", title="授权矩阵路演")
    registration = registered(w.make, event, w.owner, ("矩阵参会人",))
    return event, registration


def _check_in(w):
    event, registration = _day(w)
    attendee = registration.attendees[0]
    return Target({"event_id": event.id}, {"code": attendee.code.lower()},
                  lambda actor: reloaded(Attendee, attendee.id).checked_in_by_id == actor.id)


def _undo_check_in(w):
    event, registration = _day(w)
    attendee = registration.attendees[0]
    checkin.check_in(w.admin, event, code=attendee.code)
    db.session.commit()
    return Target({"event_id": event.id, "attendee_id": attendee.id}, {},
                  lambda actor: reloaded(Attendee, attendee.id).checked_in_at is None)


def _roadshow_order(w):
    event, owner = _day(w)
    other = registered(w.make, event, w.other, ("另一位参会人",))

    def check(actor):
        db.session.expire_all()
        return (db.session.get(Registration, owner.id).presentation_order,
                db.session.get(Registration, other.id).presentation_order) == (2, 1)
    return Target({"event_id": event.id}, {f"order-{owner.id}": "2", f"order-{other.id}": "1"},
                  check)


def _event_of_the_day(w) -> dict:
    return {"event_id": _day(w)[0].id}


def _ticket(w) -> dict:
    return {"attendee_id": _day(w)[1].attendees[0].id}


CHECKIN_CASES: list = [
    Case("events.check_in", ORGANIZERS, _check_in),
    Case("events.checkin_undo", ORGANIZERS, _undo_check_in),
    Case("events.roadshow_save", ORGANIZERS, _roadshow_order),
]
_NOT_ORGANIZERS = SIGNED_IN - ORGANIZERS
CHECKIN_PAGES: list = [
    Page("events.checkin_page", ORGANIZERS, _event_of_the_day,
         titled("现场签到：授权矩阵路演"), forbidden=_NOT_ORGANIZERS),
    Page("events.checkin_live", ORGANIZERS, _event_of_the_day, has('"registered":1'),
         forbidden=_NOT_ORGANIZERS),
    Page("events.roadshow_page", ORGANIZERS, _event_of_the_day,
         titled("路演顺序：授权矩阵路演"), forbidden=_NOT_ORGANIZERS),
    Page("events.participants_export", ORGANIZERS, _event_of_the_day,
         lambda r: r.mimetype.endswith("spreadsheetml.sheet"), forbidden=_NOT_ORGANIZERS),
    Page("events.participants_csv", ORGANIZERS, _event_of_the_day,
         lambda r: r.mimetype == "text/csv", forbidden=_NOT_ORGANIZERS),
    Page("events.signin_sheet", ORGANIZERS, _event_of_the_day,
         titled("签到表：授权矩阵路演"), forbidden=_NOT_ORGANIZERS),
    Page("events.ticket", OWNERS | ORGANIZERS, _ticket, titled("参会凭证：矩阵参会人")),
]


# --- outcomes: ratings, signings, report (views/outcomes.py) ----------------------------
# An event of REGION that ended yesterday: the owner (an enterprise) and the counterpart (a
# department) met at its first slot; the other enterprise took part but not in that
# meeting. Only the two sides rate it (the other enterprise and the organizers are told
# why not, 403; others do not learn of the meeting, 404); the report, signings and
# minutes are the organizers' (REGION's administrator and the platform's).
OUTCOME_EVENT = "授权矩阵活动"


def _held_event(w, kind: str = "matchmaking"):
    event = w.make.event(kind=kind, title=OUTCOME_EVENT)
    demand = w.make.registration(event, w.counterpart)
    supply = w.make.registration(event, w.owner)
    w.make.registration(event, w.other)
    meeting = w.make.meeting(demand, supply)
    w.make.age_event(event)
    return event, meeting


def _rating(w):
    event, meeting = _held_event(w)

    def check(actor):
        return db.session.scalar(
            sa.select(MeetingRating.id).join(Registration,
                                             Registration.id == MeetingRating.registration_id)
            .where(MeetingRating.meeting_id == meeting.id,
                   Registration.organization_id == actor.organization_id))
    return Target({"event_id": event.id, "meeting_id": meeting.id},
                  {"rating": "informative", "note": "授权矩阵评价"}, check)


def _signing(w):
    event, _ = _held_event(w, "signing")
    opportunity = w.make.opportunity(w.counterpart, status="published")

    def check(actor):
        match = db.session.scalar(sa.select(Match).where(
            Match.opportunity_id == opportunity.id, Match.supplier_id == w.owner.id))
        return match is not None and match.stage == "signed"
    return Target({"event_id": event.id},
                  {"opportunity_id": str(opportunity.id), "supplier_id": str(w.owner.id),
                   "contract_amount_wan": "100", "contract_date": beijing_today().isoformat()},
                  check)


def _minutes(w):
    event, _ = _held_event(w)
    ident = event.id
    return Target({"event_id": ident}, {"minutes": "授权矩阵纪要"},
                  lambda actor: reloaded(Event, ident).minutes == "授权矩阵纪要")


def _meeting_page(w):
    event, meeting = _held_event(w)
    return {"event_id": event.id, "meeting_id": meeting.id}


def _event_page(kind: str = "matchmaking"):
    def arrange(w):
        return {"event_id": _held_event(w, kind)[0].id}
    return arrange


def _organizers_page(endpoint: str, shows, kind: str = "matchmaking") -> Page:
    """An organizers' page of the event: others may know the (public) event, not use it."""
    return Page(endpoint, ORGANIZERS, _event_page(kind), shows,
                forbidden=SIGNED_IN - ORGANIZERS)


OUTCOME_CASES: list = [
    Case("events.rate_meeting", BOTH_SIDES, _rating),
    Case("events.signings", ORGANIZERS, _signing),
    Case("events.minutes", ORGANIZERS, _minutes),
]
OUTCOME_PAGES: list = [
    Page("events.rate_meeting", BOTH_SIDES, _meeting_page, has("对这场会谈的评价"),
         forbidden=OTHERS | ORGANIZERS),
    _organizers_page("events.event_report", titled(f"活动报告：{OUTCOME_EVENT}")),
    _organizers_page("events.event_report_xlsx", _is_workbook),
    _organizers_page("events.signings", titled(f"签约项目：{OUTCOME_EVENT}"), "signing"),
    _organizers_page("events.minutes", titled(f"会议纪要：{OUTCOME_EVENT}")),
]


EVENT_CASES = CORE_CASES + MEETING_CASES + CHECKIN_CASES + OUTCOME_CASES
EVENT_PAGES = CORE_PAGES + MEETING_PAGES + CHECKIN_PAGES + OUTCOME_PAGES
