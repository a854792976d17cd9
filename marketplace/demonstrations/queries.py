"""Reads of the 十百千 plan: designations rolled up the region tree and progress against
targets.

Roll-up: a region's value is every active designation in its subtree (its code prefix, see
``Region.prefix``): its own plus its children's, recursively. Revoked designations never
count. ``Tally`` runs one grouped query and answers any region of the tree from it, so a
province dashboard costs the same few queries whatever the number of designations.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from marketplace.authz import region_prefix
from marketplace.db import BEIJING, beijing_today
from marketplace.demonstrations.models import (
    DEMONSTRATION_KINDS, DemonstrationTarget, Designation)
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS, PUBLIC_STATUSES
from marketplace.matching.models import SIGNED_STAGES, Match
from marketplace.opportunities.models import Opportunity
from marketplace.releases.models import Release
from marketplace.taxonomy.models import Field, Region
from marketplace.taxonomy.queries import region_path



class Tally:
    """Active designations counted by (region code, kind, year), from one query."""

    def __init__(self, prefix: str = "", kinds=None):
        query = (sa.select(Designation.region_code, Designation.kind, Designation.year,
                           sa.func.count(Designation.id))
                 .where(Designation.status == "active",
                        Designation.region_code.startswith(prefix))
                 .group_by(Designation.region_code, Designation.kind, Designation.year))
        if kinds:
            query = query.where(Designation.kind.in_(kinds))
        self._counts = Counter({(code, kind, year): n
                                for code, kind, year, n in db.session.execute(query)})

    def count(self, region: Region, kind: str, first_year: int | None = None,
              last_year: int | None = None, own: bool = False) -> int:
        """Designations of ``kind`` in ``region`` (``own``: designated by the region itself;
        otherwise its whole subtree), with a year in [first_year, last_year]."""
        def wanted(code: str, year: int) -> bool:
            in_region = code == region.code if own else code.startswith(region.prefix)
            return (in_region and (first_year is None or year >= first_year)
                    and (last_year is None or year <= last_year))
        return sum(n for (code, k, year), n in self._counts.items()
                   if k == kind and wanted(code, year))

    def by_year(self, region: Region, kind: str) -> dict[int, int]:
        """Designations of ``kind`` in ``region``'s subtree, by year."""
        years = Counter()
        for (code, k, year), n in self._counts.items():
            if k == kind and code.startswith(region.prefix):
                years[year] += n
        return dict(sorted(years.items()))


@dataclass
class TargetProgress:
    target: DemonstrationTarget
    first_year: int | None
    last_year: int
    goal: int | None          # the number to reach by last_year (None: no number set)
    value: int                # rolled up over the region's subtree
    own: int                  # designated by the region itself
    elapsed: float            # share of the target's period gone by (0..1)

    @property
    def percent(self) -> int | None:
        if not self.goal:
            return None
        return round(100 * self.value / self.goal)

    @property
    def on_track(self) -> bool | None:
        """At least the share of the goal that the elapsed share of the period asks for."""
        if not self.goal:
            return None
        return self.value >= self.goal * self.elapsed

    @property
    def wording(self) -> str:
        """The goal as the plan says it: "50个左右", "10个以上", "2—3个"."""
        qualifier = self.target.qualifier or ""
        if qualifier and not qualifier.startswith(("左右", "以上")):
            return qualifier
        return f"{self.goal}个{qualifier}" if self.goal is not None else "—"


def _elapsed(first_year: int | None, last_year: int, today: date) -> float:
    start = date(first_year or last_year, 1, 1)
    end = date(last_year, 12, 31)
    if today <= start:
        return 0.0
    return min((today - start).days / ((end - start).days or 1), 1.0)


def _goal_for(target: DemonstrationTarget, year: int) -> tuple[int | None, int | None, int]:
    """(goal, first year counted, last year counted) of ``target`` as seen in ``year``."""
    by_year = target.targets_by_year or {}
    if by_year:  # cumulative yearly goals (西湖区: 1→2→3→4): the latest year up to ``year``
        years = sorted(int(y) for y in by_year)
        upto = max([y for y in years if y <= year] or years[:1])
        return by_year[str(upto)], None, upto
    return target.target, target.start_year, target.end_year or year


