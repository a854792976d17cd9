"""Sending the e-mail outbox (``flask notify send``).

Requests only add ``EmailMessage`` rows; this worker sends them. Each message is its own
unit of work (claimed, sent, committed), so one failure never undoes the others. With no
MAIL_SERVER (development) the message is written to the log — and to stdout when the CLI
passes ``echo`` — and marked sent: mail is never silently dropped. A failure records the
error and retries after 1, 2, 4 … minutes (at most 6 hours apart); after
EMAIL_MAX_ATTEMPTS the message stays unsent for admins to see (``/admin/reminders``).

Like the search drain, this is a worker rather than a service: it commits.
"""
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.notifications.models import EMAIL_MAX_ATTEMPTS, EmailMessage

BACKOFF_MAX = timedelta(hours=6)
SMTP_TIMEOUT = 30


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failures: 1, 2, 4 … minutes, ≤ 6 h."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _due():
    return sa.and_(EmailMessage.sent_at.is_(None),
                   EmailMessage.attempts < EMAIL_MAX_ATTEMPTS,
                   EmailMessage.next_attempt_at <= utcnow())


def pending_ids(limit: int) -> list[int]:
    return list(db.session.scalars(
        sa.select(EmailMessage.id).where(_due())
        .order_by(EmailMessage.next_attempt_at, EmailMessage.id).limit(limit)))


def _claim(message_id: int) -> EmailMessage | None:
    """The message, locked for this sender (PostgreSQL skips rows another sender holds),
    or None when it is no longer due."""
    return db.session.scalar(
        sa.select(EmailMessage).where(EmailMessage.id == message_id, _due())
        .with_for_update(skip_locked=True))


def build_mime(message: EmailMessage) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = current_app.config["MAIL_SENDER"]
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(localtime=True)
    mime["Message-ID"] = make_msgid(domain=current_app.config["MAIL_SENDER"]
                                    .rpartition("@")[2] or None)
    mime.set_content(message.body, charset="utf-8")
    return mime


def readable(message: EmailMessage) -> str:
    """The whole message as plain text (for the log in development)."""
    return (f"收件人 To: {message.to_address}\n主题 Subject: {message.subject}\n\n"
            f"{message.body}\n")


def _smtp_send(mime: MimeMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                      timeout=SMTP_TIMEOUT) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(mime)


def _log_send(message: EmailMessage, echo: Callable[[str], None] | None) -> None:
    text = readable(message)
    current_app.logger.info("e-mail (MAIL_SERVER not set, not sent):\n%s", text)
    if echo is not None:
        echo("—— 邮件（未配置 MAIL_SERVER，仅输出到日志）——\n" + text)


def deliver(message: EmailMessage, echo: Callable[[str], None] | None = None) -> bool:
    """Send one message and record the result on it; True when it went out."""
    try:
        if current_app.config["MAIL_SERVER"]:
            _smtp_send(build_mime(message))
        else:
            _log_send(message, echo)
    except Exception as error:  # noqa: BLE001 — any failure is recorded and retried
        message.attempts += 1
        message.last_error = f"{type(error).__name__}: {error}"[:500]
        message.next_attempt_at = utcnow() + backoff(message.attempts)
        current_app.logger.warning("e-mail %s to %s failed (attempt %s): %s", message.id,
                                   message.to_address, message.attempts, message.last_error)
        return False
    message.attempts += 1
    message.sent_at = utcnow()
    message.last_error = ""
    return True


def send_pending(limit: int = 100, echo: Callable[[str], None] | None = None) -> SendResult:
    """Send up to ``limit`` due messages, committing after each one."""
    result = SendResult()
    for message_id in pending_ids(limit):
        try:
            message = _claim(message_id)
            if message is None:
                db.session.rollback()
                continue
            if deliver(message, echo):
                result.sent += 1
            else:
                result.failed += 1
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return result
