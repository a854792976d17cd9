"""Telling users what happened: an in-app notification always, an e-mail unless they
switched that event off. Both are rows in the caller's transaction, so a failed request
sends nothing and a mail server failure never breaks a request (``delivery.py`` sends the
outbox later). Also the user's own changes: reading notifications, e-mail settings and
the digest subscription.

``notify(event, users, link="", **context)`` renders ``templates/notifications/<event>.txt``
(first line: subject; the rest: body). Every template also gets ``user`` (the recipient),
``url`` (PUBLIC_BASE_URL + ``link``, or ""), ``settings_url`` and ``public_url(endpoint,
**values)`` (an absolute link that works outside a request, e.g. from cron). What each
event's caller passes:

==========================  ===========================================================
event                       context
==========================  ===========================================================
listing_returned            ``item`` (an Opportunity or Product: title, kind_label,
listing_approved            public_number, return_reason); sent to the owner's users
listing_published
question_asked              ``question``, ``opportunity``; to the department (the asker
                            is not named: questions are anonymous)
question_answered           ``question``, ``opportunity``; to the asking organization
proposal_submitted          ``proposal``, ``opportunity``; to the department
proposal_decided            ``proposal``, ``opportunity`` (proposal.status_label is
                            入围 / 已选定 / 未入选; decline_reason); to the proposer
match_stage_changed         ``match`` (stage_label, opportunity.title, supplier.name,
                            termination_reason); to both sides
signing_awaiting_confirm-   ``match`` (contract_date, contract_amount_wan, the recording
ation                       side's name as ``recorder``); to the other side's users
signing_disputed            ``match`` (back at 洽谈中), ``reason``, ``disputer`` (the
                            Organization that disputed); to the recording side's users
deadline_approaching        ``opportunity``, ``days`` (whole days left, 0 = today); to
                            organizations holding a draft proposal (``reminders.py``)
reminder                    ``kind`` ("outcome" | "stale_match"), ``items`` (the
                            opportunities or matches), ``days`` (the interval)
digest                      ``opportunities`` (list), ``subscription`` (``digest.py``)
registration_changed        ``registration`` (status_label, offered_until,
                            decline_reason, attendees), ``event`` (an events.Event),
                            ``action`` (create, approve, decline, offer, confirm,
                            cancel, offer_lapse, move); to the registering
                            organization's users (``events.services``)
meeting_requested           ``request`` (MeetingRequest: reason), ``event`` (the
                            Event), ``sender``, ``recipient`` (the two Organizations); to
                            the recipient's users (``events.meetings``)
meeting_request_answered    the same; ``request.status`` accepted | declined
                            (status_label); to the sender's users
schedule_published          ``event`` (the Event), ``stage`` (初步日程 / 最终日程),
                            ``registration`` (the participant told), ``change`` ("" at a
                            publication, else what changed after it: a rebuild, a meeting
                            added, moved or removed); to each participant's users
                            (``events.meeting_schedule``)
==========================  ===========================================================
"""
import re

import sqlalchemy as sa
from flask import current_app

from marketplace import audit
from marketplace.authz import Permission, require
from marketplace.db import utcnow
from marketplace.errors import Collector, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.notifications.models import (
    EVENTS, FREQUENCIES, EmailMessage, EmailPreference, Notification, Subscription)
from marketplace.taxonomy.models import Field, Tag
from marketplace.taxonomy.queries import get_region

MAX_SUBSCRIPTION_CHOICES = 30


def path_for(endpoint: str, **values) -> str:
    """The path of ``endpoint``, built without a request (cron, CLI): a ``link``."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def public_url(endpoint: str, **values) -> str:
    """An absolute link to ``endpoint`` built without a request."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path_for(endpoint, **values)


def _tidy(text: str) -> str:
    """Template whitespace made regular: no trailing blanks, at most one empty line."""
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines)


def _render(event: str, context: dict) -> tuple[str, str]:
    """Subject (first line) and body of ``templates/notifications/<event>.txt``.

    Rendered by the Jinja environment itself: the context processors of web pages (the
    header's unread count, its menu) have no place in an e-mail."""
    template = current_app.jinja_env.get_template(f"notifications/{event}.txt")
    text = _tidy(template.render(public_url=public_url,
                                 settings_url=public_url("notifications.settings"),
                                 **context))
    subject, _, body = text.partition("\n")
    return subject.strip()[:200], body.strip()


def email_enabled(user, event: str) -> bool:
    choice = db.session.scalar(db.select(EmailPreference.enabled).where(
        EmailPreference.user_id == user.id, EmailPreference.event == event))
    return choice is not False


def notify(event: str, users, /, link: str = "", **context) -> int:
    """Notify each active user once; returns how many were notified. ``event`` and
    ``users`` are positional-only, so that a context may hold an ``event`` of its own
    (an Event: ``registration_changed``)."""
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    seen = set()
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        subject, body = _render(event, {**context, "user": user,
                                        "url": f"{base}{link}" if link else ""})
        db.session.add(Notification(user_id=user.id, event=event, title=subject, body=body,
                                    link=link))
        if email_enabled(user, event):
            db.session.add(EmailMessage(user_id=user.id, to_address=user.email,
                                        subject=f"【场景对接平台】{subject}", body=body,
                                        event=event))
    db.session.flush()
    return len(seen)


def organization_users(organization) -> list:
    return [u for u in organization.users if u.active] if organization else []


