"""The events part of the authorization matrix (run by tests/test_authz_matrix.py with
the cases of tests/authz_cases.py and the pages of tests/authz_pages.py): the same roles,
world and conventions. The world's things lie in REGION, so the region administrator
organizes its events and the other region's administrator does not.

One section per part of the feature; each ends in its lists of POST cases and GET pages.
"""
from tests.authz_cases import Case  # noqa: F401
from tests.authz_pages import Page  # noqa: F401

# --- events and registration (views/public.py, views/manage.py) ------------------------
CORE_CASES: list = []
CORE_PAGES: list = []


# --- 1:1 meetings and agendas (views/meetings.py) ---------------------------------------
MEETING_CASES: list = []
MEETING_PAGES: list = []


# --- check-in, roadshow order, exports (views/checkin.py) -------------------------------
# A 产品路演 of REGION where the owner enterprise registered (confirmed) with one
# attendee holding a short code. Staff pages are the organizers' (platform, the
# region's administrator); others signed in may know the event, so they get a 403. A
# ticket is its organization's and the organizers' only: a 404 for everyone else.
# (Imports here rather than at the top, so that each part's section stays its own.)
from marketplace.events import checkin  # noqa: E402
from marketplace.events.models import Attendee, Registration  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from tests.authz_cases import (  # noqa: E402
    OWNERS, PLATFORM, REGION_ADMIN, SIGNED_IN, Target, reloaded)
from tests.authz_pages import has, titled  # noqa: E402
from tests.events.checkin_helpers import registered  # noqa: E402

ORGANIZERS = PLATFORM | REGION_ADMIN


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
    Page("events.signin_sheet", ORGANIZERS, _event_of_the_day,
         titled("签到表：授权矩阵路演"), forbidden=_NOT_ORGANIZERS),
    Page("events.ticket", OWNERS | ORGANIZERS, _ticket, titled("参会凭证：矩阵参会人")),
]


# --- outcomes: ratings, signings, report (views/outcomes.py) ----------------------------
OUTCOME_CASES: list = []
OUTCOME_PAGES: list = []


EVENT_CASES = CORE_CASES + MEETING_CASES + CHECKIN_CASES + OUTCOME_CASES
EVENT_PAGES = CORE_PAGES + MEETING_PAGES + CHECKIN_PAGES + OUTCOME_PAGES
