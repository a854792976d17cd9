"""A region's indicator table: values entered by the responsible unit, and the ones the
platform computes live.

An entered value is a row per indicator and period (a year, or a quarter of it); entering
it again adds a row, so the latest row is the value and the earlier ones its history.
An indicator with a ``metric`` is a fact the platform holds and is never entered: its value
is computed for the region's subtree and period by ``METRICS``.
"""
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace import audit
from marketplace.authz import Permission, require
from marketplace.demonstrations.models import Designation, Indicator, IndicatorValue
from marketplace.demonstrations.queries import published_by
from marketplace.demonstrations.services import plan_year
from marketplace.db import utcnow
from marketplace.errors import Collector, ValidationError
from marketplace.events.models import Event
from marketplace.extensions import db
from marketplace.matching.models import SIGNED_STAGES, Match
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.releases.models import Release
from marketplace.taxonomy.models import Region
from marketplace.validators import text

VALUE_MAX = Decimal("1e13")


# --- computed indicators -------------------------------------------------------------
def _in_year(column, year: int):
    return sa.extract("year", column) == year


def _designations(kind: str, level: str = ""):
    def count(region: Region, year: int) -> Decimal:
        query = sa.select(sa.func.count(Designation.id)).where(
            Designation.status == "active", Designation.kind == kind,
            Designation.year <= year, Designation.region_code.startswith(region.prefix))
        if level:
            query = query.where(Designation.level == level)
        return Decimal(db.session.scalar(query))
    return count


def _published(model):
    def count(region: Region, year: int) -> Decimal:
        return Decimal(db.session.scalar(sa.select(sa.func.count(model.id)).where(
            model.published_at.is_not(None), _in_year(model.published_at, year),
            model.region_code.startswith(region.prefix))))
    return count


def _signed(column):
    def total(region: Region, year: int) -> Decimal:
        value = db.session.scalar(
            sa.select(column).select_from(Match)
            .join(Opportunity, Opportunity.id == Match.opportunity_id)
            .where(Match.stage.in_(SIGNED_STAGES),
                   _in_year(Match.contract_date, year),
                   Opportunity.region_code.startswith(region.prefix)))
        return Decimal(value or 0)
    return total


def _lists_published(region: Region, year: int) -> Decimal:
    """Releases the region's subtree published in the year (清单发布: each release
    publishes the two lists)."""
    return Decimal(db.session.scalar(sa.select(sa.func.count(Release.id)).where(
        published_by(region), _in_year(Release.published_at, year))))


def _events_held(region: Region, year: int) -> Decimal:
    """Events (any kind) of the region's subtree that ended in the year. An event has no
    cancelled state, so one that has ended was held."""
    return Decimal(db.session.scalar(sa.select(sa.func.count(Event.id)).where(
        Event.region_code.startswith(region.prefix), _in_year(Event.ends_at, year),
        Event.ends_at <= utcnow())))


METRICS = {
    "designations:zone": ("示范区（累计）", _designations("zone")),
    "designations:project": ("示范项目（累计）", _designations("project")),
    "designations:project:province": ("省级示范项目（累计）", _designations("project", "province")),
    "designations:enterprise": ("高成长性企业（累计）", _designations("enterprise")),
    "lists_published": ("发布清单批次", _lists_published),
    "opportunities_published": ("发布机会", _published(Opportunity)),
    "products_published": ("发布产品", _published(Product)),
    "pairings_signed": ("签约对接", _signed(sa.func.count(Match.id))),
    "signed_amount_wan": ("签约金额（万元）", _signed(sa.func.sum(Match.contract_amount_wan))),
    "events_held": ("举办活动（场次）", _events_held),
}


# --- the table -----------------------------------------------------------------------
@dataclass
class IndicatorRow:
    indicator: Indicator
    value: Decimal | None
    target: object
    computed: bool
    entry: IndicatorValue | None  # the latest entered row (None when computed or empty)
    earlier: list = field(default_factory=list)  # the period's previous entries, newest first


def table(region: Region, year: int, quarter: int | None = None) -> list[IndicatorRow]:
    """The region's indicators with this period's value, its history and target: computed
    ones live, entered ones from their latest row of the period."""
    indicators = db.session.scalars(sa.select(Indicator).where(
        Indicator.region_code == region.code).order_by(Indicator.number)).all()
    entries = _period_entries([i.id for i in indicators if not i.is_computed], year, quarter)
    rows = []
    for indicator in indicators:
        target = indicator.target_for(year)
        if indicator.is_computed:
            value = METRICS[indicator.metric][1](indicator.region, year)
            rows.append(IndicatorRow(indicator, value, target, True, None))
            continue
        latest, *earlier = entries.get(indicator.id) or [None]
        rows.append(IndicatorRow(indicator, latest.value if latest else None, target, False,
                                 latest, earlier))
    return rows


def _period_entries(ids: list[int], year: int, quarter: int | None) -> dict[int, list]:
    """{indicator id: its entries for the period, newest first} in one query."""
    if not ids:
        return {}
    query = (sa.select(IndicatorValue)
             .where(IndicatorValue.indicator_id.in_(ids), IndicatorValue.year == year,
                    IndicatorValue.quarter.is_(None) if quarter is None
                    else IndicatorValue.quarter == quarter)
             .options(joinedload(IndicatorValue.entered_by))
             .order_by(IndicatorValue.id.desc()))
    entries: dict[int, list] = {}
    for entry in db.session.scalars(query):
        entries.setdefault(entry.indicator_id, []).append(entry)
    return entries


# --- entering a value ----------------------------------------------------------------
def _value(raw) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, TypeError):
        raise ValidationError("请填写数值。", field="value") from None
    if not value.is_finite() or abs(value) >= VALUE_MAX:
        raise ValidationError("请填写有效的数值。", field="value")
    return value.quantize(Decimal("0.0001"))


def _quarter(raw) -> int | None:
    raw = str(raw or "").strip()
    if not raw:
        return None
    if raw not in ("1", "2", "3", "4"):
        raise ValidationError("季度应为 1—4，按全年填报请留空。", field="quarter")
    return int(raw)


def enter_value(actor, indicator: Indicator, data: dict) -> IndicatorValue:
    """Record ``indicator``'s value for a year (and quarter) as a new row; the previous
    value of that period stays as history. Audited as ``indicator.enter``. Raises
    PermissionDenied outside the actor's regions, ValidationError for a computed
    indicator or bad input (nothing changed)."""
    require(actor, Permission.INDICATOR_ENTER, indicator)
    if indicator.is_computed:
        raise ValidationError("该指标由平台根据已发布的数据自动统计，不需要填报。", field="value")
    checks = Collector()
    checks.run("year", plan_year, data.get("year"), "年份")
    checks.run("quarter", _quarter, data.get("quarter"))
    checks.run("value", _value, data.get("value"))
    checks.run("note", text, data, "note", "说明", 300, False)
    values = checks.result()
    previous = _period_entries([indicator.id], values["year"], values["quarter"])
    before = (previous.get(indicator.id) or [None])[0]
    entry = IndicatorValue(indicator_id=indicator.id, entered_by_id=actor.id, **values)
    db.session.add(entry)
    db.session.flush()
    period = f"{values['year']}年" + (f"第{values['quarter']}季度" if values["quarter"] else "")
    audit.record(actor, "indicator.enter", indicator,
                 before={"period": period, "value": audit.jsonable(before.value)}
                 if before else None,
                 after={"period": period, "value": audit.jsonable(entry.value),
                        "note": entry.note},
                 summary=f"{indicator.name}（{period}）")
    return entry
