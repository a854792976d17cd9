"""Readable comparison of a pending revision with the published listing."""
from dataclasses import dataclass

from marketplace.audit import jsonable
from marketplace.extensions import db
from marketplace.taxonomy.models import Field, Region, Tag

LABELS = {
    "title": "标题", "summary": "摘要", "description": "详细描述", "field_id": "领域",
    "region_code": "地区", "budget_wan": "预算（万元）", "deadline": "截止日期",
    "timeline": "预期周期", "cooperation_mode": "合作方式", "scenarios": "适用场景",
    "maturity": "成熟度", "cases": "应用案例", "contact_name": "联系人",
    "contact_phone": "联系电话", "contact_consent": "联系人同意公开", "tag_ids": "标签",
}
LONG_TEXT = {"summary", "description", "scenarios", "cases"}


@dataclass
class Change:
    label: str
    before: str
    after: str
    changed: bool
    long_text: bool


def _display(key: str, value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value in (None, "", []):
        return "—"
    if key == "field_id":
        field = db.session.get(Field, int(value))
        return field.name if field else str(value)
    if key == "region_code":
        region = db.session.get(Region, value)
        return region.full_name if region else value
    if key == "tag_ids":
        return "、".join(t.name for t in (db.session.get(Tag, int(i)) for i in value) if t)
    return str(value)


def compare(item, proposed: dict) -> list[Change]:
    """One row per content field: current value, proposed value, whether it changed."""
    rows = []
    for key in item.content_fields:
        before = jsonable(getattr(item, key))
        after = proposed.get(key, before)
        if key == "budget_wan" and before is not None and after is not None:
            changed = float(before) != float(after)
        else:
            changed = before != after
        label = "产品名称" if key == "title" and item.kind == "product" else LABELS[key]
        rows.append(Change(label, _display(key, before), _display(key, after), changed,
                           key in LONG_TEXT))
    return rows
