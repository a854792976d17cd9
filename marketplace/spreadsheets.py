"""Writing .xlsx sheets the same way everywhere: a title row, bold headers, wrapped
cells, frozen header, and text that Excel/WPS would run as a formula neutralised.

openpyxl is imported when a sheet is written: it is a tenth of a second of every web
process's start otherwise (the export views import this module)."""
from io import BytesIO
from string import ascii_uppercase

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


def add_sheet(workbook, name: str, title: str, headers, rows, widths) -> None:
    """A formatted sheet ``name`` in the openpyxl ``workbook``."""
    from openpyxl.styles import Alignment, Font

    sheet = workbook.create_sheet(name)
    sheet.append([neutralise(title)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(headers))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    for column, width in zip(ascii_uppercase, widths):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"


def workbook_bytes(sheets) -> bytes:
    """``sheets``: (name, title, headers, rows, widths) tuples → .xlsx bytes."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        add_sheet(workbook, *sheet)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
