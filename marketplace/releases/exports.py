"""The .xlsx export of a release (openpyxl), safe to open in Excel or WPS."""
from marketplace import audit
from marketplace.releases.queries import items_by_kind
from marketplace.spreadsheets import workbook_bytes
from marketplace.text import format_wan


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


def export(actor, release) -> bytes:
    """The release as .xlsx, one sheet per list; the download is audited
    (``release.export``, rows: its items). The caller commits."""
    widths = (16, 34, 28, 12, 24, 22, 12, 14, 14, 50, 10)
    sheets = items_by_kind(release)
    data = workbook_bytes(
        (SHEET_TITLES[kind], release.title, [label for label, _ in COLUMNS[kind]],
         ([_cell(item, key) for _, key in COLUMNS[kind]] for item in items), widths)
        for kind, items in sheets.items())
    audit.record_export(actor, "release.export", release,
                        rows=sum(len(items) for items in sheets.values()), summary=release.title)
    return data
