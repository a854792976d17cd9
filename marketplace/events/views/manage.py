"""Event routes: manage."""
from marketplace.events.views import bp  # noqa: F401
