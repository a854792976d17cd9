"""Templates to download for the web import: one per list, as .xlsx (header row, an example
row, drop-down lists of 领域, 合作方式 / 成熟度 and 地区 from the taxonomy tables, a
填写说明 sheet) and as .csv (header and example row, UTF-8 with BOM for Excel and WPS).

The columns are the importer's (``columns.columns_for``), so a template filled in imports
with no header problem. The example row is complete but for 发布单位, which must name an
organization of the platform: left as written it is refused, so it can never be imported by
accident.
"""
import csv
import io
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from marketplace.authz import Permission, can_in_region
from marketplace.db import beijing_today
from marketplace.extensions import db
from marketplace.opportunities.services import COOPERATION_MODES
from marketplace.products.models import MATURITIES
from marketplace.taxonomy.models import Region
from marketplace.taxonomy.queries import field_groups, region_path, tags
from marketplace.transfer.columns import KIND_LABELS, columns_for
from marketplace.transfer.writers import spreadsheet_value, write_template

ORGANIZATION_PLACEHOLDER = "请填写平台上已登记单位的全称"
REGION_ROOTS = ("36", "42")  # the programme's provinces, as region_choices offers them
NOTES = [
    "第 2 行是示例，请改成您的内容（或删除后从第 2 行起填写）；“发布单位”须填写平台上已登记并认证的单位全称。",
    "领域、合作方式、成熟度请从下拉列表中选择；地区可从列表中选择全称，也可填写 6 位地区代码。",
    "导入时先预览：任何一行有误，整个文件都不会导入；请按提示修改后重新上传。",
    "导入的条目为草稿，由发布单位确认后提交审核。",
]


def _examples(field: str, region: str, tag_names: str) -> dict[str, dict]:
    deadline = beijing_today() + timedelta(days=90)
    shared = {"ref": "示例-01", "organization": ORGANIZATION_PLACEHOLDER, "field": field,
              "tags": tag_names, "region": region, "contact_name": "王先生",
              "contact_phone": "0791-88888888"}
    return {
        "opportunity": {**shared, "title": "智慧停车诱导系统建设", "budget_wan": Decimal("300"),
                        "deadline": deadline, "timeline": "6 个月",
                        "cooperation_mode": COOPERATION_MODES[0],
                        "summary": "在核心商圈建设停车诱导屏和停车信息平台。",
                        "description": "覆盖 20 个公共停车场，实时发布空余车位。"},
        "product": {**shared, "title": "城市停车诱导解决方案", "maturity": MATURITIES[-1],
                    "scenarios": "智慧交通、智慧城管", "cases": "已在 3 个城区落地。",
                    "summary": "停车诱导屏、车位检测与停车信息平台一体化方案。",
                    "description": "支持地磁、视频等多种车位检测方式。"},
    }


def _field_names() -> list[str]:
    return [child.name for group in field_groups() for child in group.children
            if child.is_active]


def _region_names(actor) -> list[str]:
    """Full names of the regions ``actor`` may import into (a region administrator: its
    subtree), province first, then cities and districts in code order."""
    regions = db.session.scalars(
        sa.select(Region).options(region_path(Region.parent))
        .where(sa.or_(*[Region.code.startswith(root) for root in REGION_ROOTS]))
        .order_by(Region.code)).all()
    return [region.full_name for region in regions if not region.is_placeholder
            and can_in_region(actor, Permission.LISTING_IMPORT, region.code)]


def _applies_to(column) -> str:
    return "、".join(KIND_LABELS[kind] for kind in column.kinds)


def template_parts(actor, kind: str):
    """The columns, drop-down choices (by column key) and example row of ``kind``'s
    template for ``actor``."""
    columns = [column for column in columns_for(kind) if column.imported]
    fields, regions = _field_names(), _region_names(actor)
    choices = {"field": fields, "region": regions, "cooperation_mode": list(COOPERATION_MODES),
               "maturity": list(MATURITIES)}
    example = _examples(fields[0] if fields else "", regions[0] if regions else "",
                        "、".join(tag.name for tag in tags()[:2]))[kind]
    return columns, {key: values for key, values in choices.items() if values}, example


def xlsx_template(actor, kind: str) -> bytes:
    """The .xlsx template of ``kind`` (a Region administrator's lists only its subtree)."""
    columns, choices, example = template_parts(actor, kind)
    buffer = io.BytesIO()
    write_template(buffer, columns, KIND_LABELS[kind], _applies_to, choices, NOTES,
                   example=example, loose=frozenset({"region"}))
    return buffer.getvalue()


def csv_template(actor, kind: str) -> bytes:
    """The .csv template of ``kind``: the header and the example row."""
    columns, _, example = template_parts(actor, kind)
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([column.header for column in columns])
    writer.writerow([spreadsheet_value(example.get(column.key)) for column in columns])
    return text.getvalue().encode("utf-8-sig")


def template_name(kind: str, suffix: str) -> str:
    return f"{KIND_LABELS[kind]}导入模板{suffix}"

