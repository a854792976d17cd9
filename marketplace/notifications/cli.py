"""`flask notify send [--follow]`; ``digest`` and ``reminders`` are added to the group by
the reminders package (see ``marketplace.cli``)."""
import time

import click


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
