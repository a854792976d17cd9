"""Reading list files and designation sheets: every format gives (row number, {column key:
raw value}), in the columns of a ``columns.Schema``.

.xlsx is read with openpyxl in read-only mode (dates come back as ``datetime``, numbers as
numbers); .csv must be UTF-8, with or without a BOM; .jsonl holds one JSON object a line.
Header problems (unknown columns, columns of the other kind, a column given twice, data
under no header) are collected in ``Table.problems``, and so are lines that are not JSON.
Rows whose cells are all empty are skipped. Text that an export neutralised against
formulas (``'=…``) gets its original value back.
"""
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from marketplace.transfer.columns import (
    RowError, Schema, file_problem, format_of, listing_schema)
from marketplace.spreadsheets import restore


@dataclass
class Table:
    schema: Schema
    headers: dict[str, str] = field(default_factory=dict)  # column key → header in the file
    rows: list[tuple[int, dict]] = field(default_factory=list)
    problems: list[RowError] = field(default_factory=list)

    def header(self, key: str) -> str:
        """The column's header as the file wrote it (the Chinese one when it is absent)."""
        column = self.schema.by_key.get(key)
        return self.headers.get(key) or (column.header if column else key)


def read(path: Path, kind: str | Schema) -> Table:
    """Read ``path`` (format from its extension) as a list file of ``kind`` (opportunity,
    product) or in the columns of a Schema. Raises TransferError when the file as a whole
    cannot be read; row and header problems are in ``Table.problems``."""
    path = Path(path)
    table = Table(listing_schema(kind) if isinstance(kind, str) else kind)
    suffix = format_of(path)
    if suffix == ".jsonl":
        _read_jsonl(table, path)
    else:
        records = (_xlsx_records(path, table.schema.sheet) if suffix == ".xlsx"
                   else _csv_records(path))
        _read_tabular(table, records)
    return table


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise file_problem("文件不是 UTF-8 编码。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”，"
                           "或改用 .xlsx 文件。") from None


def _xlsx_records(path: Path, sheet_name: str):
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError):
        raise file_problem("无法读取该 Excel 文件，请确认它是 .xlsx 格式。") from None
    try:
        names = workbook.sheetnames
        sheet = workbook[sheet_name] if sheet_name in names else workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), 1):
            yield number, list(cells)
    finally:
        workbook.close()


def _csv_records(path: Path):
    try:
        yield from enumerate(csv.reader(io.StringIO(_text(path), newline="")), 1)
    except csv.Error as error:
        raise file_problem(f"CSV 格式有误：{error}") from None


def _read_tabular(table: Table, records) -> None:
    positions: dict[int, str] | None = None
    named: set[int] = set()
    unnamed_reported: set[int] = set()
    for number, cells in records:
        if all(_blank(cell) for cell in cells):
            continue
        if positions is None:
            positions, named = _header_positions(table, number, cells)
            if table.problems:
                return
            continue
        for index, cell in enumerate(cells):
            if index not in named and not _blank(cell) and index not in unnamed_reported:
                unnamed_reported.add(index)
                table.problems.append(RowError(number, f"第 {index + 1} 列",
                                               "该列有数据但没有列名。"))
        values = {key: restore(cells[i]) for i, key in positions.items() if i < len(cells)}
        table.rows.append((number, values))


def _header_positions(table: Table, number: int, cells) -> tuple[dict[int, str], set[int]]:
    """Column index → column key for the header row; every header problem recorded."""
    positions, named = {}, set()
    for index, cell in enumerate(cells):
        if _blank(cell):
            continue
        named.add(index)
        key = _column_key(table, number, str(cell).strip())
        if key is not None:
            positions[index] = key
    return positions, named


def _column_key(table: Table, number: int, header: str) -> str | None:
    """The key of an imported column, or None (problem recorded, or an export-only one)."""
    column, problem = table.schema.match(header)
    if problem:
        table.problems.append(RowError(number, header, problem))
        return None
    if column.key in table.headers and table.headers[column.key] != header:
        table.problems.append(RowError(number, header, f"与“{table.headers[column.key]}”"
                                                       "是同一列，请只保留一个。"))
        return None
    if column.key in table.headers:
        table.problems.append(RowError(number, header, "该列出现了两次。"))
        return None
    table.headers[column.key] = header
    return column.key if column.imported else None


def _read_jsonl(table: Table, path: Path) -> None:
    refused: set[str] = set()  # unknown keys, reported once each
    # split on "\n" only: str.splitlines() would also break at U+2028 inside a JSON string
    for number, line in enumerate(_text(path).split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            table.problems.append(RowError(number, "", "不是有效的 JSON。"))
            continue
        if not isinstance(record, dict):
            table.problems.append(RowError(number, "", "每行应为一个 JSON 对象。"))
            continue
        values = _jsonl_values(table, number, record, refused)
        if values is not None and not all(_blank(v) for v in values.values()):
            table.rows.append((number, values))


def _jsonl_values(table: Table, number: int, record: dict, refused: set) -> dict | None:
    values, given = {}, {}
    for header, value in record.items():
        header = str(header).strip()
        column, problem = table.schema.match(header)
        if problem:
            if header not in refused:
                refused.add(header)
                table.problems.append(RowError(number, header, problem))
            continue
        if column.key in given:
            table.problems.append(RowError(number, header, f"与“{given[column.key]}”"
                                                           "是同一列，请只保留一个。"))
            return None
        given[column.key] = header
        table.headers.setdefault(column.key, header)
        if column.imported:
            values[column.key] = value
    return values
