"""Designation sheets (十百千: 示范区, 示范项目, 高成长性企业, 推荐目录产品) → designations.

The sheets districts keep are read with the list readers (.xlsx, .csv, .jsonl; headers in
Chinese or English, compared after NFKC and case folding; blank rows skipped; neutralised
cells restored) in the columns below. Names in a row are resolved here — the region (like
a list file's), the enterprise by its full name, the product and the opportunity by their
public numbers, the pairing by its opportunity and supplier — and every row then goes
through ``demonstrations.services.designate`` as the importing administrator, so the
permission, the region scope, the checks and the audit record are the web form's. Every
problem of every row is collected as RowError (the column as the file names it); when
there is any, TransferError is raised and the caller rolls back: all rows or none. Like a
service this flushes and never commits.
"""
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from marketplace import audit
from marketplace.accounts.models import Organization
from marketplace.authz import Permission, require
from marketplace.demonstrations import services as designations
from marketplace.demonstrations.models import DESIGNATION_KINDS, PROJECT_LEVELS
from marketplace.errors import PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.matching.models import Match
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.transfer import readers
from marketplace.transfer.columns import (
    Column, RowError, Schema, TransferError, header_index, header_key)
from marketplace.transfer.importer import cell_text
from marketplace.transfer.resolve import Lookups
from marketplace.transfer.writers import write_template

SHEET = "认定清单"
ALL_KINDS = tuple(DESIGNATION_KINDS)
KINDS_TEXT = "、".join(DESIGNATION_KINDS.values())
LEVELS_TEXT = "、".join(PROJECT_LEVELS.values())

