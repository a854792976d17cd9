"""A release's lists as files people can use: .xlsx (openpyxl; one sheet per list, budgets
as numbers and deadlines as dates, with number formats) and a .csv per list, both safe to
open in Excel or WPS."""
from marketplace import audit
from marketplace.releases.queries import items_by_kind
from marketplace.spreadsheets import AMOUNT, DAY, csv_bytes, workbook_bytes

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
FORMATS = {"budget": AMOUNT, "deadline": DAY}
SHEET_TITLES = {"opportunity": "机会清单", "product": "产品清单"}
WIDTHS = (16, 34, 28, 12, 24, 22, 12, 14, 14, 50, 10)
NEGOTIABLE = "面议"


def _cell(item, key):
    derived = {
        "org": lambda: item.organization.name,
        "field": lambda: item.field.name,
        "tags": lambda: "、".join(item.tag_names),
        "region": lambda: item.region.full_name,
        # A number (万元) Excel can sum; 面议 stays text, which SUM skips.
        "budget": lambda: item.budget_wan if item.budget_wan is not None else NEGOTIABLE,
        "deadline": lambda: item.deadline,
        "status": lambda: item.status_label + (f"（{item.outcome}）" if item.outcome else ""),
    }
    return derived[key]() if key in derived else getattr(item, key)


def _rows(kind: str, items) -> list[list]:
    return [[_cell(item, key) for _, key in COLUMNS[kind]] for item in items]


def _headers(kind: str) -> list[str]:
    return [label for label, _ in COLUMNS[kind]]


def export(actor, release) -> bytes:
    """The release as .xlsx, one sheet per list; the download is audited
    (``release.export``, rows: its items). The caller commits."""
    sheets = items_by_kind(release)
    data = workbook_bytes(
        (SHEET_TITLES[kind], release.title, _headers(kind), _rows(kind, items), WIDTHS,
         [FORMATS.get(key) for _, key in COLUMNS[kind]])
        for kind, items in sheets.items())
    audit.record_export(actor, "release.export", release,
                        rows=sum(len(items) for items in sheets.values()), summary=release.title)
    return data


def export_csv(actor, release, kind: str) -> bytes:
    """One list of the release (``kind``) as .csv; audited like the .xlsx
    (``release.export``). The caller commits."""
    items = items_by_kind(release)[kind]
    data = csv_bytes(_headers(kind), _rows(kind, items))
    audit.record_export(actor, "release.export", release, rows=len(items),
                        summary=f"{release.title}（{SHEET_TITLES[kind]} CSV）")
    return data
