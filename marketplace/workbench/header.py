"""The header's two numbers on every signed-in page: what waits in the workbench (工作台)
and unread notifications (通知).

Counting them is one statement, but a large one (every workbench section's SELECT as a
subquery): building and planning it was about a third of a signed-in list page's CPU.
So a user's numbers are kept in their signed session cookie, which follows them across
server processes, for HEADER_COUNTS_SECONDS (0: counted on every page), and counted
afresh:
- after any request of theirs that may have changed something (every method but GET,
  HEAD and OPTIONS), so their own work shows at once;
- on the workbench and notifications pages, whose lists the numbers count;
- once the time has passed, so what others did for them (a proposal received, a
  notification) shows within that time.
"""
import time

from flask import current_app, has_request_context, request, session
from flask_login import current_user

from marketplace.db import READ_ONLY_METHODS
from marketplace.workbench import queries

KEPT = "_header_counts"  # session key: [user id, pending, unread, counted at (epoch s)]
# The pages that list what the numbers count show them counted with the page.
COUNTED_WITH_PAGE = frozenset({"workbench.index", "notifications.index"})


def header_context() -> dict:
    """Context processor (wired in marketplace.web): the signed-in user's numbers for the
    header's 工作台 and 通知 links. E-mails render without context processors
    (notifications.services._render), so they never pay for them."""
    if not has_request_context() or not current_user.is_authenticated:
        return {"workbench_pending": 0, "unread_notifications": 0}
    counts = _kept() if request.endpoint not in COUNTED_WITH_PAGE else None
    if counts is None:
        counts = queries.header_counts(current_user)
        _keep(counts)
    return {"workbench_pending": counts.pending, "unread_notifications": counts.unread}


def forget_after_writes() -> None:
    """Before each request: a request that may change data drops the kept numbers."""
    if request.method not in READ_ONLY_METHODS and KEPT in session:
        session.pop(KEPT)


def _kept() -> queries.HeaderCounts | None:
    kept, seconds = session.get(KEPT), current_app.config["HEADER_COUNTS_SECONDS"]
    if (not isinstance(kept, list) or len(kept) != 4
            or not all(isinstance(value, int) for value in kept)):
        return None
    user_id, pending, unread, counted_at = kept
    if user_id != current_user.id or not 0 <= time.time() - counted_at < seconds:
        return None
    return queries.HeaderCounts(pending, unread)


def _keep(counts: queries.HeaderCounts) -> None:
    if current_app.config["HEADER_COUNTS_SECONDS"] > 0:
        session[KEPT] = [current_user.id, counts.pending, counts.unread, int(time.time())]
