"""Designations: each kind's rules, bad input refused at its field with nothing changed,
revocation with a reason, every change audited."""
import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.db import beijing_today
from marketplace.demonstrations import services
from marketplace.demonstrations.models import Designation
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError

YEAR = beijing_today().year


def count() -> int:
    from marketplace.extensions import db
    return db.session.scalar(sa.select(sa.func.count(Designation.id)))


def refused(actor, data: dict) -> dict:
    """The field errors of a refused designation (and that nothing was added)."""
    before = count()
    with pytest.raises(ValidationError) as error:
        services.designate(actor, data)
    assert count() == before
    return error.value.errors


def zone(**overrides) -> dict:
    data = {"kind": "zone", "region_code": "360113", "year": str(YEAR),
            "batch": f"{YEAR}年第一批", "name": "红谷滩数字经济示范区",
            "focus": "城市治理、文旅消费", "lead_unit": "红谷滩区科学技术和经济信息化局"}
    data.update(overrides)
    return data


def signed_pairing(make, stage="signed"):
    department, enterprise = make.org("department"), make.org()
    opportunity = make.opportunity(department, "published")
    return make.pairing(opportunity, enterprise, stage)


def test_a_zone_is_designated_and_audited(ctx, make):
    admin = make.admin()
    designation = services.designate(admin, zone())
    assert designation.is_active and designation.kind_label == "示范区"
    entry = designation_audit(designation)[-1]
    assert entry.action == "designation.create" and entry.actor_id == admin.id
    assert entry.after["name"] == "红谷滩数字经济示范区" and entry.after["status"] == "active"


def designation_audit(designation) -> list:
    from marketplace.extensions import db
    return db.session.scalars(sa.select(AuditLog).where(
        AuditLog.object_type == "designation", AuditLog.object_id == designation.id)
        .order_by(AuditLog.id)).all()


def test_every_missing_zone_field_is_reported_at_once(ctx, make):
    errors = refused(make.admin(), zone(name="", focus="", lead_unit="", year="1999",
                                        region_code="999999"))
    assert errors == {"name": "请填写示范区名称。", "focus": "请填写场景方向。",
                      "lead_unit": "请填写牵头单位。", "region_code": "请选择地区。",
                      "year": f"认定年份应在 2020—{YEAR + 1} 年之间。"}


@pytest.mark.parametrize("code", ["110100", "429000"])
def test_a_placeholder_region_is_refused(ctx, make, code):
    assert refused(make.admin(), zone(region_code=code)) == {"region_code": "请选择地区。"}


def test_a_project_from_a_signed_pairing_takes_its_parties(ctx, make):
    match = signed_pairing(make)
    designation = services.designate(make.admin(), {
        "kind": "project", "region_code": "360113", "year": str(YEAR), "level": "province",
        "match_id": str(match.id)})
    assert designation.name == match.opportunity.title
    assert (designation.opportunity_id, designation.organization_id) == (
        match.opportunity_id, match.supplier_id)
    assert designation.level_label == "省级"


def test_a_pairing_not_yet_signed_is_refused(ctx, make):
    match = signed_pairing(make, stage="negotiating")
    errors = refused(make.admin(), {"kind": "project", "region_code": "360113",
                                    "year": str(YEAR), "level": "district",
                                    "match_id": str(match.id)})
    assert errors == {"match_id": "该对接当前为“洽谈中”，签约或落地后才能认定为示范项目。"}


def test_a_pairing_is_designated_once_a_year(ctx, make):
    match = signed_pairing(make, stage="delivered")
    data = {"kind": "project", "region_code": "360113", "year": str(YEAR), "level": "city",
            "match_id": str(match.id)}
    services.designate(make.admin(), data)
    assert "已被认定为" in refused(make.admin(), data)["match_id"]


def test_a_project_entered_by_hand_needs_its_evidence(ctx, make):
    errors = refused(make.admin(), {"kind": "project", "region_code": "360113",
                                    "year": str(YEAR), "level": "", "name": ""})
    assert errors == {"level": "请选择示范项目级别。", "name": "请填写项目名称。",
                      "reason": "请填写认定依据（证明材料说明）。"}


