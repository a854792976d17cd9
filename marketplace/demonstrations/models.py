"""The 十百千 plan: targets, the designations that count against them, and the indicators
districts report."""
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import state_is, utcnow
from marketplace.extensions import db
from marketplace.proposals.models import StoredFileMixin

DEMONSTRATION_KINDS = {"zone": "示范区", "project": "示范项目", "enterprise": "高成长性企业"}


class DemonstrationTarget(db.Model):
    """A number a level of government set itself, e.g. 红谷滩区: 50+ 示范项目 by 2025."""

    __tablename__ = "demonstration_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    target: Mapped[int | None]
    approximate: Mapped[bool] = mapped_column(default=False)
    qualifier: Mapped[str] = mapped_column(sa.String(10), default="")  # 左右 / 以上
    start_year: Mapped[int | None]
    end_year: Mapped[int | None]
    targets_by_year: Mapped[dict | None] = mapped_column(sa.JSON)
    source: Mapped[str] = mapped_column(sa.String(40), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")

    region = relationship("Region")

    audit_type = "target"

    @property
    def kind_label(self) -> str:
        return DEMONSTRATION_KINDS[self.kind]


class Indicator(db.Model):
    """One row of a district's indicator table (序号, 指标, 基础值, 年度目标, 属性, 责任单位)."""

    __tablename__ = "indicators"
    __table_args__ = (sa.UniqueConstraint("region_code", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str] = mapped_column(sa.String(30), default="")
    baseline_year: Mapped[int | None]
    baseline: Mapped[object | None] = mapped_column(sa.JSON)
    targets: Mapped[dict | None] = mapped_column(sa.JSON)
    binding: Mapped[str] = mapped_column(sa.String(10), default="")
    responsible_unit: Mapped[str] = mapped_column(sa.String(200), default="")
    source: Mapped[str] = mapped_column(sa.String(40), default="")
    # A fact the platform holds (demonstrations.indicators.METRICS), computed live and
    # never entered; "" for values the responsible unit enters.
    metric: Mapped[str] = mapped_column(sa.String(40), default="")

    region = relationship("Region")

    audit_type = "indicator"

    @property
    def is_computed(self) -> bool:
        return bool(self.metric)

    def target_for(self, year: int):
        return (self.targets or {}).get(str(year))


class IndicatorValue(db.Model):
    """One entry of an indicator's value for a year (and quarter). A changed value is a
    new row: the latest row of a period is its value, the earlier ones its history."""

    __tablename__ = "indicator_values"
    __table_args__ = (sa.Index("ix_indicator_values_period", "indicator_id", "year",
                               "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("indicators.id", ondelete="CASCADE"))
    year: Mapped[int]
    quarter: Mapped[int | None]
    value: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    indicator = relationship("Indicator")
    entered_by = relationship("User")

    audit_type = "indicator_value"


DESIGNATION_KINDS = {**DEMONSTRATION_KINDS, "catalogue": "推荐目录产品"}
PROJECT_LEVELS = {"district": "区级", "city": "市级", "province": "省级"}
DESIGNATION_STATUSES = {"active": "有效", "revoked": "已撤销"}
# A revoked designation stays as history; designating again makes a new row.
DESIGNATION_TRANSITIONS = {"active": {"revoked"}, "revoked": set()}


class Designation(db.Model):
    """A region's designation of a 示范区, 示范项目, 高成长性企业 or 推荐目录 product, for a
    year and an optional batch ("2026年第一批省级应用场景示范项目").

    A 示范项目 normally comes from a pairing that reached 已签约 or 已落地 (``match_id``, with
    its opportunity, product or proposal and the supplier as ``organization_id``); one
    entered by hand carries its evidence note instead. An enterprise designation names a
    verified enterprise (``organization_id``); a catalogue entry a published product.
    Counts roll up: a designation of a district counts for its city and province."""

    __tablename__ = "designations"
    __table_args__ = (sa.Index("ix_designations_kind_year", "kind", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    year: Mapped[int]
    batch: Mapped[str] = mapped_column(sa.String(100), default="")
    name: Mapped[str] = mapped_column(sa.String(200))
    level: Mapped[str] = mapped_column(sa.String(20), default="")
    focus: Mapped[str] = mapped_column(sa.String(300), default="")
    lead_unit: Mapped[str] = mapped_column(sa.String(200), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    match_id: Mapped[int | None] = mapped_column(sa.ForeignKey("matches.id"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("opportunities.id"))
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id"))
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposals.id"))
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"),
                                                         index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="active", index=True)
    revoke_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region = relationship("Region")
    match = relationship("Match")
    opportunity = relationship("Opportunity")
    product = relationship("Product")
    proposal = relationship("Proposal")
    organization = relationship("Organization")
    evidence = relationship("DesignationEvidence", back_populates="designation",
                            order_by="DesignationEvidence.id", cascade="all, delete-orphan")

    audit_type = "designation"
    audit_fields = ("region_code", "kind", "year", "batch", "name", "level", "focus",
                    "lead_unit", "reason", "match_id", "opportunity_id", "product_id",
                    "proposal_id", "organization_id", "status")

    is_active = state_is("active")

    @property
    def kind_label(self) -> str:
        return DESIGNATION_KINDS[self.kind]

    @property
    def level_label(self) -> str:
        return PROJECT_LEVELS.get(self.level, "")

    @property
    def status_label(self) -> str:
        return DESIGNATION_STATUSES[self.status]

    def __str__(self):
        return self.name


class DesignationEvidence(StoredFileMixin, db.Model):
    """A file supporting a designation (验收报告, 公示文件…), checked and stored like a
    proposal's attachments (proposals/attachments.py) under a generated name."""

    __tablename__ = "designation_evidence"

    designation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("designations.id", ondelete="CASCADE"), index=True)

    designation = relationship("Designation", back_populates="evidence")

