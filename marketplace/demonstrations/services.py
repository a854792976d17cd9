"""Designations of the 十百千 plan (made, revoked) and its targets (changed); every change
audited.

A designation belongs to a region and a year. Who may designate in a region is authz's
``DESIGNATION_MANAGE`` on an object of that region (a region administrator only within
its subtree); a region outside it is refused (PermissionDenied, naming the region),
nothing changed. Each kind has its own rules:

* 示范区 (zone): a name, its scenario focus and its lead unit;
* 示范项目 (project): a level (区级 / 市级 / 省级) and either a pairing that reached 已签约
  or 已落地 (the project takes its opportunity's title, product, proposal and supplier) or,
  entered by hand, a name and the evidence;
* 高成长性企业 (enterprise): a verified enterprise or institute and the reason;
* 推荐目录产品 (catalogue): a published product (its title and organization).

The same pairing, enterprise or product is designated once per kind and year while
active. Revoking needs a reason; the row stays as history and never counts again.
"""
import sqlalchemy as sa

from marketplace import audit
from marketplace.accounts.models import Organization
from marketplace.authz import Permission, can, can_in_region, require
from marketplace.db import beijing_today, utcnow
from marketplace.demonstrations.models import (
    DESIGNATION_KINDS, DESIGNATION_STATUSES, DESIGNATION_TRANSITIONS, PROJECT_LEVELS,
    Designation, DesignationEvidence)
from marketplace.errors import (
    Collector, IllegalTransition, PermissionDenied, ValidationError)
from marketplace.extensions import db
from marketplace.matching.models import SIGNED_STAGES, Match
from marketplace.products.models import Product
from marketplace.taxonomy.queries import get_region
from marketplace.taxonomy.services import place_code
from marketplace.validators import as_id, as_whole, choice, text
from marketplace.workflow import change_state

PLAN_FIRST_YEAR = 2020  # the seeds' plans start in 2022 and count a 2020-22 baseline
REASON_MAX = 500


def plan_years() -> range:
    """Years a designation may have: the plan's first year to next year."""
    return range(PLAN_FIRST_YEAR, beijing_today().year + 2)


def plan_year(raw, label: str = "认定年份", field: str = "year") -> int:
    """A year of the plan (``plan_years``), or ValidationError at ``field``."""
    years = plan_years()
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"请填写{label}。", field=field) from None
    if year not in years:
        raise ValidationError(f"{label}应在 {years.start}—{years.stop - 1} 年之间。",
                              field=field)
    return year


def _region(actor, raw) -> str:
    code = place_code(raw)
    if not can_in_region(actor, Permission.DESIGNATION_MANAGE, code):
        region = get_region(code)
        # The form offers only the actor's regions: another one is a forged request.
        raise PermissionDenied(f"{region.full_name}不在您管理的地区范围内。")
    return code


def _signed_match(raw) -> Match:
    match = db.session.get(Match, as_id(raw)) if as_id(raw) else None
    if match is None:
        raise ValidationError("请选择对接记录。", field="match_id")
    if match.stage not in SIGNED_STAGES:
        raise ValidationError(f"该对接当前为“{match.stage_label}”，签约或落地后才能认定为示范项目。",
                              field="match_id")
    return match


def _enterprise(raw) -> Organization:
    org = db.session.get(Organization, as_id(raw)) if as_id(raw) else None
    if org is None or org.kind == "department" or not org.is_verified:
        raise ValidationError("请选择已认证的企业或科研院所。", field="organization_id")
    return org


def _published_product(raw) -> Product:
    """By id, or by public number as people write it (CP-2026-01-012)."""
    raw = str(raw or "").strip()
    product = (db.session.get(Product, as_id(raw)) if as_id(raw) else
               db.session.scalar(sa.select(Product).where(Product.public_number == raw.upper()))
               if raw else None)
    if product is None or product.status != "published":
        raise ValidationError("请选择已发布的产品。", field="product_id")
    return product


def _zone(checks: Collector, data: dict) -> None:
    checks.run("name", text, data, "name", "示范区名称", 200)
    checks.run("focus", text, data, "focus", "场景方向", 300)
    checks.run("lead_unit", text, data, "lead_unit", "牵头单位", 200)


