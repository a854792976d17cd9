"""The funnel for admins: counts per stage, conversion, median days, stale pairings."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.matching.models import (
    FUNNEL, MATCH_ORIGINS, MATCH_STAGES, SIGNED_STAGES, Match)
from marketplace.opportunities.models import Opportunity
from marketplace.taxonomy.queries import get_region


@dataclass
class FunnelReport:
    total: int = 0
    current: dict[str, int] = field(default_factory=dict)     # where pairings are now
    reached: dict[str, int] = field(default_factory=dict)     # how many ever got there
    conversion: list[tuple[str, str, float | None]] = field(default_factory=list)
    median_days: list[tuple[str, str, float | None]] = field(default_factory=list)
    stale: list[Match] = field(default_factory=list)
    signed_amount_wan: Decimal = Decimal(0)  # exact, like the contract amounts it sums
    # origin → (pairings, of them signed or delivered), e.g. those an event started
    by_origin: dict[str, tuple[int, int]] = field(default_factory=dict)


def _matches(region_code: str | None, start: date | None, end: date | None) -> list[Match]:
    query = (sa.select(Match).join(Opportunity)
             .options(selectinload(Match.changes), joinedload(Match.opportunity),
                      joinedload(Match.supplier)))
    region = get_region(region_code)
    if region is not None:
        query = query.where(Opportunity.region_code.startswith(region.prefix))
    if start:
        query = query.where(Match.created_at >= datetime.combine(start, datetime.min.time()))
    if end:
        query = query.where(Match.created_at < datetime.combine(end + timedelta(days=1),
                                                                 datetime.min.time()))
    return db.session.scalars(query.order_by(Match.id)).unique().all()


def _reached_at(match: Match) -> dict[str, datetime]:
    """When the pairing first reached each stage (a later stage implies the earlier ones)."""
    times = {}
    for change in match.changes:
        times.setdefault(change.to_stage, change.created_at)
    return times


def report(region_code: str | None = None, start: date | None = None,
           end: date | None = None, stale_days: int = 30) -> FunnelReport:
    matches = _matches(region_code, start, end)
    result = FunnelReport(total=len(matches))
    result.current = {stage: sum(m.stage == stage for m in matches) for stage in MATCH_STAGES}
    reached_times = [_reached_at(m) for m in matches]
    for stage in FUNNEL:
        index = FUNNEL.index(stage)
        result.reached[stage] = sum(
            1 for m, times in zip(matches, reached_times)
            if stage in times or (m.stage in FUNNEL and FUNNEL.index(m.stage) >= index))
    for here, there in zip(FUNNEL, FUNNEL[1:]):
        base = result.reached[here]
        result.conversion.append((here, there, result.reached[there] / base if base else None))
        days = [(times[there] - times[here]).total_seconds() / 86400
                for times in reached_times if here in times and there in times]
        result.median_days.append((here, there, round(median(days), 1) if days else None))
    cutoff = utcnow() - timedelta(days=stale_days)
    result.stale = [m for m in matches if m.stage not in ("delivered", "terminated")
                    and m.stage_changed_at < cutoff]
    result.by_origin = {origin: (sum(m.origin == origin for m in matches),
                                 sum(m.origin == origin and m.stage in SIGNED_STAGES
                                     for m in matches))
                        for origin in MATCH_ORIGINS}
    result.signed_amount_wan = sum((m.contract_amount_wan or Decimal(0) for m in matches
                                    if m.stage in SIGNED_STAGES), Decimal(0))
    return result
