"""What notifications show on every page: the header's unread count."""
from flask import has_request_context
from flask_login import current_user

from marketplace.notifications import queries


def header_context() -> dict:
    """Context processor (wired in marketplace.web): the signed-in user's unread count,
    counted before the page renders. E-mails render without context processors
    (services._render), so they never pay for it."""
    if not has_request_context() or not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": queries.unread_count(current_user)}
