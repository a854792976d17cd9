"""Event routes: checkin."""
from marketplace.events.views import bp  # noqa: F401
