"""Command-line entry points: `flask create-admin [--region CODE]`, `flask seed reference|demo`;
`flask lists …` (list files, designation sheets) is defined in ``transfer/cli.py``, `flask events
expire-offers` in ``events/cli.py``; `flask audit …` and `flask backup create|restore` here."""
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import ScriptInfo

from marketplace.errors import ValidationError
from marketplace.extensions import db, init_migrate
from marketplace.transfer.cli import lists


def register_cli(app: Flask) -> None:
    from marketplace.demonstrations.cli import demonstrations_cli
    from marketplace.events.cli import events_cli
    from marketplace.matching.cli import match_cli
    from marketplace.notifications.cli import notify_cli
    from marketplace.reminders import cli as reminders_cli
    from marketplace.sync.cli import search_cli

    notify_cli.add_command(reminders_cli.digest)
    notify_cli.add_command(reminders_cli.reminders)

    app.cli.add_command(DatabaseCommands("db", help="数据库迁移（Flask-Migrate）。"))
    app.cli.add_command(create_admin)
    app.cli.add_command(seed)
    app.cli.add_command(search_cli)
    app.cli.add_command(match_cli)
    app.cli.add_command(lists)
    app.cli.add_command(notify_cli)
    app.cli.add_command(demonstrations_cli)
    app.cli.add_command(events_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(backup_cli)


class DatabaseCommands(click.Command):
    """``flask db …``: Flask-Migrate's command group, imported and set up only when it runs
    (see ``extensions.init_migrate``); click then parses and runs the real group."""

    def make_context(self, info_name, args, parent=None, **extra):
        init_migrate(parent.ensure_object(ScriptInfo).load_app())
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)


@click.command("create-admin")
@click.option("--email", prompt="电子邮箱")
@click.option("--name", prompt="姓名")
@click.password_option("--password", prompt="密码")
@click.option("--region", default=None, metavar="CODE",
              help="A city's or district's code (GB/T 2260): a region administrator.")
def create_admin(email, name, password, region):
    """Create a platform administrator, or with --region a region administrator."""
    from marketplace.accounts import services

    try:
        if region is None:
            user = services.create_platform_admin(email, name, password)
        else:
            user = services.create_region_admin_from_command_line(
                {"region_code": region, "user_name": name, "email": email,
                 "password": password})
    except ValidationError as error:
        db.session.rollback()
        messages = getattr(error, "errors", None) or {error.field: error.message}
        raise click.ClickException("；".join(messages.values())) from None
    db.session.commit()
    if region is None:
        click.echo(f"已创建平台管理员：{user.email}")
    else:
        click.echo(f"已创建{user.role_label}：{user.email}")


@click.group()
def seed():
    """Load reference or demo data."""


@seed.command("reference")
def seed_reference():
    """Regions, fields, tags, departments named in the plans, 十百千 targets."""
    from marketplace.seeding.reference import load_reference

    counts = load_reference()
    db.session.commit()
    click.echo("参考数据已载入：" + "，".join(f"{k} +{v}" for k, v in counts.items()))


@seed.command("demo")
@click.option("--if-empty", is_flag=True, help="Skip quietly when the database has users.")
def seed_demo(if_empty):
    """Demo accounts, enterprises, listings and two published releases."""
    from marketplace.accounts.models import User
    from marketplace.seeding.demo import load_demo, logins_file
    from marketplace.seeding.demo_events import run_demo_day
    from marketplace.seeding.reference import load_reference

    if db.session.scalar(sa.select(sa.func.count(User.id))):
        if not if_empty:
            raise click.ClickException("数据库中已有用户，演示数据只能载入空数据库。")
        if logins_file().exists():
            click.echo(logins_file().read_text(encoding="utf-8"))
        return
    load_reference()
    load_demo()
    db.session.commit()
    run_demo_day()
    click.echo("演示数据已载入。")
    click.echo(logins_file().read_text(encoding="utf-8"))


@click.group("audit")
def audit_cli():
    """The audit log's hash chain: seal, verify, purge."""


@audit_cli.command("seal")
def audit_seal():
    """Seal every committed record into the chain (the sync pass does it too)."""
    from marketplace import auditchain

    total = 0
    while sealed := auditchain.seal():
        db.session.commit()
        total += sealed
    click.echo(f"已封存 {total} 条审计记录。")


@audit_cli.command("verify")
def audit_verify():
    """Check the chain; name the first broken record (exit status 1)."""
    from marketplace import auditchain

    verdict = auditchain.verify()
    if not verdict.intact:
        entry = verdict.first_broken
        raise click.ClickException(
            f"审计链在第 {entry.chain_position} 条（记录 #{entry.id}，{entry.action}）处断开："
            f"{verdict.problem}。此前 {verdict.checked} 条完好。")
    click.echo(f"审计链完好：{verdict.checked} 条已核验，{verdict.unsealed} 条尚未封存。")


@audit_cli.command("purge")
@click.option("--older-than-days", type=int, required=True,
              help="Delete sealed records older than this (at least 180).")
def audit_purge(older_than_days):
    """Delete sealed records past the retention period (never younger than 180 days)."""
    from marketplace import audit, auditchain
    from marketplace.db import utcnow

    try:
        deleted = auditchain.purge(older_than_days, utcnow())
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    audit.record(None, "audit.purge", after={"deleted": deleted,
                                              "older_than_days": older_than_days},
                 summary=f"清理 {older_than_days} 天前的审计记录 {deleted} 条")
    db.session.commit()
    click.echo(f"已删除 {deleted} 条 {older_than_days} 天前的审计记录。")


@click.group("backup")
def backup_cli():
    """A verified copy of the database, and its return (see marketplace/backups.py)."""


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_create(file):
    """Copy the database to FILE (SQLite: online backup; PostgreSQL: pg_dump) and check
    the copy table by table against FILE.manifest.json."""
    from marketplace import backups

    try:
        tables = backups.create(file)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"已备份 {len(tables)} 张表、{sum(t.rows for t in tables.values())} 行到 {file}"
               "，逐表核对一致。")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="恢复将替换数据库中的全部数据，确定继续？")
def backup_restore(file):
    """Replace the database's content with FILE's, check it against the manifest, then
    rebuild the search index."""
    from marketplace import backups
    from marketplace.sync.steps import rebuild_index

    try:
        tables = backups.restore(file)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    rebuild_index()
    click.echo(f"已恢复 {len(tables)} 张表、{sum(t.rows for t in tables.values())} 行，"
               "与备份清单逐表核对一致；检索索引已重建。")

