"""The events part of the authorization matrix (run by tests/test_authz_matrix.py with
the cases of tests/authz_cases.py and the pages of tests/authz_pages.py): the same roles,
world and conventions. The world's things lie in REGION, so the region administrator
organizes its events and the other region's administrator does not.

One section per part of the feature; each ends in its lists of POST cases and GET pages.
"""
import sqlalchemy as sa

from marketplace.db import beijing_today
from marketplace.events.models import Event, MeetingRating, Registration
from marketplace.extensions import db
from marketplace.matching.models import Match
from tests.authz_cases import (  # noqa: F401
    BOTH_SIDES, OTHERS, PLATFORM, REGION_ADMIN, SIGNED_IN, Case, Target, reloaded)
from tests.authz_pages import Page, _is_workbook, has, titled  # noqa: F401

# --- events and registration (views/public.py, views/manage.py) ------------------------
CORE_CASES: list = []
CORE_PAGES: list = []


# --- 1:1 meetings and agendas (views/meetings.py) ---------------------------------------
MEETING_CASES: list = []
MEETING_PAGES: list = []


# --- check-in, roadshow order, exports (views/checkin.py) -------------------------------
CHECKIN_CASES: list = []
CHECKIN_PAGES: list = []


# --- outcomes: ratings, signings, report (views/outcomes.py) ----------------------------
# An event of REGION that ended yesterday: the owner (an enterprise) and the counterpart (a
# department) met at its first slot; the other enterprise took part but not in that
# meeting. Only the two sides rate it (the other enterprise and the organizers are told
# why not, 403; others do not learn of the meeting, 404); the report, signings and
# minutes are the organizers' (REGION's administrator and the platform's).
OUTCOME_EVENT = "授权矩阵活动"
ORGANIZERS = PLATFORM | REGION_ADMIN


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
