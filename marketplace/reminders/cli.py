"""`flask notify digest --frequency daily|weekly` and `flask notify reminders` (added to
the ``notify`` group by ``marketplace.cli``)."""
import click

from marketplace.extensions import db


@click.command("digest")
@click.option("--frequency", type=click.Choice(["daily", "weekly"]), required=True)
def digest(frequency):
    """Digest of newly published opportunities for every subscription of FREQUENCY."""
    from marketplace.reminders.digests import send_digests

    result = send_digests(frequency)
    db.session.commit()
    click.echo(f"订阅 {result.subscriptions} 个，发送摘要 {result.notified} 份，"
               f"共 {result.opportunities} 条机会。")


@click.command("reminders")
def reminders():
    """Outcome, stale pairing and deadline reminders (run once a day)."""
    from marketplace.reminders.services import describe, send_reminders

    result = send_reminders()
    db.session.commit()
    click.echo(f"{describe(result)}。")
