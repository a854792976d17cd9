"""Input checks of the events services: an event's fields (times, seats, fields and
themes, what it features, the meeting settings of a 供需对接会 and its sessions) and what
a registration brings. Each check returns the value it vouches for or raises
ValidationError naming the form field, in Chinese; ``clean_event`` reports every
problem of the form at once.
"""
import re
from datetime import datetime, timedelta

import sqlalchemy as sa

from marketplace.errors import Collector, ValidationError
from marketplace.events.models import EVENT_KINDS, SLOT_MINUTES
from marketplace.extensions import db
from marketplace.listings.models import PUBLIC_STATUSES
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.releases.models import Release
from marketplace.taxonomy.models import Field
from marketplace.taxonomy.services import place_code
from marketplace.validators import as_id, choice, text

MAX_THEMES, THEME_MAX_LEN = 8, 12
MAX_SESSIONS, MAX_SLOTS = 6, 48
_THEME_SEPARATORS = re.compile(r"[、，,；;\s]+")


# --- single values -------------------------------------------------------------------
def when(data: dict, name: str, label: str) -> datetime:
    raw = data.get(name)
    if isinstance(raw, datetime):
        return raw
    try:
        return datetime.fromisoformat(str(raw or "").strip())
    except ValueError:
        raise ValidationError(f"请填写{label}，格式如 2026-12-31 09:00。", field=name) from None


def whole(data: dict, name: str, label: str, low: int, high: int,
          default: int | None = None) -> int:
    """An integer from ``low`` to ``high``; blank is ``default`` when one is given."""
    raw = str(data.get(name) if data.get(name) is not None else "").strip()
    if raw == "" and default is not None:
        return default
    number = 0 if raw == "0" else as_id(raw)
    if number is None or not low <= number <= high:
        raise ValidationError(f"{label}应为 {low}—{high} 的整数。", field=name)
    return number


def ids(data: dict, name: str, message: str) -> list[int]:
    """The distinct ids posted as ``name`` (a list or one value); anything that is not an
    id of a row is refused with ``message``."""
    raw = data.get(name) or []
    if isinstance(raw, (str, int)):
        raw = [raw]
    values = []
    for value in raw:
        value = str(value).strip()
        if not value:
            continue
        number = as_id(value)
        if number is None:
            raise ValidationError(message, field=name)
        if number not in values:
            values.append(number)
    return values


def themes(data: dict) -> str:
    """Tags separated by 、 (commas and spaces are accepted too), at most MAX_THEMES of
    at most THEME_MAX_LEN characters each; stored joined by 、."""
    raw = data.get("themes")
    tags = []
    for tag in _THEME_SEPARATORS.split(raw.strip() if isinstance(raw, str) else ""):
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_THEMES:
        raise ValidationError(f"主题标签最多 {MAX_THEMES} 个（当前 {len(tags)} 个）。",
                              field="themes")
    long = [tag for tag in tags if len(tag) > THEME_MAX_LEN]
    if long:
        raise ValidationError(f"每个主题标签不超过 {THEME_MAX_LEN} 个字：“{long[0]}”过长。",
                              field="themes")
    return "、".join(tags)


# --- rows an event points at -----------------------------------------------------------
def _rows(model, wanted: list[int], *conditions) -> list:
    if not wanted:
        return []
    found = {row.id: row for row in db.session.scalars(
        sa.select(model).where(model.id.in_(wanted), *conditions))}
    return [found[i] for i in wanted if i in found] if len(found) == len(wanted) else None


def fields(data: dict) -> list[Field]:
    """Second-level, active taxonomy fields."""
    message = "请选择有效的场景领域（二级领域）。"
    rows = _rows(Field, ids(data, "field_ids", message), Field.parent_id.is_not(None),
                 Field.is_active.is_(True))
    if rows is None:
        raise ValidationError(message, field="field_ids")
    return rows


def featured_releases(data: dict) -> list[Release]:
    message = "只能选择已发布的清单批次。"
    rows = _rows(Release, ids(data, "release_ids", message), Release.status == "published")
    if rows is None:
        raise ValidationError(message, field="release_ids")
    return rows


def featured_opportunities(data: dict) -> list[Opportunity]:
    message = "只能选择已发布（或已关闭）的机会清单。"
    rows = _rows(Opportunity, ids(data, "opportunity_ids", message),
                 Opportunity.status.in_(PUBLIC_STATUSES))
    if rows is None:
        raise ValidationError(message, field="opportunity_ids")
    return rows


def own_listings(organization, side: str, data: dict) -> list:
    """What a registration brings: the organization's own published opportunities (a
    department, 需求方) or products (a supplier, 供给方). Another's, or an unpublished
    one, is refused at the field."""
    model, noun = (Opportunity, "机会清单") if side == "demand" else (Product, "产品")
    message = f"只能选择本单位已发布的{noun}。"
    rows = _rows(model, ids(data, "listing_ids", message),
                 model.organization_id == organization.id, model.status == "published")
    if rows is None:
        raise ValidationError(message, field="listing_ids")
    return rows