def targets_of(region: Region, year: int | None = None) -> list[DemonstrationTarget]:
    """The region's own targets in force in ``year`` (all when None), by kind."""
    query = sa.select(DemonstrationTarget).where(DemonstrationTarget.region_code == region.code)
    if year is not None:
        query = query.where(sa.or_(DemonstrationTarget.start_year.is_(None),
                                   DemonstrationTarget.start_year <= year),
                            sa.or_(DemonstrationTarget.end_year.is_(None),
                                   DemonstrationTarget.end_year >= year))
    kinds = list(DEMONSTRATION_KINDS)
    return sorted(db.session.scalars(query), key=lambda t: (kinds.index(t.kind), t.id))


def progress(region: Region, tally: Tally, year: int | None = None,
             today: date | None = None) -> list[TargetProgress]:
    """Each target of ``region`` with its rolled-up value and how far along it is."""
    today = today or beijing_today()
    year = year or today.year
    return [_progress_of(target, region, tally, year, today)
            for target in targets_of(region, year)]


def _progress_of(target: DemonstrationTarget, region: Region, tally: Tally, year: int,
                 today: date) -> TargetProgress:
    goal, first, last = _goal_for(target, year)
    return TargetProgress(
        target=target, first_year=first, last_year=last, goal=goal,
        value=tally.count(region, target.kind, first, last),
        own=tally.count(region, target.kind, first, last, own=True),
        elapsed=_elapsed(first, last, today))


def targets_behind(region_code: str | None = None,
                   today: date | None = None) -> list[TargetProgress]:
    """Targets in force this year, of every region in ``region_code``'s subtree (all
    when None), whose designations lag behind the share of the period gone by
    (``TargetProgress.on_track`` is False); the furthest behind first. Three queries:
    the targets with their regions, and one ``Tally``."""
    today = today or beijing_today()
    prefix = region_prefix(region_code) if region_code else ""
    query = (sa.select(DemonstrationTarget)
             .where(DemonstrationTarget.region_code.startswith(prefix),
                    sa.or_(DemonstrationTarget.start_year.is_(None),
                           DemonstrationTarget.start_year <= today.year),
                    sa.or_(DemonstrationTarget.end_year.is_(None),
                           DemonstrationTarget.end_year >= today.year))
             .options(region_path(DemonstrationTarget.region)))
    targets = db.session.scalars(query).all()
    if not targets:
        return []
    tally = Tally(prefix)
    rows = [_progress_of(t, t.region, tally, today.year, today) for t in targets]
    behind = [row for row in rows if row.on_track is False]
    return sorted(behind, key=lambda row: (row.value / row.goal - row.elapsed,
                                           row.target.region_code, row.target.id))


# --- dashboards and the public progress page --------------------------------------------
def period_bounds(first_year: int | None, last_year: int) -> tuple[datetime | None, datetime]:
    """[start, end) in stored (naive UTC) time of Beijing years first_year..last_year
    (start None: from the beginning)."""
    def utc(year: int) -> datetime:
        return (datetime(year, 1, 1, tzinfo=BEIJING).astimezone(timezone.utc)
                .replace(tzinfo=None))
    return (utc(first_year) if first_year else None), utc(last_year + 1)


def region_with_parents(code: str | None) -> Region | None:
    """The region with the city and province above it (``full_name`` walks up)."""
    if not code:
        return None
    return db.session.scalar(sa.select(Region).where(Region.code == code)
                             .options(joinedload(Region.parent).joinedload(Region.parent)))


def child_regions(region: Region) -> list[Region]:
    """The places one level below ``region``: its children, a grouping in the code list
    (湖北省省直辖县级行政区划) replaced by what it groups. One query."""
    below = db.session.scalars(
        sa.select(Region).where(Region.code.startswith(region.prefix), Region.code != region.code)
        .order_by(Region.code)).all()
    placeholders = {r.code for r in below if r.parent_code == region.code and r.is_placeholder}
    return [r for r in below
            if (r.parent_code == region.code and not r.is_placeholder)
            or r.parent_code in placeholders]


def published_listings_by_region(prefix: str, first_year: int | None,
                                 last_year: int) -> dict[str, Counter]:
    """{listing kind: Counter(region code → listings published in the period)}: one
    grouped query per kind. Closed listings count too: they were published."""
    start, end = period_bounds(first_year, last_year)
    counts = {}
    for kind, model in LISTING_MODELS.items():
        query = (sa.select(model.region_code, sa.func.count(model.id))
                 .where(model.status.in_(PUBLIC_STATUSES), model.published_at.is_not(None),
                        model.region_code.startswith(prefix), model.published_at < end)
                 .group_by(model.region_code))
        if start is not None:
            query = query.where(model.published_at >= start)
        counts[kind] = Counter(dict(db.session.execute(query).all()))
    return counts


