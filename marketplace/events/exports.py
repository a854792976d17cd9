"""Exports for the day of an event: the participant list (.xlsx, openpyxl through
marketplace.spreadsheets, every cell neutralised against formula injection) and the rows
of the printable sign-in sheet. Reads only: like the other exports (releases,
proposals, reports) a download is a GET and is not audited."""
import re

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marketplace import audit
from marketplace.db import beijing_text
from marketplace.events.models import Registration
from marketplace.extensions import db
from marketplace.spreadsheets import csv_bytes, workbook_bytes

HEADERS = ("单位", "类型", "状态", "参会人", "职务", "签到码", "签到时间", "带来的机会/产品")
WIDTHS = (30, 8, 10, 12, 16, 10, 18, 50)
# Control characters that .xlsx (XML) cannot hold; openpyxl refuses them (as its
# ILLEGAL_CHARACTERS_RE). Attendee names are typed by hand and could carry one.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Confirmed first, then those still waiting, then the rest.
STATUS_ORDER = ("confirmed", "pending", "offered", "waitlisted", "declined", "cancelled")


def _registrations(event, statuses=None) -> list[Registration]:
    query = (sa.select(Registration).where(Registration.event_id == event.id)
             .options(selectinload(Registration.organization),
                      selectinload(Registration.attendees),
                      selectinload(Registration.opportunities),
                      selectinload(Registration.products)))
    if statuses is not None:
        query = query.where(Registration.status.in_(statuses))
    registrations = db.session.scalars(query).all()
    return sorted(registrations, key=lambda r: (
        r.side != "demand", STATUS_ORDER.index(r.status) if r.status in STATUS_ORDER else 9,
        r.organization.name, r.id))


def _brings(registration) -> str:
    return "、".join(" ".join(part for part in (item.public_number, item.title) if part)
                    for item in registration.listings)


def participant_rows(event) -> list[list]:
    """One row per attendee of every registration (the 状态 column says which count)."""
    rows = []
    for registration in _registrations(event):
        brings = _brings(registration)
        for attendee in registration.attendees:
            rows.append([registration.organization.name, registration.side_label,
                         registration.status_label, attendee.name, attendee.title,
                         attendee.code or "", beijing_text(attendee.checked_in_at), brings])
    return rows


def _participants_workbook(event, rows: list[list]) -> bytes:
    when = beijing_text(event.starts_at)[:10]
    title = f"{event.title} 参会名单（{event.kind_label}，{when}）"
    cells = ([_ILLEGAL.sub("", v) if isinstance(v, str) else v for v in row] for row in rows)
    return workbook_bytes([("参会名单", title, HEADERS, cells, WIDTHS)])


def participants_filename(event, suffix: str = "xlsx") -> tuple[str, str]:
    """(the Chinese name, an ASCII one for old clients) of the download."""
    return f"{event.title}-参会名单.{suffix}", f"event-{event.id}-participants.{suffix}"


def signin_rows(event) -> list[dict]:
    """The sign-in sheet: attendees of confirmed registrations, numbered, demand side
    first, by organization."""
    rows = []
    for registration in _registrations(event, ("confirmed",)):
        for attendee in registration.attendees:
            rows.append({"number": len(rows) + 1, "organization": registration.organization.name,
                         "side": registration.side_label, "name": attendee.name,
                         "title": attendee.title, "code": attendee.code or ""})
    return rows


def export_participants(actor, event) -> bytes:
    """The participant list (names, organizations, check-in codes) as .xlsx; the download
    is audited (``event.participants_export``, rows: attendees). The caller commits."""
    rows = participant_rows(event)
    data = _participants_workbook(event, rows)
    audit.record_export(actor, "event.participants_export", event, rows=len(rows),
                        summary=event.title)
    return data


def export_participants_csv(actor, event) -> bytes:
    """The same list as .csv (UTF-8 with BOM, cells neutralised like the workbook's);
    audited like the workbook. The caller commits."""
    rows = participant_rows(event)
    data = csv_bytes(HEADERS, rows)
    audit.record_export(actor, "event.participants_export", event, rows=len(rows),
                        summary=f"{event.title}（CSV）")
    return data
