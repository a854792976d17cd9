"""What the 十百千 pages show, gathered before they render (templates run no queries).

* the dashboard (admins, ``DASHBOARD_VIEW`` on the region): each target of the region with
  its progress, the roll-up over the region's children with every number a link (a
  child's name → its dashboard, a count → the designations behind it), and the period's
  lists, pairings and releases;
* the designations behind a number, and one designation with what it came from;
* the public progress page: the same counts without links to anything unpublished.

A page costs the same few queries whatever the number of designations: one ``Tally``,
the targets, the regions, and grouped counts for listings and pairings.

The period of a page is a year and a span: ``year`` alone, or ``all`` — every year up to
it (cumulative, like the plans' targets).
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from marketplace.authz import (
    Permission, can, can_in_region, can_view_match, can_view_proposal, region_scope)
from marketplace.db import beijing_today
from marketplace.demonstrations import charts, queries
from marketplace.matching import funnel
from marketplace.demonstrations.models import (
    DEMONSTRATION_KINDS, DESIGNATION_KINDS, DESIGNATION_STATUSES, Designation)
from marketplace.demonstrations.services import plan_years
from marketplace.errors import NotFound, PermissionDenied
from marketplace.taxonomy.models import Region
from marketplace.taxonomy.queries import regions_for
from marketplace.validators import as_id, as_whole

DEFAULT_REGION = "360000"  # 江西省: the province whose plan this platform serves
SPANS = {"all": "截至当年累计", "year": "当年"}


@dataclass
class Period:
    year: int
    span: str  # "all" | "year"

    @property
    def first_year(self) -> int | None:
        return self.year if self.span == "year" else None

    @property
    def label(self) -> str:
        return f"{self.year}年" if self.span == "year" else f"截至{self.year}年"

    @property
    def args(self) -> dict:
        """The period as designations-list arguments (``from`` / ``to``)."""
        return {"to": self.year, **({"from": self.year} if self.span == "year" else {})}

    @classmethod
    def from_args(cls, args) -> "Period":
        years = plan_years()
        raw = (args.get("year") or "").strip()
        year = as_whole(raw) if as_whole(raw) in years else beijing_today().year
        span = args.get("span") if args.get("span") in SPANS else "all"
        return cls(year=year, span=span)


@dataclass
class Row:
    """A region's numbers in the roll-up table."""
    region: Region
    counts: dict[str, int]      # designations by kind, rolled up over its subtree
    own: dict[str, int]         # designated by the region itself
    listings: dict[str, int]    # published opportunities / products in its subtree
    signed: int = 0             # pairings signed (opportunity in its subtree)
    amount: Decimal = Decimal(0)

    @property
    def lists(self) -> int:
        return sum(self.listings.values())


@dataclass
class Summary:
    region: Region
    period: Period
    kinds: dict[str, str]
    progress: list                # TargetProgress of the region's targets
    total: Row
    itself: Row                   # the region's own designations, listings, pairings
    children: list[Row] = field(default_factory=list)
    by_year: dict[str, dict[int, int]] = field(default_factory=dict)  # kind → year → count

    @property
    def above(self) -> list[Region]:
        """The regions above, province first (loaded with the region), for drilling up."""
        places, place = [], self.region.parent
        while place is not None:
            if not place.is_placeholder:
                places.insert(0, place)
            place = place.parent
        return places


def _scoped(user, region: Region) -> None:
    """403 with the reason when ``region`` is outside what ``user`` may watch."""
    if not can_in_region(user, Permission.DASHBOARD_VIEW, region.code):
        raise PermissionDenied(f"{region.full_name}不在您管理的地区范围内，无法查看其统计。")


def _region(code: str | None) -> Region:
    region = queries.region_with_parents(code)
    if region is None or region.is_placeholder:
        raise NotFound()
    return region


def default_region_code(user) -> str:
    """The region a user's dashboard opens on: their own scope (a region administrator),
    the province for platform administrators."""
    return region_scope(user) or DEFAULT_REGION


def _summary(region: Region, period: Period, kinds: dict[str, str]) -> Summary:
    tally = queries.Tally(region.prefix, kinds=list(kinds))
    listings = queries.published_listings_by_region(region.prefix, period.first_year,
                                                    period.year)
    pairings = queries.signed_pairings_by_region(region.prefix, period.first_year, period.year)

    def row(place: Region, own: bool = False) -> Row:
        """``place``'s numbers over its subtree (``own``: listings and pairings of the
        place itself, for the "本级" row)."""
        def under(code: str) -> bool:
            return code == place.code if own else code.startswith(place.prefix)
        signed = [value for code, value in pairings.items() if under(code)]
        return Row(
            region=place,
            counts={k: tally.count(place, k, period.first_year, period.year) for k in kinds},
            own={k: tally.count(place, k, period.first_year, period.year, own=True)
                 for k in kinds},
            listings={kind: sum(n for code, n in counter.items() if under(code))
                      for kind, counter in listings.items()},
            signed=sum(n for n, _ in signed), amount=sum((a for _, a in signed), Decimal(0)))

    return Summary(region=region, period=period, kinds=kinds,
                   progress=queries.progress(region, tally, period.year),
                   total=row(region), itself=row(region, own=True),
                   children=[row(child) for child in queries.child_regions(region)],
                   by_year={kind: tally.by_year(region, kind) for kind in kinds})


