"""All proposals of one opportunity as .xlsx and .csv, for the department's evaluation
file: times in Beijing time (as the pages show them), prices as numbers."""
from marketplace import audit
from marketplace.spreadsheets import AMOUNT, MINUTE, csv_bytes, local_time, workbook_bytes

HEADERS = ("序号", "提交单位", "状态", "方案摘要", "实施方案", "交付周期", "报价（万元）",
           "提供的产品", "联合体成员", "附件", "提交时间")
WIDTHS = (6, 28, 10, 40, 60, 16, 12, 30, 30, 24, 18)
FORMATS = (None,) * 6 + (AMOUNT,) + (None,) * 3 + (MINUTE,)


def _row(number: int, p) -> list:
    return [number, p.organization.name, p.status_label, p.summary, p.approach, p.timeline,
            p.price_wan if p.price_wan is not None else "面议",
            "、".join(f"{x.public_number} {x.title}" for x in p.products),
            "；".join(f"{m.name}（{m.role}）" for m in p.members),
            "、".join(a.original_name for a in p.attachments),
            local_time(p.submitted_at)]


def _rows(proposals) -> list[list]:
    return [_row(number, p) for number, p in enumerate(proposals, start=1)]


def proposals_workbook(opportunity, proposals) -> bytes:
    title = f"{opportunity.public_number or ''} {opportunity.title} — 揭榜方案"
    return workbook_bytes([("揭榜方案", title, HEADERS, _rows(proposals), WIDTHS, FORMATS)])


def export(actor, opportunity, proposals) -> bytes:
    """The workbook of ``proposals``; the export is audited (``proposals.export``: who,
    which opportunity, how many rows). The caller commits."""
    data = proposals_workbook(opportunity, proposals)
    audit.record_export(actor, "proposals.export", opportunity, rows=len(proposals),
                        summary=opportunity.title)
    return data


def export_csv(actor, opportunity, proposals) -> bytes:
    """The same rows as .csv; audited like the workbook. The caller commits."""
    data = csv_bytes(HEADERS, _rows(proposals))
    audit.record_export(actor, "proposals.export", opportunity, rows=len(proposals),
                        summary=f"{opportunity.title}（CSV）")
    return data
