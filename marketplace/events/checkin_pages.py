"""What the checkin part of the events feature adds to the event page and to the
organizers' page (rendered by templates/events/_detail_checkin.html and
_manage_checkin.html)."""


def detail_part(user, event) -> dict:
    """Context for the event page's checkin section, for user (maybe anonymous)."""
    return {}


def manage_part(user, event) -> dict:
    """Context for the organizers' page's checkin section."""
    return {}