# --- the user's inbox ------------------------------------------------------------------
def _own_notification(user, notification_id: int) -> Notification:
    # Scoped to the user's own rows: another user's notification is "not found" (404),
    # which is an inbox lookup rather than a permission, so nothing of it goes to authz.
    notification = db.session.scalar(sa.select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id))
    if notification is None:
        raise NotFound()
    return notification


def mark_read(user, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (not audited: it changes nothing shared)."""
    notification = _own_notification(user, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    db.session.flush()
    return result.rowcount


# --- e-mail settings -------------------------------------------------------------------
def save_email_settings(user, enabled_events) -> dict[str, bool]:
    """Store the user's e-mail choice for every event: those in ``enabled_events`` on,
    every other one off (a form posts only the ticked boxes)."""
    wanted = {e for e in (enabled_events or []) if e in EVENTS}
    stored = {p.event: p for p in db.session.scalars(
        sa.select(EmailPreference).where(EmailPreference.user_id == user.id))}
    before = {e: (stored[e].enabled if e in stored else True) for e in EVENTS}
    after = {e: e in wanted for e in EVENTS}
    for event, enabled in after.items():
        if event in stored:
            stored[event].enabled = enabled
        else:
            db.session.add(EmailPreference(user_id=user.id, event=event, enabled=enabled))
    db.session.flush()
    if before != after:
        audit.record(user, "notification.email_settings", user, before=before, after=after,
                     summary="修改邮件提醒设置")
    return after


# --- the digest subscription -------------------------------------------------------------
def _ids(raw, field: str, label: str) -> list[int]:
    try:
        ids = sorted({int(v) for v in raw or [] if str(v).strip()})
    except (TypeError, ValueError):
        raise ValidationError(f"{label}选择有误，请重新选择。", field=field) from None
    if len(ids) > MAX_SUBSCRIPTION_CHOICES:
        raise ValidationError(f"{label}最多选择 {MAX_SUBSCRIPTION_CHOICES} 个。", field=field)
    return ids


def _field_ids(raw) -> list[int]:
    """Fields or whole field groups (a group stands for all its fields)."""
    ids = _ids(raw, "field_ids", "领域")
    found = db.session.scalar(sa.select(sa.func.count(Field.id)).where(
        Field.id.in_(ids), Field.is_active.is_(True))) if ids else 0
    if found != len(ids):
        raise ValidationError("领域选择有误，请重新选择。", field="field_ids")
    return ids


def _tag_ids(raw) -> list[int]:
    ids = _ids(raw, "tag_ids", "标签")
    found = db.session.scalar(sa.select(sa.func.count(Tag.id)).where(
        Tag.id.in_(ids), Tag.is_active.is_(True))) if ids else 0
    if found != len(ids):
        raise ValidationError("标签选择有误，请重新选择。", field="tag_ids")
    return ids


def _region_codes(raw) -> list[str]:
    codes = sorted({str(c).strip() for c in raw or [] if str(c).strip()})
    if len(codes) > MAX_SUBSCRIPTION_CHOICES:
        raise ValidationError(f"地区最多选择 {MAX_SUBSCRIPTION_CHOICES} 个。",
                              field="region_codes")
    if any(get_region(code) is None for code in codes):
        raise ValidationError("地区选择有误，请重新选择。", field="region_codes")
    return codes


def _frequency(raw) -> str:
    value = (raw or "").strip()
    if value not in FREQUENCIES:
        raise ValidationError("请选择推送频率。", field="frequency")
    return value


def clean_subscription(data: dict) -> dict:
    checks = Collector()
    checks.run("field_ids", _field_ids, data.get("field_ids"))
    checks.run("tag_ids", _tag_ids, data.get("tag_ids"))
    checks.run("region_codes", _region_codes, data.get("region_codes"))
    checks.run("frequency", _frequency, data.get("frequency"))
    values = checks.result()
    values["match_products"] = bool(data.get("match_products"))
    return values


SUBSCRIPTION_FIELDS = ("field_ids", "tag_ids", "region_codes", "match_products", "frequency")


def save_subscription(user, data: dict) -> Subscription:
    """Create or change the user's digest subscription. Raises ValidationError with every
    field's problem; nothing changes then."""
    require(user, Permission.SUBSCRIPTION_MANAGE, kind="subscription")
    values = clean_subscription(data)
    subscription = db.session.scalar(sa.select(Subscription).where(
        Subscription.user_id == user.id))
    before = audit.snapshot(subscription, SUBSCRIPTION_FIELDS) if subscription else None
    if subscription is None:
        # Never sent: the first digest covers the last day or week (digest.py).
        subscription = Subscription(user_id=user.id)
        db.session.add(subscription)
    for name, value in values.items():
        setattr(subscription, name, value)
    db.session.flush()
    audit.record(user, "subscription.save", subscription, object_type="subscription",
                 before=before, after=audit.snapshot(subscription, SUBSCRIPTION_FIELDS),
                 summary=f"订阅推送：{FREQUENCIES[subscription.frequency]}")
    return subscription


def forget_user(user) -> int:
    """Delete a person's notifications, e-mail settings, subscriptions and every e-mail
    to them, sent or not (the bodies name them): part of erasing an account. Returns the
    number of rows deleted."""
    deleted = 0
    for model in (Notification, EmailMessage, EmailPreference, Subscription):
        deleted += db.session.execute(
            sa.delete(model).where(model.user_id == user.id)).rowcount
    return deleted
