"""What the outcome part of the events feature adds to the event page and to the
organizers' page (rendered by templates/events/_detail_outcome.html and
_manage_outcome.html)."""


def detail_part(user, event) -> dict:
    """Context for the event page's outcome section, for user (maybe anonymous)."""
    return {}


def manage_part(user, event) -> dict:
    """Context for the organizers' page's outcome section."""
    return {}
