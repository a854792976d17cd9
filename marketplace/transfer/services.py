"""The web import of lists: an uploaded file is previewed (a dry run that writes nothing),
then imported on confirmation.

Both steps run ``importer.import_file``, the code path of ``flask lists import``: the same
row errors, and the same rule — a file with any bad row writes nothing. The preview runs
it inside a savepoint that is always rolled back (the CLI's --dry-run rolls back the whole
transaction; a savepoint keeps the rest of the request's unit of work out of it). The file
waits in the stash (``stash``) between the two steps.
"""
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath

from flask import current_app

from marketplace.authz import Permission, require
from marketplace.errors import DomainError, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.transfer import stash
from marketplace.transfer.columns import KIND_LABELS, RowError, TransferError
from marketplace.transfer.importer import ImportResult, import_file

WEB_FORMATS = (".xlsx", ".csv")
XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx is a ZIP archive
NAME_MAX = 100
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class PreviewRow:
    """One row as it would be imported (read before the dry run is rolled back)."""

    row: int
    ref: str
    title: str
    organization: str
    field: str
    region: str


@dataclass
class Preview:
    kind: str
    name: str
    rows: list[PreviewRow] = field(default_factory=list)
    problems: list[RowError] = field(default_factory=list)
    ticket: str | None = None  # set when the file may be imported

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "清单")

    @property
    def file_problems(self) -> list[RowError]:
        """Problems of the file as a whole (shown at the file field)."""
        return [problem for problem in self.problems if problem.row is None]

    @property
    def row_problems(self) -> list[RowError]:
        return [problem for problem in self.problems if problem.row is not None]


def file_name(filename: str | None) -> str:
    """The uploaded file's own name (no folders, no control characters), for the page and
    the audit record."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    return CONTROL.sub("", name).strip()[-NAME_MAX:]


def _checked_upload(filename: str | None, data: bytes) -> tuple[str, str]:
    """The file's name and format; ValidationError(field="file") for a file that is not
    to be read at all."""
    name = file_name(filename)
    if not name:
        raise ValidationError("请选择要导入的文件。", field="file")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in WEB_FORMATS:
        raise ValidationError("仅支持 Excel（.xlsx）或 CSV 文件，请另存为其中一种格式后上传。",
                              field="file")
    if not data:
        raise ValidationError("文件是空的，请选择填写好的文件。", field="file")
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if len(data) > limit:
        raise ValidationError(f"文件超过 {limit / 1024 / 1024:g} MB，请拆分后分批导入。",
                              field="file")
    if suffix == ".xlsx" and not data.startswith(XLSX_MAGIC):
        raise ValidationError("该文件不是有效的 .xlsx 文件（旧版 .xls 请在 Excel 中另存为 .xlsx）。",
                              field="file")
    return name, suffix


def _kind(kind: str) -> str:
    if kind not in KIND_LABELS:
        raise ValidationError("请选择导入机会清单还是产品清单。", field="kind")
    return kind


def _summary(entry) -> PreviewRow:
    item = entry.item
    return PreviewRow(entry.row, entry.ref, item.title, item.organization.name,
                      item.field.name, item.region.full_name)


def preview(actor, kind: str, filename: str | None, data: bytes) -> Preview:
    """Check an uploaded file exactly as the import would and write nothing to the
    database. A file that would import is kept in the stash and the Preview carries the
    ticket to confirm it; a refused one is not kept. Raises PermissionDenied, or
    ValidationError (field ``kind`` or ``file``: no file, not .xlsx/.csv, empty, too
    big)."""
    require(actor, Permission.LISTING_IMPORT)
    kind = _kind(kind)
    name, suffix = _checked_upload(filename, data)
    path, ticket = stash.keep(actor, kind, name, suffix, data)
    result = Preview(kind, name)
    savepoint = db.session.begin_nested()
    try:
        imported = import_file(actor, path, kind, name=name,
                               max_rows=current_app.config["IMPORT_MAX_ROWS"])
        result.rows = [_summary(entry) for entry in imported.imported]
        result.ticket = ticket
    except TransferError as error:
        result.problems = error.problems
    finally:
        savepoint.rollback()
        if result.ticket is None:
            stash.discard(path)
    return result


def confirm(actor, ticket: str) -> ImportResult:
    """Import the file a preview kept (its ticket): a draft listing per row, on behalf of
    each row's organization, audited (``<kind>.import`` names the file). The file leaves
    the stash whatever happens, so a ticket works once. Raises NotFound for a ticket that
    is forged or another user's, DomainError when the preview has expired or was already
    used, TransferError listing every problem (nothing written), PermissionDenied."""
    require(actor, Permission.LISTING_IMPORT)
    try:
        kept = stash.take(actor, ticket)
    except stash.TicketInvalid:
        raise NotFound() from None
    except stash.TicketGone:
        raise DomainError("此次预览已失效（已导入或已超过 "
                          f"{current_app.config['IMPORT_PREVIEW_MINUTES']} 分钟），"
                          "请重新上传文件。") from None
    try:
        return import_file(actor, kept.path, kept.kind, name=kept.name,
                           max_rows=current_app.config["IMPORT_MAX_ROWS"])
    finally:
        stash.discard(kept.path)

