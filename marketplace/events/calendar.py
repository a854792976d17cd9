"""An event as an iCalendar file (RFC 5545, written with ``icalendar``): one VEVENT with
a stable UID, its times in UTC, the venue (or the online link) as LOCATION, the event
page as URL and the summary as DESCRIPTION."""
from datetime import timezone

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from marketplace.db import utcnow
from marketplace.events.models import Event

PRODID = "-//场景对接平台//活动//ZH"


def _utc(value):
    return value.replace(tzinfo=timezone.utc)


def ics(event: Event, page_url: str, host: str) -> bytes:
    """The calendar file of ``event``; ``page_url`` is its public page, ``host`` names
    the platform in the UID (so that calendars recognise the event when it changes)."""
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.id}@{host}")
    entry.add("dtstamp", _utc(utcnow()))
    entry.add("dtstart", _utc(event.starts_at))
    entry.add("dtend", _utc(event.ends_at))
    entry.add("summary", f"【{event.kind_label}】{event.title}")
    entry.add("location", event.venue or event.online_url or "线上")
    entry.add("url", page_url)
    lines = [event.summary] if event.summary else []
    if event.online_url:
        lines.append(f"线上参会：{event.online_url}")
    lines.append(f"活动详情与报名：{page_url}")
    entry.add("description", "\n\n".join(lines))
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    return calendar.to_ical()
