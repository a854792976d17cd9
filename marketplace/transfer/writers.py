"""Writing list files: .xlsx, .csv (UTF-8 with BOM, which Excel and WPS open correctly)
and .jsonl, with the Chinese headers of ``columns``; and blank .xlsx templates to fill.

Text a spreadsheet would run as a formula (= + - @ tab CR) is neutralised in .xlsx and
.csv with ``spreadsheets.neutralise``; the readers undo it (``spreadsheets.restore``).
.jsonl keeps values as they are (no spreadsheet opens it) and writes budgets as numbers.
In .xlsx budgets are numbers and deadlines dates, with number formats (NUMBER_FORMATS).
"""
import csv
import json
from datetime import date
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
OPTIONS_SHEET = "选项"
# Excel refuses an inline list formula longer than 255 characters; longer lists are
# written to the hidden options sheet and referenced as a range.
INLINE_LIST_MAX = 255
STRICT_MESSAGE = "请从下拉列表中选择。"
LOOSE_MESSAGE = "该值不在列表中；也可以填写 6 位地区代码或唯一的简称，导入时会核对。"
# Excel number formats of the typed cells of list files (.xlsx).
NUMBER_FORMATS = {"budget_wan": "#,##0.00", "deadline": "yyyy-mm-dd"}
COLUMN_WIDTH = {"title": 34, "organization": 28, "region": 24, "tags": 24, "summary": 40,
                "description": 50, "scenarios": 40, "cases": 40, "release": 30}


def write(path: Path, columns: list[Column], rows: list[dict], sheet_title: str) -> None:
    """Write ``rows`` (column key → value) to ``path``; the format is its extension."""
    path = Path(path)
    writer = {".xlsx": _xlsx, ".csv": _csv, ".jsonl": _jsonl}[format_of(path)]
    writer(path, columns, rows, sheet_title)


def spreadsheet_value(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def _xlsx_value(value):
    if isinstance(value, date):
        return value  # a date cell (NUMBER_FORMATS); read back as a datetime
    value = spreadsheet_value(value)
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
        if column.key in NUMBER_FORMATS:
            for (typed,) in sheet.iter_rows(min_row=2, min_col=cell.column,
                                            max_col=cell.column):
                typed.number_format = NUMBER_FORMATS[column.key]
    sheet.freeze_panes = "A2"
    workbook.save(path)


def _csv(path: Path, columns, rows, _sheet_title: str) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([column.header for column in columns])
        for row in rows:
            writer.writerow([spreadsheet_value(row.get(column.key)) for column in columns])


def _json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    return float(value) if isinstance(value, Decimal) else value


def _jsonl(path: Path, columns, rows, _sheet_title: str) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for row in rows:
            record = {column.header: _json_value(row.get(column.key)) for column in columns}
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_template(path, columns: list[Column], sheet_title: str,
                   applies_to, choices: dict[str, list[str]], notes: list[str],
                   example: dict | None = None, loose: frozenset = frozenset()) -> None:
    """A blank .xlsx to fill in (``path``: a file name or a binary stream): the sheet
    ``sheet_title`` with the headers of ``columns`` (an ``example`` row under them, by
    column key, if given; a drop-down list under those in ``choices``, by column key —
    lists too long to write inline are kept in a hidden 选项 sheet; a column in ``loose``
    only warns about a value not in its list), then a 填写说明 sheet with a row per column
    (its other accepted names, ``applies_to(column)`` and its note) followed by ``notes``.
    The importer reads the first sheet and ignores the others."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    _xlsx_headers(sheet, [column.header for column in columns],
                  [COLUMN_WIDTH.get(column.key, 16) for column in columns])
    if example:
        sheet.append([_template_value(example.get(column.key)) for column in columns])
        for cell, column in zip(sheet[2], columns):
            if column.key in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.key]
    options = None
    for cell, column in zip(sheet[1], columns):
        if column.key not in choices:
            continue
        formula = f'"{",".join(choices[column.key])}"'
        if len(formula) > INLINE_LIST_MAX:
            options = options or workbook.create_sheet(OPTIONS_SHEET)
            formula = _options_column(options, column.header, choices[column.key])
        listed = DataValidation(type="list", formula1=formula, allow_blank=True,
                                showErrorMessage=True, errorTitle="请从列表中选择",
                                error=LOOSE_MESSAGE if column.key in loose else STRICT_MESSAGE,
                                errorStyle="warning" if column.key in loose else "stop")
        listed.add(f"{cell.column_letter}2:{cell.column_letter}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(listed)
    _notes_sheet(workbook, columns, applies_to, notes)
    if options is not None:
        workbook.move_sheet(options, offset=len(workbook.sheetnames))  # last, after the notes
    workbook.save(path)


def _template_value(value):
    if isinstance(value, (int, float, Decimal, date)):
        return value
    return _xlsx_value(value)


def _options_column(options, header: str, values: list[str]) -> str:
    """Write ``values`` under ``header`` in the next column of the hidden options sheet;
    the list formula naming that range."""
    column = options.max_column + 1 if options.max_row > 1 or options["A1"].value else 1
    options.cell(row=1, column=column, value=header)
    for row, value in enumerate(values, start=2):
        options.cell(row=row, column=column, value=_xlsx_value(value))
    letter = options.cell(row=1, column=column).column_letter
    options.sheet_state = "hidden"
    return f"'{OPTIONS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"


def _notes_sheet(workbook, columns, applies_to, notes) -> None:
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


def _xlsx_headers(sheet, headers, widths) -> None:
    sheet.append(list(headers))
    for cell, width in zip(sheet[1], widths):
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
