"""All proposals of one opportunity as .xlsx, for the department's evaluation file."""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from marketplace.releases.exports import neutralise

HEADERS = ("序号", "提交单位", "状态", "方案摘要", "实施方案", "交付周期", "报价（万元）",
           "提供的产品", "联合体成员", "附件", "提交时间")


def proposals_workbook(opportunity, proposals) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "揭榜方案"
    sheet.append([neutralise(f"{opportunity.public_number or ''} {opportunity.title} — 揭榜方案")])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for number, p in enumerate(proposals, start=1):
        sheet.append([neutralise(v) for v in (
            number, p.organization.name, p.status_label, p.summary, p.approach, p.timeline,
            float(p.price_wan) if p.price_wan is not None else "面议",
            "、".join(f"{x.public_number} {x.title}" for x in p.products),
            "；".join(f"{m.name}（{m.role}）" for m in p.members),
            "、".join(a.original_name for a in p.attachments),
            p.submitted_at.strftime("%Y-%m-%d %H:%M") if p.submitted_at else "")])
    for column, width in zip("ABCDEFGHIJK", (6, 28, 10, 40, 60, 16, 12, 30, 30, 24, 18)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
