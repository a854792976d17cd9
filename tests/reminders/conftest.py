"""The reminders and digests are read in the notifications' small world (see
tests/notifications/conftest.py): the same organizations, listings and inbox helpers."""
from tests.notifications.conftest import world  # noqa: F401  (the fixture)
