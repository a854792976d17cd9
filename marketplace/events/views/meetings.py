"""Event routes: meetings."""
from marketplace.events.views import bp  # noqa: F401
