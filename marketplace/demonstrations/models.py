"""Targets of the 十百千 plan and the indicators districts report against."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db

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

    region = relationship("Region")
