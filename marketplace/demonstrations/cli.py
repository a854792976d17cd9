"""`flask demonstrations report --region CODE --year YYYY [--quarter N] --format json|xlsx`
for scheduled 调度 reports (cron): JSON on stdout, or an .xlsx file."""
import json
from pathlib import Path

import click


@click.group("demonstrations")
def demonstrations_cli():
    """The 十百千 programme: reports."""


@demonstrations_cli.command("report")
@click.option("--region", "region_code", required=True, help="GB/T 2260 code, e.g. 360113.")
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4), default=None)
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The .xlsx file to write (default: report-<region>-<year>[-Q<n>].xlsx).")
def report(region_code, year, quarter, fmt, output):
    """The region's 调度 report for YEAR (or one QUARTER of it)."""
    from marketplace.demonstrations.reports import build, workbook
    from marketplace.taxonomy.queries import get_place

    region = get_place(region_code)
    if region is None:
        raise click.BadParameter(f"没有地区代码 {region_code}。", param_hint="--region")
    result = build(region, year, quarter)
    if fmt == "json":
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    output = output or Path(f"report-{region.code}-{year}" + (f"-Q{quarter}" if quarter else "")
                            + ".xlsx")
    output.write_bytes(workbook(result))
    click.echo(f"已生成：{output}")
