"""Composing and publishing releases; publishing gives items their public numbers.

Public number: ``<JH|CP>-<year>-<batch, 2 digits>-<item, 3 digits>``, e.g. JH-2026-01-007
(JH 机会, CP 产品). Numbers are assigned once, at publication, and never change.
"""
from datetime import date

import sqlalchemy as sa

from marketplace import audit
from marketplace.authz import Permission, require
from marketplace.db import utcnow
from marketplace.errors import IllegalTransition, ValidationError
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.listings.models import LISTING_MODELS
from marketplace.releases.models import RELEASE_STATUSES, RELEASE_TRANSITIONS, Release
from marketplace.text import chinese_number
from marketplace.workflow import change_state


def default_title(year: int, sequence: int) -> str:
    return f"{year}年第{chinese_number(sequence)}批机会清单和产品清单"


def next_sequence(year: int) -> int:
    current = db.session.scalar(sa.select(sa.func.max(Release.sequence))
                                .where(Release.year == year))
    return (current or 0) + 1


def create_release(actor, data: dict) -> Release:
    """Start a draft release for a year; the batch number is the next free one."""
    require(actor, Permission.RELEASE_MANAGE)
    try:
        year = int(data.get("year") or 0)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise ValidationError("请填写有效的年份。", field="year")
    sequence = next_sequence(year)
    title = (data.get("title") or "").strip() or default_title(year, sequence)
    if len(title) > 100:
        raise ValidationError("批次名称不能超过 100 个字。", field="title")
    if db.session.scalar(sa.select(Release.id).where(Release.title == title)):
        raise ValidationError("已有同名批次。", field="title")
    release = Release(title=title, year=year, sequence=sequence,
                      description=(data.get("description") or "").strip()[:2000])
    db.session.add(release)
    db.session.flush()
    audit.record(actor, "release.create", release,
                 after=audit.snapshot(release, Release.audit_fields), summary=title)
    return release


def _require_draft(release: Release) -> None:
    if release.is_published:
        raise IllegalTransition("该批次已发布，不能再修改。")


def release_items(release: Release) -> list:
    items = []
    for model in LISTING_MODELS.values():
        items += db.session.scalars(sa.select(model).where(model.release_id == release.id)
                                    .order_by(model.field_id, model.id)).all()
    return items


def add_items(actor, release: Release, kind: str, ids) -> int:
    """Put approved, unassigned listings of ``kind`` into a draft release; returns count."""
    require(actor, Permission.RELEASE_MANAGE)
    _require_draft(release)
    model = LISTING_MODELS.get(kind)
    if model is None:
        raise ValidationError("条目类型有误。")
    ids = {int(i) for i in ids if str(i).isdigit()}
    if not ids:
        raise ValidationError("请至少选择一个条目。", field="ids")
    items = db.session.scalars(sa.select(model).where(model.id.in_(ids))).all()
    if len(items) != len(ids) or any(i.status != "approved" or i.release_id for i in items):
        raise IllegalTransition("只能加入已审核通过且未编入其他批次的条目。")
    for item in items:
        item.release_id = release.id
    db.session.flush()
    audit.record(actor, "release.add_items", release, after={kind: sorted(ids)},
                 summary=release.title)
    return len(items)


def remove_item(actor, release: Release, item) -> None:
    require(actor, Permission.RELEASE_MANAGE)
    _require_draft(release)
    if item.release_id != release.id:
        raise ValidationError("该条目不在此批次中。")
    item.release_id = None
    db.session.flush()
    audit.record(actor, "release.remove_item", release,
                 before={item.kind: [item.id]}, summary=release.title)


def publish_release(actor, release: Release, published_on: date | None) -> None:
    """Publish every item of a draft release and number them in a stable order
    (opportunities, then products; by field, then id), then the release itself
    (``release.publish``: status, published_on, published_at). Raises PermissionDenied,
    ValidationError without a date, IllegalTransition when the release is empty or already
    published."""
    require(actor, Permission.RELEASE_MANAGE)
    _require_draft(release)
    if published_on is None:
        raise ValidationError("请选择发布日期。", field="published_on")
    items = release_items(release)
    if not items:
        raise IllegalTransition("批次中还没有条目，不能发布。")
    counters: dict[str, int] = {}
    for item in items:
        counters[item.kind] = counters.get(item.kind, 0) + 1
        number = f"{item.number_prefix}-{release.year}-{release.sequence:02d}-" \
                 f"{counters[item.kind]:03d}"
        listing_services.publish(actor, item, number, release)
    change_state(actor, release, "published", "publish", transitions=RELEASE_TRANSITIONS,
                 labels=RELEASE_STATUSES, noun="该批次", summary=release.title,
                 published_on=published_on, published_at=utcnow())
