"""Chart specs of the dashboard (drawn by static/js/charts.js, see templates/macros/
charts.html): every bar links to the designations behind it."""
from flask import url_for


def _designations_url(region_code: str, kind: str, **period) -> str:
    return url_for("demonstrations.designations", region=region_code, kind=kind, **period)


def progress_spec(summary) -> dict:
    """Each target of the region: value against goal."""
    items = []
    kinds = [p.target.kind for p in summary.progress]
    for p in summary.progress:
        period = {"to": p.last_year, **({"from": p.first_year} if p.first_year else {})}
        name = p.target.kind_label if kinds.count(p.target.kind) == 1 else (
            f"{p.target.kind_label} {p.wording}")  # two targets of a kind: which one
        items.append({"name": name, "value": p.value,
                      "target": p.goal,
                      "url": _designations_url(summary.region.code, p.target.kind, **period)})
    return {"type": "progress", "relative": True, "unit": "个", "items": items}


def by_year_spec(summary) -> dict:
    """Designations by year, stacked by kind, up to the page's year."""
    years = sorted({year for counts in summary.by_year.values() for year in counts
                    if year <= summary.period.year})
    series = []
    for kind, label in summary.kinds.items():
        counts = summary.by_year.get(kind, {})
        series.append({"name": label, "data": [
            {"value": counts.get(year, 0),
             "url": _designations_url(summary.region.code, kind, **{"from": year, "to": year})}
            for year in years]})
    return {"type": "bar", "stack": True, "categories": [f"{y}年" for y in years],
            "series": series, "unit": "个"}


def fields_spec(region_code: str, rows) -> dict:
    """Opportunities the region published in the period, by field group."""
    return {"type": "bar", "horizontal": True, "unit": "项", "items": [
        {"name": group.name, "value": count,
         "url": url_for("opportunities.index", region=region_code, field=group.id,
                        status="all")} for group, count in rows]}


def funnel_spec(region_code: str, report, linked: bool) -> dict:
    """How many pairings of the period reached each stage of the funnel."""
    from marketplace.matching.models import FUNNEL, MATCH_STAGES

    url = url_for("matching.funnel_report", region=region_code) if linked else None
    return {"type": "stages", "shape": "bar", "unit": "个", "items": [
        {"name": MATCH_STAGES[stage], "value": report.reached.get(stage, 0),
         **({"url": url} if url else {})} for stage in FUNNEL]}

