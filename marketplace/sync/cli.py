"""`flask search sync [--follow] | rebuild | refresh | check`."""
import time

import click


@click.group("search")
def search_cli():
    """Keep the search index and the stored recommendations in step with the database."""


@search_cli.command("sync")
@click.option("--follow", is_flag=True, help="Keep draining every --interval seconds.")
@click.option("--interval", default=1.0, show_default=True)
def sync(follow, interval):
    """Apply pending index tasks and refresh recommendations (the one writer)."""
    from marketplace.sync.steps import sync_step

    while True:
        result = sync_step()
        if result.locked:
            click.echo("索引正被其他进程写入，任务保留待下次处理。")
        elif result.applied or result.refreshed or not follow:
            click.echo(f"已处理 {result.applied} 个索引任务，更新 {result.refreshed} 条推荐"
                       + ("（已全量重建）" if result.rebuilt else "") + "。")
        if not follow:
            return
        time.sleep(interval)


@search_cli.command("rebuild")
@click.option("--processes", default=2, show_default=True,
              help="Processes segmenting the listings and then refreshing recommendations.")
def rebuild_command(processes):
    """Write a fresh index from the database, swap it in, recompute recommendations."""
    from marketplace.sync.steps import rebuild_index

    started = time.perf_counter()
    result = rebuild_index(processes)
    click.echo(f"索引已重建：{len(result.indexed)} 条，用时 {time.perf_counter() - started:.1f} 秒。")
    refresh_with_progress(processes)


@search_cli.command("refresh")
@click.option("--processes", default=2, show_default=True, help="Processes scoring listings.")
@click.option("--batch", default=None, type=int, help="Listings per batch (default 1000).")
def refresh_command(processes, batch):
    """Refresh the queued recommendations (after a rebuild; resumes an interrupted one)."""
    refresh_with_progress(processes, batch)


def refresh_with_progress(processes: int, batch: int | None = None) -> None:
    """Work through the queued refreshes in batches, with a progress bar."""
    from marketplace.matching.services import progress
    from marketplace.sync.steps import refresh_all_queued

    state = progress()
    if state is None:
        click.echo("没有待更新的推荐。")
        return
    started = time.perf_counter()
    with click.progressbar(length=state.total, label="更新推荐", show_pos=True,
                           show_eta=True) as bar:
        bar.update(state.done)
        refreshed = refresh_all_queued(processes, batch, bar.update)
    click.echo(f"推荐结果已全部更新：{refreshed} 条清单，用时 {time.perf_counter() - started:.1f} 秒。")


@search_cli.command("check")
def check_command():
    """List rows missing from the index and index documents with no published row."""
    from marketplace.search.drain import check
    from marketplace.search.runtime import search_index

    drift = check(search_index())
    if drift["no_index"]:
        click.echo("索引不存在，请运行 flask search rebuild。")
    for key in drift["missing"]:
        click.echo(f"缺失：{key}")
    for key in drift["orphaned"]:
        click.echo(f"多余：{key}")
    if any(drift.values()):
        raise SystemExit(1)
    click.echo("索引与数据库一致。")