def dashboard_context(user, args) -> dict:
    """The admin dashboard of the region in ``args`` (default: the user's own)."""
    region = _region(args.get("region") or default_region_code(user))
    _scoped(user, region)
    period = Period.from_args(args)
    summary = _summary(region, period, DESIGNATION_KINDS)
    choices = regions_for(user, Permission.DASHBOARD_VIEW)
    linkable = {up.code for up in summary.above
                if can_in_region(user, Permission.DASHBOARD_VIEW, up.code)}
    other_years = sorted({t.end_year for t in queries.targets_of(region) if t.end_year})
    return {"summary": summary, "period": period, "spans": SPANS, "linkable": linkable,
            "last_target_year": other_years[-1] if other_years else None,
            "years": list(reversed(plan_years())), "regions": choices,
            "releases": queries.releases_published(region, period.first_year, period.year),
            "can_see_funnel": can(user, Permission.FUNNEL_VIEW),
            "charts": _charts(user, summary)}


def _charts(user, summary: "Summary") -> dict:
    """The dashboard's charts; each bar links to the rows behind it."""
    region, period = summary.region, summary.period
    start, end = period_dates(period)
    linked = can(user, Permission.FUNNEL_VIEW)
    return {"progress": charts.progress_spec(summary),
            "by_year": charts.by_year_spec(summary),
            "fields": charts.fields_spec(region.code, queries.opportunities_by_field_group(
                region.prefix, period.first_year, period.year)),
            "funnel": charts.funnel_spec(region.code, funnel.report(region.code, start, end),
                                         linked)}


def period_dates(period: "Period") -> tuple[date | None, date]:
    return (date(period.first_year, 1, 1) if period.first_year else None,
            date(period.year, 12, 31))


def progress_context(args) -> dict:
    """The public progress page: targets and counts only (active designations, published
    listings, signed pairings); nothing personal, nothing unpublished."""
    region = _region(args.get("region") or DEFAULT_REGION)
    period = Period.from_args(args)
    return {"summary": _summary(region, period, DEMONSTRATION_KINDS), "period": period,
            "spans": SPANS, "years": list(reversed(plan_years()))}


@dataclass
class DesignationFilters:
    region: Region
    kind: str | None
    first_year: int | None
    last_year: int | None
    own: bool
    status: str | None
    page: int

    @property
    def description(self) -> str:
        """The filters in words: 江西省南昌市（含下辖地区）· 示范项目 · 2022—2026年 · 有效."""
        parts = [self.region.full_name + ("（本级）" if self.own else "（含下辖地区）")]
        if self.kind:
            parts.append(DESIGNATION_KINDS[self.kind])
        first, last = self.first_year, self.last_year
        if first and last:
            parts.append(f"{first}年" if first == last else f"{first}—{last}年")
        elif last:
            parts.append(f"截至{last}年")
        elif first:
            parts.append(f"{first}年起")
        parts.append(DESIGNATION_STATUSES[self.status] if self.status else "全部状态")
        return " · ".join(parts)

    @property
    def dashboard_args(self) -> dict:
        args = {"region": self.region.code}
        if self.last_year:
            args["year"] = self.last_year
            args["span"] = "year" if self.first_year == self.last_year else "all"
        return args


def _year(raw) -> int | None:
    year = as_whole(raw)
    return year if year is not None and 1000 <= year <= 9999 else None


def designations_context(user, args) -> dict:
    """The designations behind a dashboard number: ``region`` (its subtree, or ``own=1``
    the region itself), ``kind``, ``from`` / ``to`` years, ``status`` (active unless
    ``all`` or ``revoked``)."""
    region = _region(args.get("region") or default_region_code(user))
    _scoped(user, region)
    kind = args.get("kind") if args.get("kind") in DESIGNATION_KINDS else None
    status = args.get("status", "active")
    status = None if status == "all" else (status if status in DESIGNATION_STATUSES
                                           else "active")
    page = args.get("page", "")
    filters = DesignationFilters(region=region, kind=kind, first_year=_year(args.get("from")),
                                 last_year=_year(args.get("to")), own=args.get("own") == "1",
                                 status=status, page=as_id(page) or 1)
    return {"filters": filters, "kinds": DESIGNATION_KINDS,
            "page": queries.designations(region, kind, filters.first_year, filters.last_year,
                                         filters.own, status, filters.page)}


def viewable_designation(user, designation_id: int) -> Designation:
    """The designation with what its page shows; NotFound, or PermissionDenied (naming
    the region) outside the user's regions."""
    designation: Designation | None = queries.designation(designation_id)
    if designation is None:
        raise NotFound()
    _scoped(user, designation.region)
    return designation


def designation_context(user, designation_id: int) -> dict:
    designation = viewable_designation(user, designation_id)
    # Links only to what the user may open (a region administrator sees no pairings).
    return {"designation": designation,
            "may_see_pairing": bool(designation.match and can_view_match(user, designation.match)),
            "may_see_proposal": bool(designation.proposal
                                     and can_view_proposal(user, designation.proposal))}
