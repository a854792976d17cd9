"""Sending the outbox: log mode in development, SMTP with retries and back-off."""
import logging
from datetime import timedelta
from email.header import decode_header, make_header

import pytest

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.notifications import delivery
from marketplace.notifications.models import EMAIL_MAX_ATTEMPTS, EmailMessage
from marketplace.notifications.queries import failed_emails, pending_email_count
from marketplace.notifications.services import notify
from tests.notifications.conftest import outbox


@pytest.fixture
def mail_log(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")


@pytest.fixture
def smtp(app, monkeypatch):
    """A fake SMTP server; addresses in ``refuse`` make it raise."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.cn")
    monkeypatch.setitem(app.config, "MAIL_PORT", 587)
    monkeypatch.setitem(app.config, "MAIL_SENDER", "noreply@example.cn")

    class FakeSMTP:
        sent, calls, refuse = [], [], set()

        def __init__(self, host, port, timeout=None):
            FakeSMTP.calls.append(("connect", host, port))
            if "*" in FakeSMTP.refuse:
                raise ConnectionRefusedError(111, "Connection refused")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self, context=None):
            FakeSMTP.calls.append(("starttls",))

        def login(self, user, password):
            FakeSMTP.calls.append(("login", user, password))

        def send_message(self, mime):
            if mime["To"] in FakeSMTP.refuse:
                raise OSError("550 mailbox unavailable")
            FakeSMTP.sent.append(mime)

    monkeypatch.setattr(delivery.smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def _queue(world, *users):
    notify("listing_published", users or [world.dept_user], item=world.opportunity,
           link=f"/opportunities/{world.opportunity.id}")
    db.session.commit()


def test_log_mode_writes_the_chinese_message_and_marks_it_sent(world, mail_log, caplog):
    _queue(world)
    echoed = []
    with caplog.at_level(logging.INFO):
        result = delivery.send_pending(echo=echoed.append)
    assert (result.sent, result.failed) == (1, 0)
    [message] = outbox()
    assert message.sent_at is not None and message.attempts == 1
    logged = caplog.text
    assert "【场景对接平台】您的机会「智慧停车诱导与泊位共享系统」已公开发布" in logged
    assert world.dept_user.email in logged and "公开编号 JH-" in logged
    assert "未配置 MAIL_SERVER" in echoed[0] and "公开编号 JH-" in echoed[0]
    assert delivery.send_pending().total == 0  # nothing left


def test_smtp_sends_utf8_with_starttls_and_login(world, smtp, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", True)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "mailer")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "secret")
    _queue(world)
    assert delivery.send_pending().sent == 1
    [mime] = smtp.sent
    assert str(make_header(decode_header(mime["Subject"]))).startswith("【场景对接平台】您的机会")
    assert mime["From"] == "noreply@example.cn" and mime["To"] == world.dept_user.email
    assert mime.get_content_charset() == "utf-8"
    assert "公开编号 JH-" in mime.get_content()
    assert ("starttls",) in smtp.calls and ("login", "mailer", "secret") in smtp.calls
    assert outbox()[0].sent_at is not None


def test_failure_backs_off_and_other_messages_still_go_out(world, smtp, make):
    colleague = make.member(world.department)
    smtp.refuse = {world.dept_user.email}
    _queue(world, world.dept_user, colleague)
    result = delivery.send_pending()
    assert (result.sent, result.failed) == (1, 1)
    failed, sent = sorted(outbox(), key=lambda m: m.sent_at is not None)
    assert sent.to_address == colleague.email and sent.sent_at is not None
    assert failed.sent_at is None and failed.attempts == 1
    assert "550 mailbox unavailable" in failed.last_error
    wait = failed.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < wait <= timedelta(minutes=1)
    # Not due yet: the next pass leaves it alone.
    assert delivery.send_pending().total == 0
    assert pending_email_count() == 1


def test_server_down_every_message_stays_queued(world, smtp, make):
    smtp.refuse = {"*"}
    _queue(world, world.dept_user, make.member(world.department))
    assert delivery.send_pending().failed == 2
    assert all(m.sent_at is None and m.attempts == 1 for m in outbox())


def test_backoff_doubles_up_to_six_hours():
    assert [delivery.backoff(n) for n in (1, 2, 3, 4)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delivery.backoff(9) == timedelta(minutes=256)
    assert delivery.backoff(20) == timedelta(hours=6)


def test_gives_up_after_max_attempts_and_keeps_it_for_admins(world, smtp):
    smtp.refuse = {world.dept_user.email}
    _queue(world)
    [message] = outbox()
    for attempt in range(1, EMAIL_MAX_ATTEMPTS + 1):
        message.next_attempt_at = utcnow() - timedelta(seconds=1)  # due again
        db.session.commit()
        assert delivery.send_pending().failed == 1
        assert message.attempts == attempt
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert delivery.send_pending().total == 0
    assert failed_emails() == [message] and pending_email_count() == 0


def test_retry_succeeds_once_the_server_is_back(world, smtp):
    smtp.refuse = {world.dept_user.email}
    _queue(world)
    delivery.send_pending()
    [message] = outbox()
    smtp.refuse = set()
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert delivery.send_pending().sent == 1
    assert message.sent_at is not None and message.attempts == 2 and message.last_error == ""


def test_cli_send_echoes_in_log_mode(world, mail_log, app):
    _queue(world)
    result = app.test_cli_runner().invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    assert "公开编号 JH-" in result.output and "已发送 1 封邮件" in result.output
    db.session.expire_all()
    assert db.session.get(EmailMessage, outbox()[0].id).sent_at is not None
