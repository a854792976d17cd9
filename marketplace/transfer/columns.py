"""The columns of list files, shared by import and export, and the per-cell problem.

Each column has a canonical key (what the importer works with), the Chinese header written
on export, the other names accepted on import and the listing kinds it applies to. Headers
are compared after NFKC normalisation and case folding, ignoring spaces, ``_``, ``-`` and a
``*`` required-marker: 预算（万元） = 预算(万元), ``Budget_Wan`` = ``budget wan``.
"""
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from marketplace.errors import DomainError

BOTH = ("opportunity", "product")
KIND_LABELS = {"opportunity": "机会清单", "product": "产品清单"}
FORMATS = (".xlsx", ".csv", ".jsonl")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...]
    kinds: tuple[str, ...] = BOTH  # the kinds of row (listing or designation) it applies to
    imported: bool = True  # False: written on export, accepted and ignored on import
    note: str = ""


COLUMNS = (
    Column("ref", "编号", ("ref", "public_number", "number"),
           note="导出时为公开编号（未发布为空）；导入时仅作对照，不写入"),
    Column("title", "名称", ("title", "name", "标题", "产品名称")),
    Column("organization", "发布单位", ("organization", "org", "单位"),
           note="平台上已有单位的全称，须已认证"),
    Column("field", "领域", ("field",), note="二级领域名称，如 交通出行"),
    Column("tags", "标签", ("tags",), note="多个标签用 、 , ; | 或空格分隔"),
    Column("region", "地区", ("region", "region_code", "服务地区"),
           note="6 位代码、全称（江西省南昌市红谷滩区）或唯一的简称（红谷滩区）"),
    Column("budget_wan", "预算（万元）", ("budget_wan", "budget"), ("opportunity",),
           note="数字；空或“面议”表示面议"),
    Column("deadline", "截止日期", ("deadline",), ("opportunity",),
           note="2026-12-31（也接受 2026/12/31 和 Excel 日期）"),
    Column("timeline", "预期周期", ("timeline",), ("opportunity",)),
    Column("cooperation_mode", "合作方式", ("cooperation_mode", "cooperation"),
           ("opportunity",), note="采购服务、联合研发、揭榜挂帅、试点应用、合作共建、其他"),
    Column("scenarios", "适用场景", ("scenarios",), ("product",)),
    Column("maturity", "成熟度", ("maturity",), ("product",), note="研发、试点、成熟"),
    Column("cases", "应用案例", ("cases",), ("product",)),
    Column("summary", "摘要", ("summary",)),
    Column("description", "描述", ("description", "详细描述")),
    Column("contact_name", "联系人", ("contact_name", "contact")),
    Column("contact_phone", "联系电话", ("contact_phone", "phone")),
    Column("contact_consent", "联系人同意公开", ("contact_consent", "consent"),
           note="是/否；空为否（公开页面不显示联系人）"),
    Column("status", "状态", ("status",), imported=False, note="仅导出；导入时忽略"),
    Column("release", "批次", ("release",), imported=False, note="仅导出；导入时忽略"),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}


class RowError(NamedTuple):
    """One problem in a file: its row (None for the file as a whole), the column header as
    written in the file, and a Chinese message."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row is not None else ""
        column = f"[{self.column}]" if self.column else ""
        place = " ".join(part for part in (where, column) if part)
        return f"{place}：{self.message}" if place else self.message


class TransferError(DomainError):
    """A file that cannot be imported or written; ``problems`` lists every RowError."""

    def __init__(self, problems: list[RowError]):
        super().__init__(str(problems[0]) if problems else "导入失败。")
        self.problems = problems


def file_problem(message: str) -> TransferError:
    return TransferError([RowError(None, "", message)])


def format_of(path: Path) -> str:
    """The file's format from its extension, or TransferError."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise file_problem(f"不支持的文件格式“{suffix or path}”，请使用 .xlsx、.csv 或 .jsonl。")
    return suffix


def columns_for(kind: str) -> list[Column]:
    """The columns of ``kind`` in export order."""
    return [column for column in COLUMNS if kind in column.kinds]


def header_key(text) -> str:
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return re.sub(r"[\s_\-*]", "", text)


def header_index(columns) -> dict[str, Column]:
    """Every name of every column (header, key, aliases), normalised by ``header_key``."""
    return {header_key(name): column for column in columns
            for name in (column.header, column.key, *column.aliases)}


_BY_HEADER = header_index(COLUMNS)


def match_header(header, kind: str) -> tuple[Column | None, str | None]:
    """The column a header names, or a Chinese problem when it names none for ``kind``."""
    column = _BY_HEADER.get(header_key(header))
    if column is None:
        return None, f"无法识别的列“{header}”。"
    if kind not in column.kinds:
        other = "、".join(KIND_LABELS[k] for k in column.kinds)
        return None, f"“{header}”列只用于{other}，不适用于{KIND_LABELS[kind]}。"
    return column, None


@dataclass(frozen=True)
class Schema:
    """What a reader needs to know about one kind of file: the sheet to prefer in an
    .xlsx, how a header names a column (or a Chinese problem), and the columns by key."""

    sheet: str
    match: Callable[[object], tuple[Column | None, str | None]]
    by_key: dict[str, Column]


def listing_schema(kind: str) -> Schema:
    """The columns of a 机会清单 or 产品清单 file."""
    return Schema(KIND_LABELS[kind], lambda header: match_header(header, kind), COLUMN_BY_KEY)
