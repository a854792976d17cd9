"""`flask lists import|export`: list files (.xlsx, .csv, .jsonl) in and out;
`flask lists import-designations|designation-template`: the 十百千 designation sheets.

An import runs as the named administrator through the import service and commits once;
on any problem, or with --dry-run, everything is rolled back.
"""
from datetime import date
from pathlib import Path

import click

from marketplace import audit
from marketplace.errors import DomainError
from marketplace.extensions import db

KINDS = click.Choice(["opportunity", "product"])


class CommandError(click.ClickException):
    """A refusal printed in Chinese (exit code 1)."""

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)


@click.group("lists")
def lists():
    """Import and export 机会清单 / 产品清单 files (.xlsx, .csv, .jsonl); import 十百千
    designation sheets."""


def _admin(email: str):
    from marketplace.accounts.queries import user_by_email

    user = user_by_email(email)
    if user is None or not user.is_platform_admin or not user.active:
        raise CommandError(f"“{email}”不是有效的平台管理员账号。")
    return user


def _designating_admin(email: str):
    """A platform administrator or a region administrator (confined to its subtree)."""
    from marketplace.accounts.queries import user_by_email

    user = user_by_email(email)
    if user is None or not user.active or not (user.is_platform_admin or user.is_region_admin):
        raise CommandError(f"“{email}”不是有效的平台管理员或区域管理员账号。")
    return user


def _readable(file: Path) -> None:
    from marketplace.transfer.columns import format_of

    try:
        format_of(file)
    except DomainError as error:
        raise CommandError(error.message) from None
    if not file.is_file():
        raise CommandError(f"文件不存在：{file}")


def _release_date(text: str | None, release_title: str | None) -> date | None:
    if text is None:
        return None
    if release_title is None:
        raise CommandError("--release-date 需与 --release 一起使用。")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError("发布日期格式应为 2026-05-01。") from None


def _report_problems(error) -> None:
    problems = getattr(error, "problems", None)
    lines = [str(p) for p in problems] if problems else [error.message]
    click.echo(f"导入失败，共 {len(lines)} 处问题，未写入任何数据：", err=True)
    for line in lines:
        click.echo(line, err=True)


def _report_success(result, label: str) -> None:
    for entry in result.imported:
        ref = f" [{entry.ref}]" if entry.ref else ""
        where = entry.item.public_number or f"草稿 #{entry.item.id}"
        click.echo(f"第 {entry.row} 行{ref} → {where}")
    message = f"已导入 {len(result.imported)} 条{label}"
    if result.release is not None:
        release = result.release
        numbers = sorted(item.public_number for item in result.items)
        message += (f"，已发布为“{release.title}”（{release.published_on.isoformat()}），"
                    f"编号 {numbers[0]} 至 {numbers[-1]}")
    click.echo(message + "。")


def _unit_of_work(run, dry_run: bool, counted):
    """Run an import as the command's one unit of work: committed and returned, or, on a
    dry run, rolled back after a "校验通过" line (None). Every problem of a refused file is
    printed and the command exits 1 with nothing written."""
    try:
        result = run()
    except DomainError as error:
        db.session.rollback()
        _report_problems(error)
        raise click.exceptions.Exit(1) from None
    if dry_run:
        db.session.rollback()
        click.echo(f"校验通过，{counted(result)}（未写入）。")
        return None
    db.session.commit()
    return result


@lists.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", type=KINDS, required=True, help="opportunity (机会清单) or product.")
@click.option("--as", "email", required=True, help="Email of the platform admin importing.")
@click.option("--dry-run", is_flag=True, help="Check every row, write nothing.")
@click.option("--release", "release_title", help="Publish the rows as a new release.")
@click.option("--release-date", help="Publication date of --release (YYYY-MM-DD).")
def import_lists(file, kind, email, dry_run, release_title, release_date):
    """Import listings from FILE (.xlsx, .csv or .jsonl); all rows or none."""
    from marketplace.transfer.columns import KIND_LABELS
    from marketplace.transfer.importer import import_file

    _readable(file)
    actor = _admin(email)
    on = _release_date(release_date, release_title)
    result = _unit_of_work(lambda: import_file(actor, file, kind, release_title, on), dry_run,
                           lambda result: f"共 {len(result.imported)} 条")
    if result is not None:
        _report_success(result, KIND_LABELS[kind])


@lists.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", type=KINDS, required=True, help="opportunity (机会清单) or product.")
@click.option("--status", "status", default=None,
              help="published,closed (default), all, or a comma-separated list of statuses.")
def export_lists(file, kind, status):
    """Export listings to FILE (.xlsx, .csv or .jsonl), in the columns import reads."""
    from marketplace.transfer.columns import KIND_LABELS, TransferError, format_of
    from marketplace.transfer.exporter import export_rows, parse_statuses
    from marketplace.transfer.writers import write

    try:
        format_of(file)
        columns, rows = export_rows(kind, parse_statuses(status))
    except TransferError as error:
        raise CommandError(error.message) from None
    if not file.parent.is_dir():
        raise CommandError(f"目录不存在：{file.parent}")
    write(file, columns, rows, KIND_LABELS[kind])
    # The file holds full contact phones: who exported what is kept (by the command line).
    audit.record_export(None, "lists.export", rows=len(rows),
                        summary=f"命令行导出{KIND_LABELS[kind]}（{status}）到 {file.name}")
    db.session.commit()
    click.echo(f"已导出 {len(rows)} 条{KIND_LABELS[kind]}到 {file}。")


@lists.command("import-designations")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as", "email", required=True,
              help="Email of the platform or region administrator designating.")
@click.option("--dry-run", is_flag=True, help="Check every row, write nothing.")
def import_designations(file, email, dry_run):
    """Import 十百千 designations (示范区, 示范项目, 高成长性企业, 推荐目录产品) from FILE
    (.xlsx, .csv or .jsonl); all rows or none."""
    from marketplace.transfer.designations import import_designations as run_import

    _readable(file)
    actor = _designating_admin(email)
    result = _unit_of_work(lambda: run_import(actor, file), dry_run,
                           lambda result: f"共 {len(result.imported)} 项认定：{result.summary()}")
    if result is None:
        return
    for entry in result.imported:
        designation = entry.designation
        click.echo(f"第 {entry.row} 行 → {designation.kind_label}：{designation.name}"
                   f"（#{designation.id}）")
    click.echo(f"已导入 {len(result.imported)} 项认定：{result.summary()}。")


@lists.command("designation-template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def designation_template(file):
    """Write a blank designation sheet FILE (.xlsx) with a 填写说明 sheet."""
    from marketplace.transfer.designations import write_designation_template

    if file.suffix.lower() != ".xlsx":
        raise CommandError("模板只提供 .xlsx 格式，请使用 .xlsx 文件名。")
    if not file.parent.is_dir():
        raise CommandError(f"目录不存在：{file.parent}")
    write_designation_template(file)
    click.echo(f"已生成认定导入模板：{file}")
