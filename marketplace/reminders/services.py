"""Reminders sent by ``flask notify reminders`` (run daily by cron).

* outcome: opportunities still published whose deadline passed OUTCOME_REMINDER_DAYS ago
  or more (no outcome recorded; the UK Digital Marketplace reminded buyers 28 days after
  closing) → the owning department's users, one message listing all of its opportunities;
* stale_match: pairings neither delivered nor terminated whose stage has not changed for
  STALE_MATCH_DAYS → the users of both sides;
* deadline: opportunities whose deadline is within DEADLINE_REMINDER_DAYS and that have
  draft proposals → the proposing organizations' users, once per proposal.

``ReminderLog`` keeps each object from being reminded again within its interval (outcome,
stale_match) or ever again (deadline). The caller commits.
"""
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace import audit
from marketplace.authz import Permission, require
from marketplace.db import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.notifications.services import notify, organization_users, path_for
from marketplace.reminders import queries
from marketplace.reminders.models import ReminderLog


@dataclass
class ReminderResult:
    outcome: int = 0
    stale_match: int = 0
    deadline: int = 0


def _reminded_since(kind: str, ids: list[int], since: datetime | None) -> set[int]:
    """Which of ``ids`` already got a ``kind`` reminder after ``since`` (None: ever)."""
    if not ids:
        return set()
    query = sa.select(ReminderLog.object_id).where(ReminderLog.kind == kind,
                                                   ReminderLog.object_id.in_(ids))
    if since is not None:
        query = query.where(ReminderLog.sent_at > since)
    return set(db.session.scalars(query))


def _log(kind: str, ids, now: datetime) -> None:
    db.session.add_all(ReminderLog(kind=kind, object_id=i, sent_at=now) for i in ids)
    db.session.flush()


def _not_reminded(kind: str, objects: list, since: datetime | None) -> list:
    done = _reminded_since(kind, [o.id for o in objects], since)
    return [o for o in objects if o.id not in done]


def _group(pairs) -> dict:
    """(organization, item) pairs → {organization: [items]} in first-seen order."""
    groups = defaultdict(list)
    for organization, item in pairs:
        groups[organization].append(item)
    return groups


def remind_outcomes(now: datetime, today: date) -> int:
    days = current_app.config["OUTCOME_REMINDER_DAYS"]
    due = _not_reminded("outcome", queries.overdue_outcomes(days, today),
                        now - timedelta(days=days))
    for organization, items in _group((o.organization, o) for o in due).items():
        notify("reminder", organization_users(organization),
               link=path_for("opportunities.mine"), kind="outcome", items=items, days=days)
    _log("outcome", [o.id for o in due], now)
    return len(due)


def _match_link(matches: list) -> str:
    if len(matches) == 1:
        return path_for("matching.detail", match_id=matches[0].id)
    return path_for("matching.mine")


def remind_stale_matches(now: datetime) -> int:
    days = current_app.config["STALE_MATCH_DAYS"]
    due = _not_reminded("stale_match", queries.stale_matches(days),
                        now - timedelta(days=days))
    pairs = [(side, m) for m in due for side in (m.opportunity.organization, m.supplier)]
    for organization, matches in _group(pairs).items():
        notify("reminder", organization_users(organization), link=_match_link(matches),
               kind="stale_match", items=matches, days=days)
    _log("stale_match", [m.id for m in due], now)
    return len(due)


def remind_deadlines(now: datetime, today: date) -> int:
    days = current_app.config["DEADLINE_REMINDER_DAYS"]
    due = _not_reminded("deadline", queries.draft_proposals_near_deadline(today, days),
                       None)
    for proposal in due:
        opportunity = proposal.opportunity
        notify("deadline_approaching", organization_users(proposal.organization),
               link=path_for("opportunities.detail", item_id=opportunity.id),
               opportunity=opportunity, days=(opportunity.deadline - today).days)
    _log("deadline", [p.id for p in due], now)
    return len(due)


def send_reminders(today: date | None = None) -> ReminderResult:
    now, today = utcnow(), today or beijing_today()
    return ReminderResult(outcome=remind_outcomes(now, today),
                          stale_match=remind_stale_matches(now),
                          deadline=remind_deadlines(now, today))


def send_now(actor) -> ReminderResult:
    """An administrator sends today's reminders without waiting for the daily run (from
    /admin/reminders). Harmless to repeat: ReminderLog keeps anything already reminded
    within its interval from being reminded again. Audited as ``reminders.send``."""
    require(actor, Permission.REMINDER_SEND)
    result = send_reminders()
    audit.record(actor, "reminders.send", object_type="reminder", after=asdict(result),
                 summary=describe(result))
    return result


def describe(result: ReminderResult) -> str:
    return (f"结果登记提醒 {result.outcome} 条机会，对接跟进提醒 {result.stale_match} 个对接，"
            f"截止提醒 {result.deadline} 份方案")