def _project(checks: Collector, data: dict) -> None:
    checks.run("level", choice, data, "level", "示范项目级别", PROJECT_LEVELS)
    if str(data.get("match_id") or "").strip():
        match = checks.run("match_id", _signed_match, data.get("match_id"))
        if match is not None:
            checks.values.update(
                match_id=match.id, name=match.opportunity.title[:200],
                opportunity_id=match.opportunity_id, product_id=match.product_id,
                proposal_id=match.proposal_id, organization_id=match.supplier_id)
        checks.run("reason", text, data, "reason", "认定说明", 2000, False)
    else:  # entered by hand: what it is and the evidence
        checks.run("name", text, data, "name", "项目名称", 200)
        checks.run("reason", text, data, "reason", "认定依据（证明材料说明）", 2000)


def _enterprise_designation(checks: Collector, data: dict) -> None:
    org = checks.run("organization_id", _enterprise, data.get("organization_id"))
    if org is not None:
        checks.values.update(organization_id=org.id, name=org.name)
    checks.run("reason", text, data, "reason", "认定理由", 2000)


def _catalogue(checks: Collector, data: dict) -> None:
    product = checks.run("product_id", _published_product, data.get("product_id"))
    if product is not None:
        checks.values.update(product_id=product.id, name=product.title,
                             organization_id=product.organization_id)
    checks.run("reason", text, data, "reason", "入选说明", 2000, False)


KIND_CHECKS = {"zone": _zone, "project": _project, "enterprise": _enterprise_designation,
               "catalogue": _catalogue}
# What makes two active designations of a kind and year the same one.
IDENTITY = {"project": "match_id", "enterprise": "organization_id", "catalogue": "product_id"}


def clean(actor, data: dict) -> dict:
    """Every field of ``data`` checked at once; raises one ValidationError listing all."""
    checks = Collector()
    kind = checks.run("kind", choice, data, "kind", "认定类别", DESIGNATION_KINDS)
    checks.run("region_code", _region, actor, data.get("region_code"))
    checks.run("year", plan_year, data.get("year"))
    checks.run("batch", text, data, "batch", "批次", 100, False)
    if kind in KIND_CHECKS:
        KIND_CHECKS[kind](checks, data)
    return checks.result()


def _refuse_duplicate(values: dict) -> None:
    key = IDENTITY.get(values["kind"])
    if key is None or values.get(key) is None:
        return
    exists = db.session.scalar(sa.select(Designation.id).where(
        Designation.kind == values["kind"], Designation.year == values["year"],
        getattr(Designation, key) == values[key], Designation.status == "active"))
    if exists:
        label = DESIGNATION_KINDS[values["kind"]]
        raise ValidationError(f"“{values['name']}”已被认定为{values['year']}年的{label}。",
                              field=key)


def designate(actor, data: dict) -> Designation:
    """Create an active designation from ``data`` (kind, region_code, year, batch and the
    kind's fields). Raises PermissionDenied without DESIGNATION_MANAGE, ValidationError
    with every field's problem (a region outside the actor's subtree included)."""
    require(actor, Permission.DESIGNATION_MANAGE)
    values = clean(actor, data)
    _refuse_duplicate(values)
    designation = Designation(created_by_id=actor.id, status="active", **values)
    db.session.add(designation)
    db.session.flush()
    audit.record(actor, "designation.create", designation,
                 after=audit.snapshot(designation, Designation.audit_fields),
                 summary=f"{designation.kind_label}：{designation.name}")
    return designation


def _require_in_scope(actor, designation: Designation) -> None:
    """PermissionDenied without DESIGNATION_MANAGE, naming the region when it is only the
    region that is out of the actor's reach."""
    require(actor, Permission.DESIGNATION_MANAGE)
    if not can(actor, Permission.DESIGNATION_MANAGE, designation):
        raise PermissionDenied(f"{designation.region.full_name}不在您管理的地区范围内。")


