"""The import service: a list file → draft listings (and, optionally, a published release).

Every row goes through the normal create service on behalf of its organization
(``listing.import``), so it is validated and audited like a form. Every problem of every
row is collected as RowError(row, column header as in the file, Chinese message); when
there is any, TransferError is raised and the caller rolls back — nothing is written
unless every row is valid. Like every service this flushes and never commits.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from marketplace import audit
from marketplace.authz import Permission, require
from marketplace.db import beijing_today
from marketplace.errors import ValidationError
from marketplace.listings import services as listing_services
from marketplace.listings.models import LISTING_MODELS
from marketplace.transfer import readers
from marketplace.transfer.columns import (
    COLUMNS, KIND_LABELS, RowError, TransferError, columns_for)
from marketplace.transfer.resolve import Lookups
from marketplace.opportunities import services as opportunities
from marketplace.products import services as products
from marketplace.releases import services as releases

SERVICES = {"opportunity": opportunities, "product": products}
# Field names in the services' ValidationError.errors → the file's column keys.
SERVICE_FIELDS = {"field_id": "field", "tag_ids": "tags", "region_code": "region"}
RESOLVED = {"organization", "field", "tags", "region"}
NOT_PASSED = RESOLVED | {"ref", "status", "release"}
COLUMN_ORDER = {column.key: position for position, column in enumerate(COLUMNS)}
DATE_WITH_SEPARATORS = re.compile(r"(\d{4})[/.年](\d{1,2})[/.月](\d{1,2})日?")
NEGOTIABLE = "面议"


@dataclass
class Imported:
    row: int
    ref: str
    item: object


@dataclass
class ImportResult:
    kind: str
    imported: list[Imported] = field(default_factory=list)
    release: object = None

    @property
    def items(self) -> list:
        return [entry.item for entry in self.imported]


def import_file(actor, path: Path, kind: str, release_title: str | None = None,
                release_date: date | None = None, *, name: str | None = None,
                max_rows: int | None = None) -> ImportResult:
    """Create a draft listing of ``kind`` per row of ``path``; with ``release_title``,
    submit, approve and publish them all as a new release on ``release_date`` (today by
    default). ``name`` is the file's name as its owner knows it (the audit record's; the
    path's by default); a file of more than ``max_rows`` rows is refused as a whole.
    Raises PermissionDenied, or TransferError listing every problem."""
    require(actor, Permission.LISTING_IMPORT)
    path = Path(path)
    table = readers.read(path, kind)
    if table.problems:
        raise TransferError(table.problems)
    if not table.rows:
        raise TransferError([RowError(None, "", "文件中没有数据行。")])
    if max_rows is not None and len(table.rows) > max_rows:
        raise TransferError([RowError(None, "", f"文件共 {len(table.rows)} 行数据，超过了每次"
                                                f"最多 {max_rows} 行的限制，请拆分后分批导入。")])
    problems = _duplicate_refs(table)
    release = None
    if release_title is not None:
        release, problem = _new_release(actor, release_title, release_date or beijing_today())
        problems += problem
    result = ImportResult(kind)
    lookups = Lookups()
    for number, values in table.rows:
        item, errors = _import_row(actor, kind, values, lookups)
        problems += [RowError(number, table.header(key), message)
                     for key, message in _in_column_order(errors)]
        if item is not None:
            result.imported.append(Imported(number, cell_text(values.get("ref")), item))
    if problems:
        raise TransferError(problems)
    if release is not None:
        _publish(actor, kind, result.items, release, release_date or beijing_today())
        result.release = release
    _record(actor, kind, name or path.name, result)
    return result


def cell_text(value) -> str:
    """A cell's raw value as the text a form would have sent."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "、".join(cell_text(v) for v in value)
    return str(value).strip()


def _iso_date(text: str) -> str:
    """2026/12/31, 2026.12.31 and 2026年12月31日 → 2026-12-31; anything else unchanged."""
    match = DATE_WITH_SEPARATORS.fullmatch(text)
    if match is None:
        return text
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _duplicate_refs(table) -> list[RowError]:
    seen, problems = {}, []
    for number, values in table.rows:
        ref = cell_text(values.get("ref"))
        if ref and ref in seen:
            problems.append(RowError(number, table.header("ref"),
                                     f"编号“{ref}”与第 {seen[ref]} 行重复。"))
        seen.setdefault(ref, number)
    return problems


def _new_release(actor, title: str, on: date):
    try:
        return releases.create_release(actor, {"year": on.year, "title": title}), []
    except ValidationError as error:
        return None, [RowError(None, "批次", error.message)]


def _row_data(kind: str, values: dict, lookups: Lookups):
    """The service's ``data`` for one row, its organization and the lookup problems."""
    data = {column.key: cell_text(values.get(column.key)) for column in columns_for(kind)
            if column.key not in NOT_PASSED}
    if "deadline" in data:
        data["deadline"] = _iso_date(data["deadline"])
    if data.get("budget_wan") == NEGOTIABLE:
        data["budget_wan"] = ""
    errors: dict[str, str] = {}

    def resolve(key, lookup, default=None):
        try:
            return lookup(cell_text(values.get(key)))
        except ValidationError as error:
            errors[key] = error.message
            return default

    organization = resolve("organization", lookups.organization)
    data["field_id"] = resolve("field", lookups.field_id)
    data["tag_ids"] = resolve("tags", lookups.tag_ids, [])
    data["region_code"] = resolve("region", lookups.region_code, "")
    return organization, data, errors


def _by_column(errors: dict[str, str]) -> dict[str, str]:
    return {SERVICE_FIELDS.get(name, name): message for name, message in errors.items()}


def _import_row(actor, kind: str, values: dict, lookups: Lookups):
    """(the new draft, {}) or (None, {column key: message}) with every problem found."""
    organization, data, errors = _row_data(kind, values, lookups)
    if organization is not None and not errors:
        try:
            return SERVICES[kind].create(actor, data, organization), {}
        except ValidationError as error:
            errors = _by_column(error.errors or {"organization": error.message})
    for key, message in _field_problems(kind, data).items():
        errors.setdefault(key, message)
    return None, errors


def _field_problems(kind: str, data: dict) -> dict[str, str]:
    """What the service's checks say about ``data`` (run when the row is refused anyway,
    so that one bad cell does not hide the others)."""
    try:
        listing_services.clean(LISTING_MODELS[kind], data, SERVICES[kind].clean_specific)
    except ValidationError as error:
        return _by_column(error.errors)
    return {}


def _in_column_order(errors: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(errors.items(), key=lambda pair: COLUMN_ORDER.get(pair[0], len(COLUMNS)))


def _publish(actor, kind: str, items: list, release, on: date) -> None:
    """Imported drafts → submitted → approved → in ``release`` → published, each step
    through its service (so each is audited)."""
    for item in items:
        listing_services.submit_imported(actor, item)
        listing_services.review(actor, item, "approve")
    releases.add_items(actor, release, kind, [item.id for item in items])
    releases.publish_release(actor, release, on)


def _record(actor, kind: str, name: str, result: ImportResult) -> None:
    label = KIND_LABELS[kind]
    audit.record(actor, f"{kind}.import", None, object_type=kind,
                 after={"file": name, "ids": [item.id for item in result.items],
                        "release": result.release.title if result.release else None},
                 summary=f"从 {name} 导入{label} {len(result.items)} 条")
