"""Reads of the 十百千 plan: designations rolled up the region tree and progress against
targets.

Roll-up: a region's value is every active designation in its subtree (its code prefix, see
``Region.prefix``): its own plus its children's, recursively. Revoked designations never
count. ``Tally`` runs one grouped query and answers any region of the tree from it, so a
province dashboard costs the same few queries whatever the number of designations.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from marketplace.db import beijing_today
from marketplace.demonstrations.models import (
    DEMONSTRATION_KINDS, DemonstrationTarget, Designation)
from marketplace.extensions import db
from marketplace.taxonomy.models import Region


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
    rows = []
    for target in targets_of(region, year):
        goal, first, last = _goal_for(target, year)
        rows.append(TargetProgress(
            target=target, first_year=first, last_year=last, goal=goal,
            value=tally.count(region, target.kind, first, last),
            own=tally.count(region, target.kind, first, last, own=True),
            elapsed=_elapsed(first, last, today)))
    return rows
