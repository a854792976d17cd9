"""What the programme's management pages show: the designation form with the choices in
the administrator's regions, the indicator table with its entry forms, the target form,
and the 调度 report. Gathered before the templates render."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import Organization
from marketplace.audit import AuditLog
from marketplace.authz import Permission, can, can_in_region
from marketplace.db import beijing_today
from marketplace.demonstrations import indicators, reports
from marketplace.demonstrations.forms import DesignationForm, IndicatorValueForm
from marketplace.demonstrations.models import (
    DESIGNATION_KINDS, DemonstrationTarget, Designation)
from marketplace.demonstrations.pages import default_region_code
from marketplace.demonstrations.services import plan_years
from marketplace.errors import NotFound, PermissionDenied
from marketplace.extensions import db
from marketplace.matching.models import SIGNED_STAGES, Match
from marketplace.opportunities.models import Opportunity
from marketplace.taxonomy.models import Region
from marketplace.taxonomy.queries import get_place, regions_for
from marketplace.validators import as_whole


def _signed_pairings(user) -> list[tuple[int, str]]:
    designated = sa.select(Designation.match_id).where(Designation.status == "active",
                                                        Designation.match_id.is_not(None))
    matches = db.session.scalars(
        sa.select(Match).join(Opportunity, Opportunity.id == Match.opportunity_id)
        .where(Match.stage.in_(SIGNED_STAGES), Match.id.not_in(designated))
        .order_by(Match.id.desc()).limit(500)).all()
    return [(m.id, f"{m.opportunity.public_number or ''} {m.opportunity.title} ↔ "
                   f"{m.supplier.name}（{m.stage_label}）")
            for m in matches
            if can_in_region(user, Permission.DESIGNATION_MANAGE, m.opportunity.region_code)]


def _enterprises() -> list[tuple[int, str]]:
    return [(org.id, org.name) for org in db.session.scalars(
        sa.select(Organization).where(Organization.kind != "department",
                                      Organization.status == "verified")
        .order_by(Organization.name))]


def designation_form(user, form: DesignationForm, kind: str, args) -> dict:
    """The form of ``kind`` with its choices; prefilled from ``args`` (region, match) on
    first view. Raises NotFound for an unknown kind."""
    if kind not in DESIGNATION_KINDS:
        raise NotFound()
    form.kind.data = kind
    form.fill_choices(regions_for(user, Permission.DESIGNATION_MANAGE),
                      _signed_pairings(user) if kind == "project" else [],
                      _enterprises() if kind == "enterprise" else [])
    if not form.is_submitted():
        form.region_code.data = args.get("region") or default_region_code(user)
        form.year.data = str(beijing_today().year)
        form.match_id.data = args.get("match", "")
    return {"form": form, "kind": kind, "kind_label": DESIGNATION_KINDS[kind]}


def region_of(code: str | None) -> Region:
    region = get_place(code)
    if region is None:
        raise NotFound()
    return region


def indicators_context(user, args, form: IndicatorValueForm | None = None) -> dict:
    """The region's indicator table for a year (and quarter), with entry forms for those
    who may enter values there."""
    region = region_of(args.get("region") or default_region_code(user))
    if not can_in_region(user, Permission.DASHBOARD_VIEW, region.code):
        raise PermissionDenied(f"{region.full_name}不在您管理的地区范围内。")
    period = _period(args)
    rows = indicators.table(region, period.year, period.quarter)
    form = form or IndicatorValueForm(formdata=None, year=str(period.year),
                                      quarter=str(period.quarter or ""))
    return {"region": region, "region_name": region.full_name, "period": period,
            "rows": rows, "form": form,
            "may_enter": can_in_region(user, Permission.INDICATOR_ENTER, region.code),
            "years": list(reversed(plan_years())),
            "regions": regions_for(user, Permission.DASHBOARD_VIEW)}


def _period(args) -> reports.Period:
    year, quarter = (args.get("year") or "").strip(), (args.get("quarter") or "").strip()
    return reports.Period(as_whole(year) if 2000 < (as_whole(year) or 0) < 2100
                          else beijing_today().year,
                          int(quarter) if quarter in ("1", "2", "3", "4") else None)


def report_context(user, args) -> dict:
    region = region_of(args.get("region") or default_region_code(user))
    if not can_in_region(user, Permission.DASHBOARD_VIEW, region.code):
        raise PermissionDenied(f"{region.full_name}不在您管理的地区范围内。")
    period = _period(args)
    report = reports.build(region, period.year, period.quarter)
    # Names read here, before rendering (a region's full name walks up its parents).
    return {"report": report, "region_name": region.full_name,
            "new_designations": [(d, d.region.full_name) for d in report.new_designations]}


def target_of(user, target_id: int) -> DemonstrationTarget:
    """The target if ``user`` may change it; NotFound, or PermissionDenied naming the
    region when it lies outside the user's regions."""
    target = db.session.get(DemonstrationTarget, target_id)
    if target is None:
        raise NotFound()
    if not can(user, Permission.TARGET_MANAGE, target):
        raise PermissionDenied(f"{target.region.full_name}不在您管理的地区范围内。")
    return target


def target_history(target: DemonstrationTarget) -> list[AuditLog]:
    """The target's changes (its audit records), newest first, with who made them."""
    return db.session.scalars(
        sa.select(AuditLog).where(AuditLog.object_type == "target",
                                  AuditLog.object_id == target.id)
        .options(joinedload(AuditLog.actor)).order_by(AuditLog.id.desc())).all()

