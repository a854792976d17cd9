"""`flask events expire-offers`: lapse the waiting list's offers past their time and pass
the seats on (the sync pass does the same every few seconds; this is for cron or by hand
where no sync runs)."""
import click


@click.group("events")
def events_cli():
    """Events: the waiting list's offers."""


@events_cli.command("expire-offers")
def expire_offers():
    """Cancel offers not confirmed in time and offer their seats to the next in line."""
    from marketplace.events.services import expire_all_offers
    from marketplace.extensions import db

    lapsed = expire_all_offers()
    db.session.commit()
    click.echo(f"已处理 {lapsed} 个逾期未确认的递补名额。")
