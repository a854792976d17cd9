"""Event routes: public."""
from marketplace.events.views import bp  # noqa: F401
