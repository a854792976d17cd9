"""The .xlsx export of a release (openpyxl), safe to open in Excel or WPS."""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from marketplace.releases.queries import items_by_kind
from marketplace.text import format_wan

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = {
    "opportunity": [("编号", "public_number"), ("名称", "title"), ("发布单位", "org"),
                    ("领域", "field"), ("标签", "tags"), ("地区", "region"),
                    ("预算（万元）", "budget"), ("截止日期", "deadline"),
                    ("合作方式", "cooperation_mode"), ("摘要", "summary"),
                    ("状态", "status")],
    "product": [("编号", "public_number"), ("名称", "title"), ("发布单位", "org"),
                ("领域", "field"), ("标签", "tags"), ("服务地区", "region"),
                ("成熟度", "maturity"), ("适用场景", "scenarios"), ("摘要", "summary"),
                ("状态", "status")],
}
SHEET_TITLES = {"opportunity": "机会清单", "product": "产品清单"}


def neutralise(value):
    """Text that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _cell(item, key):
    derived = {
        "org": lambda: item.organization.name,
        "field": lambda: item.field.name,
        "tags": lambda: "、".join(item.tag_names),
        "region": lambda: item.region.full_name,
        "budget": lambda: format_wan(item.budget_wan).replace(" 万元", "")
        if item.budget_wan is not None else "面议",
        "deadline": lambda: item.deadline.isoformat() if item.deadline else "",
        "status": lambda: item.status_label + (f"（{item.outcome}）" if item.outcome else ""),
    }
    return derived[key]() if key in derived else getattr(item, key)


def release_workbook(release) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind, items in items_by_kind(release).items():
        sheet = workbook.create_sheet(SHEET_TITLES[kind])
        sheet.append([neutralise(release.title)])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([label for label, _ in COLUMNS[kind]])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for item in items:
            sheet.append([neutralise(_cell(item, key)) for _, key in COLUMNS[kind]])
        for column, width in zip("ABCDEFGHIJK", (16, 34, 28, 12, 24, 22, 12, 14, 14, 50, 10)):
            sheet.column_dimensions[column].width = width
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A3"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