COLUMNS = (
    Column("number", "序号", ("no", "序"), ALL_KINDS, imported=False,
           note="选填，仅便于核对，导入时忽略。"),
    Column("kind", "类别", ("kind", "category", "type", "认定类别", "类型"), ALL_KINDS,
           note=f"必填：{KINDS_TEXT}（也可写 zone、project、enterprise、catalogue）。"),
    Column("region", "地区", ("region", "region_code", "认定地区"), ALL_KINDS,
           note="必填：作出认定的地区，6 位代码、全称（江西省南昌市红谷滩区）或唯一的简称（红谷滩区）；"
                "区域管理员只能填写本地区及下辖地区。"),
    Column("year", "年份", ("year", "认定年份", "年度"), ALL_KINDS,
           note="必填：认定年份，如 2026。"),
    Column("batch", "批次", ("batch", "认定批次"), ALL_KINDS,
           note="选填：如 2026年第一批省级应用场景示范项目。"),
    Column("name", "名称", ("name", "title", "示范区名称", "项目名称"),
           ("zone", "project", "enterprise"),
           note="示范区：必填，示范区名称。示范项目：手工录入时必填，来自平台对接时取机会名称。"
                "高成长性企业：未填“企业”列时按此列查找企业。"),
    Column("level", "级别", ("level", "示范项目级别", "项目级别"), ("project",),
           note=f"示范项目必填：{LEVELS_TEXT}。"),
    Column("focus", "场景方向", ("focus",), ("zone",), note="示范区必填。"),
    Column("lead_unit", "牵头单位", ("lead_unit", "lead"), ("zone",), note="示范区必填。"),
    Column("reason", "认定依据", ("reason", "理由", "认定理由", "认定说明", "入选说明"),
           ("project", "enterprise", "catalogue"),
           note="高成长性企业、手工录入的示范项目必填（证明材料说明）；其他选填。"),
    Column("organization", "企业", ("organization", "enterprise", "企业名称"), ("enterprise",),
           note="高成长性企业必填：平台上已认证的企业或科研院所的全称。"),
    Column("product", "产品编号", ("product", "product_number", "product_id"), ("catalogue",),
           note="推荐目录产品必填：已发布产品的公开编号，如 CP-2026-01-012。"),
    Column("opportunity", "机会编号", ("opportunity", "opportunity_number"), ("project",),
           note="来自平台对接的示范项目：机会的公开编号，如 JH-2026-01-001，与“供给方”一起"
                "确定对接记录（须已签约或已落地）；手工录入的项目不填。"),
    Column("supplier", "供给方", ("supplier", "供给单位"), ("project",),
           note="来自平台对接的示范项目：对接中供给方单位的全称；手工录入的项目不填。"),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
COLUMN_ORDER = {column.key: position for position, column in enumerate(COLUMNS)}
_BY_HEADER = header_index(COLUMNS)


def _match(header) -> tuple[Column | None, str | None]:
    column = _BY_HEADER.get(header_key(header))
    return (column, None) if column else (None, f"无法识别的列“{header}”。")


SCHEMA = Schema(SHEET, _match, COLUMN_BY_KEY)
KIND_BY_TEXT = {header_key(name): key for key, label in DESIGNATION_KINDS.items()
                for name in (key, label)}
LEVEL_BY_TEXT = {header_key(name): key for key, label in PROJECT_LEVELS.items()
                 for name in (key, label)}
# Fields in the service's ValidationError.errors → the file's column keys.
SERVICE_FIELDS = {"region_code": "region", "organization_id": "organization",
                  "product_id": "product", "match_id": "opportunity"}
YEAR = re.compile(r"(\d{4})\s*年?")


@dataclass
class Imported:
    row: int
    designation: object


@dataclass
class DesignationImport:
    imported: list[Imported] = field(default_factory=list)

    @property
    def designations(self) -> list:
        return [entry.designation for entry in self.imported]

    def summary(self) -> str:
        """示范区 2，示范项目 1 (kinds in the plan's order, those imported only)."""
        counts = Counter(d.kind for d in self.designations)
        return "，".join(f"{label} {counts[kind]}" for kind, label in DESIGNATION_KINDS.items()
                        if counts[kind])


def import_designations(actor, path: Path) -> DesignationImport:
    """Designate one thing per row of ``path`` as ``actor``. Raises PermissionDenied
    without ``designation.manage``, or TransferError listing every problem."""
    require(actor, Permission.DESIGNATION_MANAGE)
    path = Path(path)
    table = readers.read(path, SCHEMA)
    if table.problems:
        raise TransferError(table.problems)
    rows = [(number, values) for number, values in table.rows
            if any(cell_text(value) for value in values.values())]  # 序号 alone is blank
    if not rows:
        raise TransferError([RowError(None, "", "文件中没有数据行。")])
    result, problems = DesignationImport(), []
    names, seen = Names(), {}
    for number, values in rows:
        row = Row(values)
        designation = _import_row(actor, row, names, seen, number)
        problems += [RowError(number, table.header(key), message)
                     for key, message in sorted(row.errors.items(),
                                                key=lambda pair: COLUMN_ORDER[pair[0]])]
        if designation is not None:
            result.imported.append(Imported(number, designation))
    if problems:
        raise TransferError(problems)
    audit.record(actor, "designation.import", None, object_type="designation",
                 after={"file": path.name, "ids": [d.id for d in result.designations]},
                 summary=f"从 {path.name} 导入认定 {len(result.imported)} 项")
    return result


TEMPLATE_NOTES = [
    "每行一项认定；同一文件可包含不同类别，不适用于该类别的列留空（填写了也会被忽略）。",
    "示范项目有两种填法：来自平台上已签约或已落地的对接，填写“机会编号”和“供给方”（名称取自机会）；"
    "线下形成的项目，填写“名称”和“认定依据”。",
    "列名可用中文或英文（见“也可写作”），可调整列的顺序，不需要的列可以删除；本说明页导入时不读取。",
    "导入命令：flask lists import-designations 文件.xlsx --as 管理员邮箱 [--dry-run]。"
    "任一行有问题时逐行逐列列出，且不写入任何数据；--dry-run 只校验不写入。",
]


def write_designation_template(path: Path) -> None:
    """A blank designation sheet (.xlsx) with its 填写说明 sheet."""
    def applies_to(column: Column) -> str:
        if column.kinds == ALL_KINDS:
            return "全部类别"
        return "、".join(DESIGNATION_KINDS[kind] for kind in column.kinds)

    write_template(path, [c for c in COLUMNS if c.key != "number"], SHEET, applies_to,
                   {"kind": list(DESIGNATION_KINDS.values()),
                    "level": list(PROJECT_LEVELS.values())}, TEMPLATE_NOTES)


class Row:
    """One row's cells as text, the service's ``data`` built from them, and its problems
    by column key (the first problem of a column wins)."""

    def __init__(self, values: dict):
        self.values = values
        self.data: dict = {}
        self.errors: dict[str, str] = {}
        self.identity_column = "name"  # where a duplicate of this row is reported
        self.unchecked: set[str] = set()  # service fields whose problems do not apply

    def cell(self, key: str) -> str:
        return cell_text(self.values.get(key))

    def resolve(self, key: str, lookup, *args, default=None):
        try:
            return lookup(*args)
        except ValidationError as error:
            self.errors.setdefault(error.field or key, error.message)
            return default

    def service_problem(self, error: ValidationError) -> None:
        for name, message in (error.errors or {"kind": error.message}).items():
            if name in self.unchecked:
                continue
            key = SERVICE_FIELDS.get(name, name)
            if key == "organization":
                key = self.identity_column
            self.errors.setdefault(key if key in COLUMN_BY_KEY else "kind", message)


def _import_row(actor, row: Row, names: "Names", seen: dict, number: int):
    """The new designation, or None with ``row.errors`` saying every problem found."""
    kind = row.resolve("kind", _kind, row.cell("kind"))
    row.data = {"kind": kind or "", "batch": row.cell("batch"),
                "region_code": row.resolve("region", names.region_code, row.cell("region"),
                                           default=""),
                "year": row.resolve("year", _year, row.cell("year"), default="")}
    if kind is not None:
        KIND_ROWS[kind](row, names)
    identity = _identity(row)
    if not row.errors and identity in seen:
        row.errors[row.identity_column] = f"与第 {seen[identity]} 行重复。"
    try:
        if not row.errors:
            designation = designations.designate(actor, row.data)
            seen[identity] = number
            return designation
        designations.clean(actor, row.data)  # to list the other cells' problems as well
    except ValidationError as error:
        row.service_problem(error)
    except PermissionDenied as error:  # a region outside the administrator's subtree
        row.errors.setdefault("region", error.message)
    return None


def _identity(row: Row) -> tuple:
    """What makes two rows of a file the same designation (as the service sees it)."""
    data = row.data
    key = designations.IDENTITY.get(data["kind"])
    if key is not None and data.get(key):
        return data["kind"], data["year"], key, data[key]
    return data["kind"], data["year"], data["region_code"], data.get("name", "")


def _kind(text: str) -> str:
    if not text:
        raise ValidationError(f"请填写类别（{KINDS_TEXT}）。", field="kind")
    kind = KIND_BY_TEXT.get(header_key(text))
    if kind is None:
        raise ValidationError(f"未知的类别“{text}”，应为{KINDS_TEXT}之一。", field="kind")
    return kind


def _year(text: str) -> str:
    if not text:
        raise ValidationError("请填写年份。", field="year")
    match = YEAR.fullmatch(unicodedata.normalize("NFKC", text))
    if match is None:
        raise ValidationError(f"年份“{text}”应为 4 位数字，如 2026。", field="year")
    return match.group(1)  # the service checks the plan's years


def _level(text: str) -> str:
    if not text:
        raise ValidationError(f"请填写级别（{LEVELS_TEXT}）。", field="level")
    level = LEVEL_BY_TEXT.get(header_key(text))
    if level is None:
        raise ValidationError(f"未知的级别“{text}”，应为{LEVELS_TEXT}之一。", field="level")
    return level


def _zone_row(row: Row, _names) -> None:
    row.data.update(name=row.cell("name"), focus=row.cell("focus"),
                    lead_unit=row.cell("lead_unit"))


def _project_row(row: Row, names: "Names") -> None:
    row.data.update(level=row.resolve("level", _level, row.cell("level"), default=""),
                    reason=row.cell("reason"))
    number, supplier = row.cell("opportunity"), row.cell("supplier")
    if number or supplier:  # from a pairing on the platform
        row.identity_column = "opportunity"
        match = row.resolve("opportunity", names.pairing, number, supplier)
        row.data["match_id"] = str(match.id) if match is not None else ""
        if match is None:  # the service would ask for a project entered by hand
            row.unchecked.update({"name", "reason"})
    else:  # entered by hand
        row.data["name"] = row.cell("name")


def _enterprise_row(row: Row, names: "Names") -> None:
    named_only = not row.cell("organization") and row.cell("name")
    row.identity_column = "name" if named_only else "organization"
    org = row.resolve(row.identity_column, names.enterprise,
                      row.cell(row.identity_column), row.identity_column)
    row.data.update(organization_id=str(org.id) if org is not None else "",
                    reason=row.cell("reason"))


def _catalogue_row(row: Row, names: "Names") -> None:
    row.identity_column = "product"
    product = row.resolve("product", names.product, row.cell("product"))
    row.data.update(product_id=str(product.id) if product is not None else "",
                    reason=row.cell("reason"))


KIND_ROWS = {"zone": _zone_row, "project": _project_row, "enterprise": _enterprise_row,
             "catalogue": _catalogue_row}


def _public_number(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


class Names(Lookups):
    """The records a designation sheet names: regions (as in list files), enterprises,
    products, opportunities and their pairings. Each raises ValidationError(field=<column
    key>) with a Chinese message; the service still checks what it checks for the form."""

    @staticmethod
    def _organization(name: str, column: str, label: str) -> Organization:
        organization = db.session.scalar(sa.select(Organization)
                                         .where(Organization.name == name))
        if organization is None:
            raise ValidationError(f"未找到{label}“{name}”，请填写平台上已登记单位的全称。",
                                  field=column)
        return organization

    def enterprise(self, name: str, column: str = "organization") -> Organization:
        if not name:
            raise ValidationError("请填写企业全称。", field=column)
        organization = self._organization(name, column, "企业")
        if organization.kind == "department":
            raise ValidationError(f"“{name}”是政府部门，不能认定为高成长性企业。", field=column)
        if not organization.is_verified:
            raise ValidationError(f"“{name}”尚未通过平台认证，认证后才能认定。", field=column)
        return organization

    @staticmethod
    def product(number: str) -> Product:
        if not number:
            raise ValidationError("请填写产品编号（如 CP-2026-01-012）。", field="product")
        product = db.session.scalar(sa.select(Product)
                                    .where(Product.public_number == _public_number(number)))
        if product is None:
            raise ValidationError(f"未找到编号为“{number}”的产品。", field="product")
        if product.status != "published":
            raise ValidationError(f"产品“{number}”当前为“{product.status_label}”，"
                                  "只有已发布的产品才能列入推荐目录。", field="product")
        return product

    def pairing(self, number: str, supplier: str) -> Match:
        if not number:
            raise ValidationError("填写了供给方时请同时填写机会编号；手工录入的项目两列都不填。",
                                  field="opportunity")
        if not supplier:
            raise ValidationError("填写了机会编号时请同时填写供给方；手工录入的项目两列都不填。",
                                  field="supplier")
        opportunity = db.session.scalar(sa.select(Opportunity).where(
            Opportunity.public_number == _public_number(number)))
        if opportunity is None:
            raise ValidationError(f"未找到编号为“{number}”的机会。", field="opportunity")
        organization = self._organization(supplier, "supplier", "供给方")
        match = db.session.scalar(sa.select(Match).where(
            Match.opportunity_id == opportunity.id, Match.supplier_id == organization.id))
        if match is None:
            raise ValidationError(f"机会 {opportunity.public_number} 与“{supplier}”之间没有"
                                  "对接记录。", field="supplier")
        return match
