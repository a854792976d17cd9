"""What the meeting part of the events feature adds to the event page and to the
organizers' page (rendered by templates/events/_detail_meeting.html and
_manage_meeting.html)."""


def detail_part(user, event) -> dict:
    """Context for the event page's meeting section, for user (maybe anonymous)."""
    return {}


def manage_part(user, event) -> dict:
    """Context for the organizers' page's meeting section."""
    return {}