def test_only_a_verified_enterprise_is_designated(ctx, make):
    admin = make.admin()
    for org in (make.org("enterprise", "pending"), make.org("department")):
        errors = refused(admin, {"kind": "enterprise", "region_code": "360113",
                                 "year": str(YEAR), "organization_id": str(org.id),
                                 "reason": "营收三年翻番"})
        assert errors == {"organization_id": "请选择已认证的企业或科研院所。"}
    good = make.org()
    designation = services.designate(admin, {
        "kind": "enterprise", "region_code": "360113", "year": str(YEAR),
        "organization_id": str(good.id), "reason": "营收三年翻番"})
    assert designation.name == good.name


def test_a_catalogue_entry_is_a_published_product(ctx, make):
    enterprise = make.org()
    draft, published = make.product(enterprise), make.product(enterprise, "published")
    admin = make.admin()
    errors = refused(admin, {"kind": "catalogue", "region_code": "360000",
                             "year": str(YEAR), "product_id": str(draft.id)})
    assert errors == {"product_id": "请选择已发布的产品。"}
    entry = services.designate(admin, {"kind": "catalogue", "region_code": "360000",
                                       "year": str(YEAR), "product_id": str(published.id)})
    assert (entry.name, entry.organization_id) == (published.title, enterprise.id)


def test_organization_users_may_not_designate(ctx, make):
    with pytest.raises(PermissionDenied):
        services.designate(make.org().users[0], zone())
    assert count() == 0


def test_revoking_needs_a_reason_keeps_the_row_and_is_final(ctx, make):
    admin = make.admin()
    designation = services.designate(admin, zone())
    with pytest.raises(ValidationError, match="请填写撤销原因"):
        services.revoke(admin, designation, " ")
    assert designation.is_active
    services.revoke(admin, designation, "复核未通过")
    assert designation.status == "revoked" and designation.revoke_reason == "复核未通过"
    entry = designation_audit(designation)[-1]
    assert entry.action == "designation.revoke"
    assert entry.before["status"] == "active" and entry.after["status"] == "revoked"
    with pytest.raises(IllegalTransition, match="已撤销"):
        services.revoke(admin, designation, "再次撤销")


def test_a_catalogue_product_is_named_by_its_public_number(ctx, make):
    product = make.product(make.org(), "published")
    entry = services.designate(make.admin(), {
        "kind": "catalogue", "region_code": "360000", "year": str(YEAR),
        "product_id": product.public_number.lower()})
    assert entry.product_id == product.id


def test_a_region_administrator_designates_only_within_its_subtree(ctx, make):
    honggutan = make.region_admin("360113")
    for code, name in (("360103", "江西省南昌市西湖区"), ("360000", "江西省")):
        with pytest.raises(PermissionDenied, match=f"{name}不在您管理的地区范围内"):
            services.designate(honggutan, zone(region_code=code))
    assert count() == 0
    mine = services.designate(honggutan, zone())
    assert mine.region_code == "360113"
    elsewhere = services.designate(make.admin(), zone(region_code="360103", name="西湖"))
    with pytest.raises(PermissionDenied):
        services.revoke(honggutan, elsewhere, "越权撤销")
    assert elsewhere.is_active


def test_evidence_is_checked_stored_and_audited(ctx, make, app, tmp_path, monkeypatch):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    from tests.proposals.test_attachments import make_pdf

    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    admin = make.admin()
    designation = services.designate(admin, zone())
    pdf = FileStorage(BytesIO(make_pdf()), filename="验收报告.pdf")
    evidence = services.add_evidence(admin, designation, pdf)
    assert evidence.original_name == "验收报告.pdf" and evidence.content_type == "application/pdf"
    assert designation_audit(designation)[-1].action == "designation.evidence_add"
    fake = FileStorage(BytesIO(b"MZ\x90\x00 not a pdf"), filename="报告.pdf")
    with pytest.raises(ValidationError):
        services.add_evidence(admin, designation, fake)
    assert len(designation.evidence) == 1
    services.revoke(admin, designation, "复核未通过")
    with pytest.raises(IllegalTransition, match="已撤销"):
        services.add_evidence(admin, designation, FileStorage(BytesIO(make_pdf()),
                                                              filename="补充.pdf"))
