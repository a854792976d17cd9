"""Composing and publishing releases; publishing gives items their public numbers.

Public number: ``<JH|CP>-<year>-<batch, 2 digits>-<item, 3 digits>``, e.g. JH-2026-01-007
(JH 机会, CP 产品), for the platform's batches; a region's batches carry its code first,
``JH-360113-2026-02-001``, since batches are numbered per (region, year). Numbers are
assigned once, at publication, and never change.
"""
from datetime import date

import sqlalchemy as sa

from marketplace import audit
from marketplace.authz import Permission, in_scope, region_prefix, region_scope, require
from marketplace.db import lock_row, serialize, utcnow
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.listings.models import LISTING_MODELS
from marketplace.releases.models import RELEASE_STATUSES, RELEASE_TRANSITIONS, Release
from marketplace.taxonomy.models import Region
from marketplace.taxonomy.queries import get_place
from marketplace.text import chinese_number
from marketplace.validators import as_id, text
from marketplace.workflow import change_state


def default_title(year: int, sequence: int, region: Region | None = None) -> str:
    """2026年第一批机会清单和产品清单 (the platform's), 红谷滩区2026年第二批… (a region's)."""
    name = region.name if region is not None else ""
    return f"{name}{year}年第{chinese_number(sequence)}批机会清单和产品清单"


def next_sequence(year: int, region_code: str | None = None) -> int:
    """The next batch number of ``region_code``'s releases (the platform's: None) in
    ``year``."""
    region_clause = (Release.region_code.is_(None) if region_code is None
                     else Release.region_code == region_code)
    current = db.session.scalar(sa.select(sa.func.max(Release.sequence))
                                .where(Release.year == year, region_clause))
    return (current or 0) + 1


def _release_region(actor, raw) -> Region | None:
    """The region publishing a new release: the one chosen, else the actor's own (a
    region administrator's; none for a platform admin). Raises ValidationError for an
    unknown region, PermissionDenied for one outside the actor's subtree."""
    code = (raw or "").strip() or region_scope(actor)
    if code is None:
        return None
    region = get_place(code)
    if region is None:
        raise ValidationError("请选择有效的地区。", field="region_code")
    if not in_scope(actor, region.code):
        raise PermissionDenied()
    return region


def create_release(actor, data: dict) -> Release:
    """Start a draft release of a region (``region_code``; blank: the actor's own region,
    or the platform's for a platform admin) for a year; the batch number is the next free
    one of that region and year."""
    require(actor, Permission.RELEASE_MANAGE)
    try:
        year = int(data.get("year") or 0)
    except (TypeError, ValueError):
        year = 0
    region = _release_region(actor, data.get("region_code"))
    if not 2000 <= year <= 2100:
        raise ValidationError("请填写有效的年份。", field="year")
    region_code = region.code if region is not None else None
    # Simultaneous creations for one year would take the same number (and fail on the
    # unique constraint): they are numbered one after the other.
    serialize(db.session, f"release-number:{year}:{region_code}")
    sequence = next_sequence(year, region_code)
    title = (data.get("title") or "").strip() or default_title(year, sequence, region)
    if len(title) > 100:
        raise ValidationError("批次名称不能超过 100 个字。", field="title")
    if db.session.scalar(sa.select(Release.id).where(Release.title == title)):
        raise ValidationError("已有同名批次。", field="title")
    description = text(data, "description", "说明", 2000, False)
    release = Release(title=title, year=year, sequence=sequence, region_code=region_code,
                      description=description)
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


def in_release_region(release: Release, region_code: str) -> bool:
    """A region's release takes listings of its subtree only; the platform's any."""
    return (release.region_code is None
            or region_code.startswith(region_prefix(release.region_code)))


def add_items(actor, release: Release, kind: str, ids) -> int:
    """Put approved, unassigned listings of ``kind`` into a draft release; returns count.
    A region's release takes listings of its subtree only, and a region administrator
    only listings of its own subtree."""
    require(actor, Permission.RELEASE_MANAGE, release)
    _require_draft(release)
    model = LISTING_MODELS.get(kind)
    if model is None:
        raise ValidationError("条目类型有误。")
    ids = {as_id(i) for i in ids} - {None}
    if not ids:
        raise ValidationError("请至少选择一个条目。", field="ids")
    items = db.session.scalars(sa.select(model).where(model.id.in_(ids))).all()
    if len(items) != len(ids) or any(i.status != "approved" or i.release_id for i in items):
        raise IllegalTransition("只能加入已审核通过且未编入其他批次的条目。")
    for item in items:
        require(actor, Permission.RELEASE_MANAGE, item)
        if not in_release_region(release, item.region_code):
            raise IllegalTransition(f"“{item.title}”不在{release.publisher_label}范围内，"
                                    "不能加入本批次。")
    for item in items:
        item.release_id = release.id
    db.session.flush()
    audit.record(actor, "release.add_items", release, after={kind: sorted(ids)},
                 summary=release.title)
    return len(items)


def remove_item(actor, release: Release, item) -> None:
    require(actor, Permission.RELEASE_MANAGE, release)
    _require_draft(release)
    if item.release_id != release.id:
        raise ValidationError("该条目不在此批次中。")
    item.release_id = None
    db.session.flush()
    audit.record(actor, "release.remove_item", release,
                 before={item.kind: [item.id]}, summary=release.title)


def public_number(prefix: str, release: Release, n: int) -> str:
    """JH-2026-01-007 in a platform's batch, JH-360113-2026-02-001 in a region's: unique
    because batches are unique per (region, year, sequence), and the two shapes differ."""
    region = f"{release.region_code}-" if release.region_code else ""
    return f"{prefix}-{region}{release.year}-{release.sequence:02d}-{n:03d}"


def publish_release(actor, release: Release, published_on: date | None) -> None:
    """Publish every item of a draft release and number them in a stable order
    (opportunities, then products; by field, then id), then the release itself
    (``release.publish``: status, published_on, published_at). Raises PermissionDenied,
    ValidationError without a date, IllegalTransition when the release is empty or already
    published."""
    require(actor, Permission.RELEASE_MANAGE, release)
    # Locked, then read again: of simultaneous publish requests one publishes, the others
    # find it published (and write no audit rows or notifications twice).
    lock_row(db.session, release)
    _require_draft(release)
    if published_on is None:
        raise ValidationError("请选择发布日期。", field="published_on")
    items = release_items(release)
    if not items:
        raise IllegalTransition("批次中还没有条目，不能发布。")
    counters: dict[str, int] = {}
    for item in items:
        counters[item.kind] = counters.get(item.kind, 0) + 1
        number = public_number(item.number_prefix, release, counters[item.kind])
        listing_services.publish(actor, item, number, release)
    change_state(actor, release, "published", "publish", transitions=RELEASE_TRANSITIONS,
                 labels=RELEASE_STATUSES, noun="该批次", summary=release.title,
                 published_on=published_on, published_at=utcnow())
