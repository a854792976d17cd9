"""Writing list files: .xlsx, .csv (UTF-8 with BOM, which Excel and WPS open correctly)
and .jsonl, with the Chinese headers of ``columns``; and blank .xlsx templates to fill.

Text a spreadsheet would run as a formula (= + - @ tab CR) is neutralised in .xlsx and
.csv with ``spreadsheets.neutralise``; the readers undo it (``spreadsheets.restore``). .jsonl keeps values as
they are (no spreadsheet opens it) and writes budgets as numbers.
"""
import csv
import json
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from marketplace.transfer.columns import Column, format_of
from marketplace.spreadsheets import neutralise

NOTES_SHEET = "填写说明"
NOTES_HEADERS = ("列名", "也可写作", "适用于", "填写说明")
TEMPLATE_ROWS = 1000  # rows offered a drop-down list
COLUMN_WIDTH = {"title": 34, "organization": 28, "region": 24, "tags": 24, "summary": 40,
                "description": 50, "scenarios": 40, "cases": 40, "release": 30}


def write(path: Path, columns: list[Column], rows: list[dict], sheet_title: str) -> None:
    """Write ``rows`` (column key → value) to ``path``; the format is its extension."""
    path = Path(path)
    writer = {".xlsx": _xlsx, ".csv": _csv, ".jsonl": _jsonl}[format_of(path)]
    writer(path, columns, rows, sheet_title)


def _spreadsheet_value(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return value
    return neutralise(str(value))


def _xlsx_value(value):
    value = _spreadsheet_value(value)
    if isinstance(value, Decimal):
        return float(value)  # a number Excel can sum; 2 decimals survive a float
    return ILLEGAL_CHARACTERS_RE.sub("", value) or None


def _xlsx(path: Path, columns, rows, sheet_title: str) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.append([column.header for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_value(row.get(column.key)) for column in columns])
    for cell, column in zip(sheet[1], columns):
        sheet.column_dimensions[cell.column_letter].width = COLUMN_WIDTH.get(column.key, 14)
    sheet.freeze_panes = "A2"
    workbook.save(path)


def _csv(path: Path, columns, rows, _sheet_title: str) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([column.header for column in columns])
        for row in rows:
            writer.writerow([_spreadsheet_value(row.get(column.key)) for column in columns])


def _json_value(value):
    return float(value) if isinstance(value, Decimal) else value


def _jsonl(path: Path, columns, rows, _sheet_title: str) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for row in rows:
            record = {column.header: _json_value(row.get(column.key)) for column in columns}
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_template(path: Path, columns: list[Column], sheet_title: str,
                   applies_to, choices: dict[str, list[str]], notes: list[str]) -> None:
    """A blank .xlsx to fill in: the sheet ``sheet_title`` with the headers of ``columns``
    (a drop-down list under those in ``choices``, by column key), then a 填写说明 sheet with
    a row per column (its other accepted names, ``applies_to(column)`` and its note)
    followed by ``notes``. The importer reads the first sheet and ignores the second."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    _xlsx_headers(sheet, [column.header for column in columns],
                  [COLUMN_WIDTH.get(column.key, 16) for column in columns])
    for cell, column in zip(sheet[1], columns):
        if column.key in choices:
            listed = DataValidation(type="list", formula1=f'"{",".join(choices[column.key])}"',
                                    allow_blank=True)
            listed.add(f"{cell.column_letter}2:{cell.column_letter}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(listed)
    explained = workbook.create_sheet(NOTES_SHEET)
    _xlsx_headers(explained, NOTES_HEADERS, (14, 30, 30, 80))
    for column in columns:
        names = "、".join(dict.fromkeys((column.key, *column.aliases)))
        explained.append([column.header, names, applies_to(column), column.note])
    explained.append([])
    for note in notes:
        explained.append([note])
        explained.merge_cells(start_row=explained.max_row, start_column=1,
                              end_row=explained.max_row, end_column=len(NOTES_HEADERS))
    for row in explained.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    workbook.save(path)


def _xlsx_headers(sheet, headers, widths) -> None:
    sheet.append(list(headers))
    for cell, width in zip(sheet[1], widths):
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
