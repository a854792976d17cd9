"""`flask notify send [--follow] | digest --frequency daily|weekly | reminders`."""
import time

import click

from marketplace.extensions import db


@click.group("notify")
def notify_cli():
    """Send the e-mail outbox, digests and reminders."""


@notify_cli.command("send")
@click.option("--follow", is_flag=True, help="Keep sending every --interval seconds.")
@click.option("--interval", default=10.0, show_default=True)
@click.option("--limit", default=100, show_default=True, help="Messages per pass.")
def send(follow, interval, limit):
    """Send due e-mails from the outbox (each committed on its own)."""
    from marketplace.notifications.delivery import send_pending

    while True:
        result = send_pending(limit, echo=click.echo)
        if result.total or not follow:
            click.echo(f"已发送 {result.sent} 封邮件，失败 {result.failed} 封（稍后重试）。")
        if not follow:
            return
        if result.total < limit:
            time.sleep(interval)


@notify_cli.command("digest")
@click.option("--frequency", type=click.Choice(["daily", "weekly"]), required=True)
def digest(frequency):
    """Digest of newly published opportunities for every subscription of FREQUENCY."""
    from marketplace.notifications.digest import send_digests

    result = send_digests(frequency)
    db.session.commit()
    click.echo(f"订阅 {result.subscriptions} 个，发送摘要 {result.notified} 份，"
               f"共 {result.opportunities} 条机会。")


@notify_cli.command("reminders")
def reminders():
    """Outcome, stale pairing and deadline reminders (run once a day)."""
    from marketplace.notifications.reminders import send_reminders

    result = send_reminders()
    db.session.commit()
    click.echo(f"结果登记提醒 {result.outcome} 条机会，对接跟进提醒 {result.stale_match} 个对接，"
               f"截止提醒 {result.deadline} 份方案。")
