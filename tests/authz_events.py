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
CHECKIN_CASES: list = []
CHECKIN_PAGES: list = []


# --- outcomes: ratings, signings, report (views/outcomes.py) ----------------------------
OUTCOME_CASES: list = []
OUTCOME_PAGES: list = []


EVENT_CASES = CORE_CASES + MEETING_CASES + CHECKIN_CASES + OUTCOME_CASES
EVENT_PAGES = CORE_PAGES + MEETING_PAGES + CHECKIN_PAGES + OUTCOME_PAGES