def revoke(actor, designation: Designation, reason: str) -> None:
    """Revoke an active designation with a reason; it stays as history and no longer
    counts. Raises PermissionDenied outside the actor's regions, ValidationError without
    a reason, IllegalTransition when already revoked."""
    _require_in_scope(actor, designation)
    reason = (reason or "").strip()
    if designation.status == "active" and not reason:
        raise ValidationError("请填写撤销原因。", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(f"原因不能超过 {REASON_MAX} 个字。", field="reason")
    change_state(actor, designation, "revoked", "revoke", transitions=DESIGNATION_TRANSITIONS,
                 labels=DESIGNATION_STATUSES, noun="该认定",
                 summary=f"{designation.kind_label}：{designation.name}",
                 revoke_reason=reason, revoked_at=utcnow())


# --- targets --------------------------------------------------------------------------
TARGET_QUALIFIERS = ("", "左右", "以上")
TARGET_FIELDS = ("target", "qualifier", "start_year", "end_year", "note")


def _goal(raw) -> int | None:
    raw = str(raw if raw is not None else "").strip()
    if not raw:
        return None
    if raw.startswith("-") and as_whole(raw[1:]) is not None:
        raise ValidationError("目标数量不能小于 0。", field="target")
    value = as_whole(raw)
    if value is None:
        raise ValidationError("目标数量请填写整数。", field="target")
    return value


def _qualifier(raw) -> str:
    """左右 / 以上, or a range as the plan says it ("2—3个")."""
    value = (raw or "").strip()
    if value in TARGET_QUALIFIERS or (len(value) <= 10 and "—" in value):
        return value
    raise ValidationError("请选择“左右”“以上”，或按原文填写区间（如“2—3个”）。", field="qualifier")


def _target_years(data: dict) -> tuple[int, int]:
    checks = Collector()
    checks.run("start_year", plan_year, data.get("start_year"), "起始年份", "start_year")
    checks.run("end_year", plan_year, data.get("end_year"), "结束年份", "end_year")
    years = checks.result()
    if years["start_year"] > years["end_year"]:
        raise ValidationError("结束年份不能早于起始年份。", field="end_year")
    return years["start_year"], years["end_year"]


def update_target(actor, target, data: dict) -> None:
    """Change a target's number, wording and period (``TARGET_FIELDS``); the audit record
    (``target.update``, before and after) is its history. Raises PermissionDenied outside
    the actor's regions, ValidationError with every field's problem."""
    require(actor, Permission.TARGET_MANAGE, target)
    checks = Collector()
    checks.run("target", _goal, data.get("target"))
    checks.run("qualifier", _qualifier, data.get("qualifier"))
    years = checks.run("end_year", _target_years, data)
    checks.run("note", text, data, "note", "说明", 500, False)
    values = checks.result()
    values["start_year"], values["end_year"] = years
    before = audit.snapshot(target, TARGET_FIELDS)
    for key, value in values.items():
        setattr(target, key, value)
    db.session.flush()
    audit.record(actor, "target.update", target, before=before,
                 after=audit.snapshot(target, TARGET_FIELDS),
                 summary=f"{target.region.full_name}{target.kind_label}目标")


# --- evidence ---------------------------------------------------------------------------
MAX_EVIDENCE = 10


def add_evidence(actor, designation: Designation, file_storage) -> DesignationEvidence:
    """Attach a supporting file to an active designation, checked by content and stored
    like a proposal's attachments; audited as ``designation.evidence_add``. Raises
    PermissionDenied outside the actor's regions, IllegalTransition once revoked,
    ValidationError for a missing, refused or eleventh file (nothing stored then)."""
    from marketplace.proposals.attachments import store_upload

    _require_in_scope(actor, designation)
    if not designation.is_active:
        raise IllegalTransition("该认定已撤销，不能再添加证明材料。")
    if len(designation.evidence) >= MAX_EVIDENCE:
        raise ValidationError(f"每项认定最多 {MAX_EVIDENCE} 份证明材料。", field="attachments")
    if file_storage is None or not file_storage.filename:
        raise ValidationError("请选择要上传的文件。", field="attachments")
    evidence = DesignationEvidence(uploaded_by_id=actor.id, **store_upload(file_storage))
    designation.evidence.append(evidence)
    db.session.flush()
    audit.record(actor, "designation.evidence_add", designation,
                 after={"file": evidence.original_name, "sha256": evidence.sha256},
                 summary=f"{designation.kind_label}：{designation.name}")
    return evidence