# --- meeting settings and sessions (供需对接会) -----------------------------------------
def _breaks(raw, slots: int, row: int) -> str:
    """Break slots typed as 1-based numbers ("5、10"), stored 0-based ("4,9")."""
    numbers = []
    for part in _THEME_SEPARATORS.split(str(raw or "").strip()):
        if not part:
            continue
        if as_id(part) is None or not 1 <= as_id(part) <= slots:
            raise ValidationError(f"第 {row} 场：休息时段应为 1—{slots} 之间的序号。",
                                  field="sessions")
        numbers.append(int(part) - 1)
    if len(set(numbers)) >= slots:
        raise ValidationError(f"第 {row} 场：至少要留一个洽谈时段。", field="sessions")
    return ",".join(str(n) for n in sorted(set(numbers)))


def sessions(data: dict) -> list[dict]:
    """Rows {starts_at (UTC), slots, breaks, number}; ``number`` is the row's place in
    the form (from 1), which messages name; blank rows are skipped."""
    result = []
    rows = data.get("sessions") or []
    for number, row in enumerate(rows, start=1):
        if not any(str(row.get(k) or "").strip() for k in ("starts_at", "slots", "breaks")):
            continue
        if len(result) == MAX_SESSIONS:
            raise ValidationError(f"最多 {MAX_SESSIONS} 场。", field="sessions")
        try:
            starts_at = when(row, "starts_at", "开始时间")
            slots = whole(row, "slots", "时段数", 1, MAX_SLOTS)
        except ValidationError as error:
            raise ValidationError(f"第 {number} 场：{error.message}", field="sessions") from None
        result.append({"starts_at": starts_at, "slots": slots, "number": number,
                       "breaks": _breaks(row.get("breaks"), slots, number)})
    return result


def check_sessions(values: dict) -> None:
    """Sessions lie within the event's start and end and do not overlap."""
    minutes = values.get("slot_minutes")
    spans = sorted((s["starts_at"], s["starts_at"] + timedelta(minutes=minutes * s["slots"]),
                    s["number"]) for s in values.get("sessions") or [])
    for start, end, number in spans:
        if start < values["starts_at"] or end > values["ends_at"]:
            raise ValidationError(f"第 {number} 场应在活动的开始和结束时间之内。",
                                  field="sessions")
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        if start < end:
            raise ValidationError(f"第 {first} 场与第 {second} 场时间重叠。", field="sessions")


def _meeting_settings(checks: Collector, data: dict) -> None:
    checks.run("slot_minutes", choice, {"slot_minutes": str(data.get("slot_minutes") or "20")},
               "slot_minutes", "每个时段的时长", {str(m) for m in SLOT_MINUTES})
    checks.run("tables", whole, data, "tables", "洽谈桌数", 0, 500, 0)
    checks.run("meeting_limit", whole, data, "meeting_limit", "每个单位最多洽谈场数", 1, 48, 6)
    checks.run("sessions", sessions, data)
    if "slot_minutes" in checks.values:
        checks.values["slot_minutes"] = int(checks.values["slot_minutes"])


# --- the whole event -----------------------------------------------------------------
def check_times(values: dict) -> None:
    if values["ends_at"] <= values["starts_at"]:
        raise ValidationError("结束时间应晚于开始时间。", field="ends_at")
    if values["registration_closes_at"] <= values["registration_opens_at"]:
        raise ValidationError("报名截止时间应晚于报名开始时间。", field="registration_closes_at")
    if values["registration_closes_at"] > values["starts_at"]:
        raise ValidationError("报名应在活动开始前截止。", field="registration_closes_at")


TIMES = (("starts_at", "开始时间"), ("ends_at", "结束时间"),
         ("registration_opens_at", "报名开始时间"), ("registration_closes_at", "报名截止时间"))


def clean_event(data: dict) -> dict:
    """Every field of an event checked at once (times in UTC). The result holds the
    column values, ``fields``, ``featured_releases``, ``featured_opportunities`` and,
    for a 供需对接会, the meeting settings and ``sessions``."""
    checks = Collector()
    checks.run("kind", choice, data, "kind", "活动类型", EVENT_KINDS)
    checks.run("title", text, data, "title", "活动名称", 120)
    checks.run("summary", text, data, "summary", "活动简介", 5000, False)
    checks.run("region_code", place_code, data.get("region_code"))
    checks.run("venue", text, data, "venue", "地点", 200, False)
    checks.run("online_url", _online_url, data)
    for name, label in TIMES:
        checks.run(name, when, data, name, label)
    checks.run("capacity", whole, data, "capacity", "名额", 1, 10000)
    checks.run("offer_hours", whole, data, "offer_hours", "候补确认时限（小时）", 1, 168)
    checks.run("themes", themes, data)
    checks.run("fields", fields, data)
    checks.run("featured_releases", featured_releases, data)
    checks.run("featured_opportunities", featured_opportunities, data)
    if checks.values.get("kind") == "matchmaking":
        _meeting_settings(checks, data)
    values = checks.result()
    check_times(values)
    check_sessions(values)
    values["requires_approval"] = bool(data.get("requires_approval"))
    return values


def _online_url(data: dict) -> str:
    url = text(data, "online_url", "线上链接", 300, False)
    if url and not re.match(r"https?://[^\s]+$", url):
        raise ValidationError("线上链接应以 http:// 或 https:// 开头。", field="online_url")
    return url
