"""The events blueprint. Its routes are split by what they serve: the public pages and
registration (``public``), the organizers' pages (``manage``), 1:1 meetings and agendas
(``meetings``), check-in (``checkin``) and outcomes (``outcomes``)."""
from flask import Blueprint

bp = Blueprint("events", __name__)

from marketplace.events.views import checkin, manage, meetings, outcomes, public  # noqa: E402,F401