def opportunities_by_field_group(prefix: str, first_year: int | None,
                                 last_year: int) -> list[tuple[Field, int]]:
    """Field groups (一级领域) with the opportunities the subtree published in the period,
    most first: one grouped query."""
    start, end = period_bounds(first_year, last_year)
    group = aliased(Field)
    query = (sa.select(group, sa.func.count(Opportunity.id))
             .join(Field, Field.id == Opportunity.field_id)
             .join(group, group.id == Field.parent_id)
             .where(Opportunity.status.in_(PUBLIC_STATUSES),
                    Opportunity.published_at.is_not(None), Opportunity.published_at < end,
                    Opportunity.region_code.startswith(prefix))
             .group_by(group.id).order_by(sa.func.count(Opportunity.id).desc(), group.id))
    if start is not None:
        query = query.where(Opportunity.published_at >= start)
    return [(field, count) for field, count in db.session.execute(query).all()]


def signed_pairings_by_region(prefix: str, first_year: int | None,
                              last_year: int) -> dict[str, tuple[int, Decimal]]:
    """{opportunity region code: (pairings signed, amount in 万元)} of pairings that reached
    已签约 (or 已落地) with a contract date in the period: one grouped query."""
    query = (sa.select(Opportunity.region_code, sa.func.count(Match.id),
                       sa.func.coalesce(sa.func.sum(Match.contract_amount_wan), 0))
             .join(Opportunity, Match.opportunity_id == Opportunity.id)
             .where(Match.stage.in_(SIGNED_STAGES), Match.contract_date.is_not(None),
                    Opportunity.region_code.startswith(prefix),
                    Match.contract_date <= date(last_year, 12, 31))
             .group_by(Opportunity.region_code))
    if first_year:
        query = query.where(Match.contract_date >= date(first_year, 1, 1))
    return {code: (n, Decimal(amount)) for code, n, amount in db.session.execute(query)}


def published_by(region: Region):
    """A WHERE clause: releases published by ``region``'s subtree. The platform's own
    batches (no region) count for the province."""
    clause = Release.region_code.startswith(region.prefix)
    if region.level == "province":
        clause = sa.or_(clause, Release.region_code.is_(None))
    return sa.and_(Release.status == "published", clause)


def releases_published(region: Region, first_year: int | None, last_year: int) -> int:
    """Releases (batches of lists) the region's subtree published in the period."""
    query = sa.select(sa.func.count(Release.id)).where(
        published_by(region), Release.published_on <= date(last_year, 12, 31))
    if first_year:
        query = query.where(Release.published_on >= date(first_year, 1, 1))
    return db.session.scalar(query)


def designations(region: Region, kind: str | None, first_year: int | None,
                 last_year: int | None, own: bool = False, status: str | None = "active",
                 page: int = 1, per_page: int = 50):
    """A page of the designations behind a dashboard number, newest year first, with what
    the list shows of each (its region path and organization)."""
    query = (sa.select(Designation)
             .options(region_path(Designation.region), joinedload(Designation.organization))
             .order_by(Designation.year.desc(), Designation.id.desc()))
    query = query.where(Designation.region_code == region.code if own
                        else Designation.region_code.startswith(region.prefix))
    if kind:
        query = query.where(Designation.kind == kind)
    if first_year:
        query = query.where(Designation.year >= first_year)
    if last_year:
        query = query.where(Designation.year <= last_year)
    if status:
        query = query.where(Designation.status == status)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def designation(designation_id: int) -> Designation | None:
    """One designation with what its page shows: region path, organization, the pairing,
    opportunity, product and proposal it came from, and who recorded it."""
    return db.session.scalar(
        sa.select(Designation).where(Designation.id == designation_id)
        .options(region_path(Designation.region), joinedload(Designation.organization),
                 joinedload(Designation.match).joinedload(Match.supplier),
                 joinedload(Designation.opportunity).joinedload(Opportunity.organization),
                 joinedload(Designation.product), joinedload(Designation.proposal),
                 selectinload(Designation.evidence)))
