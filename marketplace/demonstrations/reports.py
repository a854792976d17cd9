"""The 调度 report of a region for a year or a quarter: targets and progress by level,
the indicator table with the period's values, new designations, lists published, pairings
signed, and what is behind. One ``Report`` feeds the print page, the .xlsx and
`flask demonstrations report` (JSON).

Levels are the three 十百千 kinds: ``value`` counts the active designations of the
region's subtree up to the period's end (rolled up), ``own`` those the region designated
itself, ``new`` those of the period (``_new_in``); ``target`` is the goal of the kind's
first target in force (all targets are listed under ``targets``).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from marketplace.demonstrations import indicators
from marketplace.demonstrations.models import DEMONSTRATION_KINDS, Designation
from marketplace.demonstrations.queries import Tally, TargetProgress, progress
from marketplace.extensions import db
from marketplace.spreadsheets import workbook_bytes
from marketplace.taxonomy.models import Region
from marketplace.text import format_wan


@dataclass
class Period:
    year: int
    quarter: int | None = None

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * (self.quarter - 1) + 1 if self.quarter else 1, 1)

    @property
    def last_day(self) -> date:
        if not self.quarter or self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}年" + (f"第{self.quarter}季度" if self.quarter else "")


@dataclass
class Report:
    region: Region
    period: Period
    levels: dict[str, dict]
    targets: list[TargetProgress]
    indicator_rows: list
    new_designations: list[Designation]
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def behind(self) -> list[TargetProgress]:
        return [t for t in self.targets if t.on_track is False]

    def as_json(self) -> dict:
        return {
            "region": {"code": self.region.code, "name": self.region.full_name},
            "year": self.period.year, "quarter": self.period.quarter,
            "levels": self.levels,
            "targets": [_target_json(t) for t in self.targets],
            "indicators": [_indicator_json(r) for r in self.indicator_rows],
            "new_designations": [{"id": d.id, "kind": d.kind, "name": d.name,
                                  "level": d.level, "region": d.region_code}
                                 for d in self.new_designations],
            **{key: _plain(value) for key, value in self.facts.items()},
        }


def _plain(value):
    return float(value) if hasattr(value, "is_finite") else value


def _target_json(t: TargetProgress) -> dict:
    return {"kind": t.target.kind, "goal": t.goal, "wording": t.wording, "value": t.value,
            "own": t.own, "percent": t.percent, "on_track": t.on_track,
            "first_year": t.first_year, "last_year": t.last_year, "note": t.target.note}


def _indicator_json(row) -> dict:
    return {"number": row.indicator.number, "name": row.indicator.name,
            "unit": row.indicator.unit, "value": _plain(row.value), "target": row.target,
            "computed": row.computed, "binding": row.indicator.binding,
            "responsible_unit": row.indicator.responsible_unit}


def _new_in(region: Region, period: Period) -> list[Designation]:
    """Designations of the period's year; for a quarter, those made during it (a
    designation carries a year, not a day)."""
    query = sa.select(Designation).where(Designation.status == "active",
                                         Designation.region_code.startswith(region.prefix),
                                         Designation.year == period.year)
    if period.quarter:
        query = query.where(
            Designation.created_at >= datetime.combine(period.first_day, time()),
            Designation.created_at < datetime.combine(period.last_day + timedelta(days=1),
                                                      time()))
    return db.session.scalars(query.order_by(Designation.kind, Designation.id)).all()


def _levels(region: Region, tally: Tally, targets: list[TargetProgress], year: int,
            new: list[Designation]) -> dict:
    levels = {}
    for kind, label in DEMONSTRATION_KINDS.items():
        first = next((t for t in targets if t.target.kind == kind), None)
        levels[kind] = {
            "label": label, "target": first.goal if first else None,
            "value": tally.count(region, kind, last_year=year),
            "own": tally.count(region, kind, last_year=year, own=True),
            "new": sum(1 for d in new if d.kind == kind)}
    return levels


def build(region: Region, year: int, quarter: int | None = None,
          today: date | None = None) -> Report:
    period = Period(year, quarter)
    tally = Tally(region.prefix)
    targets = progress(region, tally, year, today)
    new = _new_in(region, period)
    rows = indicators.table(region, year, quarter)
    facts = {name: indicators.METRICS[name][1](region, year)
             for name in ("lists_published", "opportunities_published", "products_published",
                          "pairings_signed", "signed_amount_wan")}
    return Report(region, period, _levels(region, tally, targets, year, new), targets, rows,
                  new, facts)


def workbook(report: Report) -> bytes:
    """The report as .xlsx: progress, indicators, new designations."""
    title = f"{report.region.full_name}{report.period.label}应用场景“十百千”调度报告"
    progress_rows = [(t.target.kind_label, t.wording, t.value, t.own,
                      f"{t.percent}%" if t.percent is not None else "—",
                      {True: "按计划", False: "滞后", None: "—"}[t.on_track], t.target.note)
                     for t in report.targets]
    indicator_rows = [(r.indicator.number, r.indicator.name, r.indicator.unit,
                       _plain(r.value) if r.value is not None else "未填报", r.target,
                       "平台统计" if r.computed else "单位填报", r.indicator.binding,
                       r.indicator.responsible_unit) for r in report.indicator_rows]
    new_rows = [(d.kind_label, d.name, d.level_label, d.region.full_name, d.year, d.batch)
                for d in report.new_designations]
    facts = report.facts
    summary = [("发布清单批次", facts["lists_published"]),
               ("发布机会", facts["opportunities_published"]),
               ("发布产品", facts["products_published"]),
               ("签约对接", facts["pairings_signed"]),
               ("签约金额", format_wan(facts["signed_amount_wan"]))]
    return workbook_bytes([
        ("目标进度", title, ("类别", "目标", "累计认定", "本级认定", "完成率", "进度", "说明"),
         progress_rows, (14, 14, 10, 10, 10, 10, 60)),
        ("指标", title, ("序号", "指标名称", "单位", "本期值", "年度目标", "来源", "属性", "责任单位"),
         indicator_rows, (6, 40, 8, 12, 12, 10, 10, 24)),
        ("新增认定", title, ("类别", "名称", "级别", "地区", "年份", "批次"), new_rows,
         (14, 40, 8, 24, 8, 30)),
        ("清单与对接", title, ("事项", "数量"), summary, (20, 16)),
    ])
