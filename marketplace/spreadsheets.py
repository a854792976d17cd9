"""Writing .xlsx sheets the same way everywhere: a title row, bold headers, wrapped
cells, frozen header, numbers, dates and times as typed cells with number formats, and
text that Excel/WPS would run as a formula neutralised; and the CSV beside each sheet.

openpyxl is imported when a sheet is written: it is a tenth of a second of every web
process's start otherwise (the export views import this module)."""
import csv
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO, StringIO
from string import ascii_uppercase

from marketplace.db import to_beijing

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _quoted(text: str) -> bool:
    # Text that already starts with quotes before a trigger is quoted once more, so that
    # ``restore`` takes back exactly the quote added here and "'=1" survives a round trip.
    return text.lstrip("'").startswith(FORMULA_TRIGGERS)


def neutralise(value):
    """Text that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and _quoted(value):
        return "'" + value
    return value


def restore(value):
    """Undo ``neutralise`` on a value read back: ``'=1+1`` → ``=1+1``, ``''=1`` → ``'=1``."""
    if isinstance(value, str) and value[:1] == "'" and _quoted(value[1:]):
        return value[1:]
    return value


# Number formats for typed cells: amounts summable in Excel, dates and times as such.
AMOUNT = "#,##0.00"
DAY = "yyyy-mm-dd"
MINUTE = "yyyy-mm-dd hh:mm"


def local_time(moment: datetime | None) -> datetime | None:
    """A stored time (naive UTC) as the naive Beijing wall-clock time a sheet shows
    (.xlsx has no time zones: a cell holds what the reader should see)."""
    return to_beijing(moment).replace(tzinfo=None) if moment else None


def add_sheet(workbook, name: str, title: str, headers, rows, widths, formats=()) -> None:
    """A formatted sheet ``name`` in the openpyxl ``workbook``; ``formats``, by column, the
    number format of its typed cells (None: general)."""
    from openpyxl.styles import Alignment, Font

    sheet = workbook.create_sheet(name)
    sheet.append([neutralise(title)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(headers))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_typed(value) for value in row])
    for column, width in zip(ascii_uppercase, widths):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell, number_format in zip(row, _padded(formats, len(row))):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if number_format and not isinstance(cell.value, str):
                cell.number_format = number_format
    sheet.freeze_panes = "A3"


def _typed(value):
    if isinstance(value, Decimal):
        return float(value)  # a number Excel can sum; 2 decimals survive a float
    return neutralise(value)


def _padded(formats, length: int) -> list:
    return list(formats)[:length] + [None] * (length - len(formats))


def workbook_bytes(sheets) -> bytes:
    """``sheets``: (name, title, headers, rows, widths[, formats]) tuples → .xlsx bytes."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        add_sheet(workbook, *sheet)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(value) -> str:
    """A cell as CSV text: dates ISO, times to the minute (already local), numbers plain,
    formula triggers neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return neutralise(str(value))


def csv_bytes(headers, rows) -> bytes:
    """A header row and ``rows`` as CSV, UTF-8 with a BOM (which Excel and WPS need to
    read Chinese text from a CSV)."""
    buffer = StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(list(headers))
    for row in rows:
        writer.writerow([csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")
