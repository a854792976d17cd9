"""Event routes: outcomes."""
from marketplace.events.views import bp  # noqa: F401
