"""What the workbench page shows, gathered before it renders (templates run no queries):
each section of ``queries.sections`` as a heading, a count and entries that each link to
where the work is done (the header's numbers: workbench.header)."""
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import url_for

from marketplace import authz
from marketplace.authz import Permission as P
from marketplace.db import to_beijing
from marketplace.events.pages import when_label
from marketplace.workbench import queries
from marketplace.workbench.queries import DEADLINE_DAYS, RECOMMENDATION_DAYS

QUESTION_SHOWN = 60  # characters of a question in its entry


@dataclass
class Entry:
    text: str
    url: str
    note: str = ""
    badge: str = ""
    badge_class: str = ""  # a .badge--… modifier


@dataclass
class Shown:
    key: str
    title: str
    count: int
    pending: int
    entries: list[Entry]
    empty: str
    more: list[tuple[str, str]] = field(default_factory=list)  # (url, link text)


def day(value: date | datetime | None) -> str:
    """"2026年5月1日": a date as it is, a stored time as its Beijing date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_beijing(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 1] + "…"


# --- entries of each section -------------------------------------------------------------
def _unfinished(item) -> Entry:
    note = (f"退回原因：{item.return_reason}" if item.return_reason and item.status == "returned"
            else f"最后修改于 {day(item.updated_at)}")
    return Entry(item.title, url_for(f"{item.endpoint}.detail", item_id=item.id), note,
                 item.status_label, item.status)


def _question(question) -> Entry:
    opportunity = question.opportunity
    return Entry(_short(question.text, QUESTION_SHOWN),
                 url_for("opportunities.detail", item_id=opportunity.id, _anchor="questions"),
                 f"《{opportunity.title}》 · 提问于 {day(question.created_at)}")


def _undecided(proposal) -> Entry:
    return Entry(f"{proposal.organization.name}的方案",
                 url_for("proposals.evaluate", opportunity_id=proposal.opportunity_id),
                 f"《{proposal.opportunity.title}》 · 提交于 {day(proposal.submitted_at)}",
                 proposal.status_label, "submitted")


def _deadline(item) -> Entry:
    return Entry(item.title, url_for("opportunities.detail", item_id=item.id),
                 f"揭榜截止 {day(item.deadline)}", "即将截止", "pending")


def _recommended(row) -> Entry:
    opportunity, recommendations = row
    products = "、".join(r.product.title for r in recommendations)
    note = f"{opportunity.organization.name} · 发布于 {day(opportunity.published_at)}"
    if opportunity.deadline:
        note += f" · 截止 {day(opportunity.deadline)}"
    if products:
        note += f" · 匹配产品：{products}"
    badge = f"匹配度{recommendations[0].band_label}" if recommendations else ""
    return Entry(opportunity.title, url_for("opportunities.detail", item_id=opportunity.id),
                 note, badge, "submitted")


def _proposal(proposal) -> Entry:
    return Entry(f"《{proposal.opportunity.title}》",
                 url_for("proposals.detail", proposal_id=proposal.id),
                 f"最后更新于 {day(proposal.updated_at)}", proposal.status_label,
                 "draft" if proposal.status == "draft" else "submitted")


def _pairing(match) -> Entry:
    opportunity = match.opportunity
    return Entry(opportunity.title, url_for("matching.detail", match_id=match.id),
                 f"需求方 {opportunity.organization.name} · 供给方 {match.supplier.name}"
                 f" · 最近进展 {day(match.stage_changed_at)}", match.stage_label, "approved")


def _signing(match) -> Entry:
    recorder = match.signing_recorder.name if match.signing_recorder else "对方"
    return Entry(match.opportunity.title, url_for("matching.detail", match_id=match.id),
                 f"{recorder} 于 {day(match.signing_recorded_at)} 登记签约，请确认或提出异议",
                 "待确认签约", "pending")


def _registration(registration) -> Entry:
    event, note = registration.event, when_label(registration.event)
    if registration.is_offered and registration.offered_until:
        note += f" · 请在 {day(registration.offered_until)} 前确认参会"
    return Entry(event.title, url_for("events.detail", event_id=event.id), note,
                 registration.status_label,
                 "pending" if registration.is_offered else "approved")


def _review(row) -> Entry:
    what, obj, listing = row
    if what == "organization":
        return Entry(obj.name, url_for("admin.organization", org_id=obj.id),
                     f"注册于 {day(obj.created_at)}", "单位认证", "pending")
    if what == "revision":
        return Entry(f"修改：{listing.title}", url_for("admin.revision", revision_id=obj.id),
                     f"{listing.organization.name} · 提交于 {day(obj.created_at)}",
                     f"{listing.kind_label}修改", "submitted")
    return Entry(obj.title, url_for("admin.review", kind=obj.kind, item_id=obj.id),
                 f"{obj.organization.name} · 提交于 {day(obj.submitted_at)}",
                 obj.kind_label, "submitted")


def _overdue(item) -> Entry:
    return Entry(item.title, url_for("opportunities.detail", item_id=item.id),
                 f"{item.organization.name} · 揭榜截止 {day(item.deadline)}", "未登记结果",
                 "returned")


def _draft_release(release) -> Entry:
    return Entry(release.title, url_for("releases.compose", release_id=release.id),
                 f"创建于 {day(release.created_at)}", release.status_label, "draft")


def _stale(match) -> Entry:
    return Entry(match.opportunity.title, url_for("matching.detail", match_id=match.id),
                 f"供给方 {match.supplier.name} · 最近进展 {day(match.stage_changed_at)}",
                 match.stage_label, "returned")


def _email(message) -> Entry:
    return Entry(message.subject, url_for("reminders.index", _anchor="mail-title"),
                 f"{message.to_address} · 已尝试 {message.attempts} 次", "已停止重试", "rejected")


def _target(row) -> Entry:
    target = row.target
    expected = round(100 * row.elapsed)
    return Entry(f"{target.region.full_name} · {target.kind_label}",
                 url_for("demonstrations.dashboard", region=target.region_code),
                 f"已认定 {row.value} 个，目标 {row.wording}（{row.last_year}年），"
                 f"完成 {row.percent}%，按时间应达 {expected}%", "进度落后", "returned")


# --- sections ----------------------------------------------------------------------------
# key → (heading, what an empty section says, entry of one row, "more" links (endpoint,
# text) — each shown only to those who may open it).
SECTIONS = {
    "review": ("待审核", "没有待审核的清单、修改或单位。", _review,
               [("admin.index", "进入管理后台")]),
    "releases": ("待编排发布", "没有待编入批次的清单，也没有编排中的批次。", _draft_release,
                 [("releases.manage", "批次编排")]),
    "overdue": ("逾期未登记结果的机会", "没有逾期未登记结果的机会。", _overdue,
                [("reminders.index", "全部待跟进提醒")]),
    "stale": ("长期无进展的对接", "没有长期无进展的对接。", _stale,
              [("reminders.index", "全部待跟进提醒")]),
    "emails": ("无法投递的邮件", "没有无法投递的邮件。", _email,
               [("reminders.index", "邮件发送情况")]),
    "targets": ("进度落后的十百千目标", "没有进度落后的十百千目标。", _target,
                [("demonstrations.dashboard", "十百千进展")]),
    "unfinished_opportunity": ("待完善的机会清单", "没有草稿或被退回的机会清单。", _unfinished,
                               [("opportunities.mine", "我的机会清单"),
                                ("opportunities.create", "新建机会")]),
    "questions": ("待答复的提问", "没有待答复的提问。", _question, []),
    "undecided": ("待评审的揭榜方案", "没有待评审的揭榜方案。", _undecided, []),
    "deadlines": (f"{DEADLINE_DAYS} 天内揭榜截止", f"{DEADLINE_DAYS} 天内没有揭榜截止的机会。",
                  _deadline, []),
    "unfinished_product": ("待完善的产品清单", "没有草稿或被退回的产品清单。", _unfinished,
                           [("products.mine", "我的产品清单"), ("products.create", "新建产品")]),
    "recommended": ("为本单位产品推荐的新机会",
                    f"近 {RECOMMENDATION_DAYS} 天没有为本单位产品推荐的新机会。", _recommended,
                    [("products.mine", "全部推荐"), ("opportunities.index", "浏览机会清单")]),
    "proposals": ("我的揭榜", "还没有揭榜方案。", _proposal, [("proposals.mine", "我的揭榜")]),
    "signings": ("待本单位确认的签约", "没有待本单位确认的签约。", _signing,
                 [("matching.mine", "对接跟踪")]),
    "pairings": ("进行中的对接", "没有进行中的对接。", _pairing,
                 [("matching.mine", "对接跟踪")]),
    "events": ("我报名的近期活动", "没有报名近期的活动。", _registration,
               [("events.mine", "我的报名"), ("events.index", "浏览活动")]),
}

# The endpoint of a "more" link → who may open it (the page links nowhere it would refuse).
_MORE_ALLOWED = {
    "reminders.index": lambda user: authz.can(user, P.FUNNEL_VIEW),
}


def _more(user, links) -> list[tuple[str, str]]:
    return [(url_for(endpoint), text) for endpoint, text in links
            if _MORE_ALLOWED.get(endpoint, lambda _: True)(user)]


def _entries(section) -> list[Entry]:
    build = SECTIONS[section.key][2]
    entries = [build(item) for item in section.items]
    if section.key == "releases" and section.count:
        entries.insert(0, Entry(f"已通过审核、待编入批次的清单 {section.count} 条",
                                url_for("releases.manage"), "新建批次或在编排中的批次里加入",
                                "待编排", "approved"))
    return entries


def shown_sections(user, now: datetime | None = None) -> list[Shown]:
    """The workbench of ``user`` as the page shows it: sections with something in them
    first (on a phone nobody scrolls past empty ones to find work), otherwise in order."""
    shown = []
    for section in queries.sections(user, now):
        title, empty, _, more = SECTIONS[section.key]
        shown.append(Shown(section.key, title, section.count, section.pending,
                           _entries(section), empty, _more(user, more)))
    return sorted(shown, key=lambda s: not s.entries)


def workbench_context(user) -> dict:
    """Everything the page shows: the sections, what waits in all, and a note for an
    organization not (yet) verified, whose work starts once it is."""
    sections = shown_sections(user)
    organization = user.organization
    return {"sections": sections, "pending": sum(s.pending for s in sections),
            "unverified": organization is not None and not organization.is_verified,
            "organization": organization}
