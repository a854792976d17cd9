"""Deciding about look-alikes: two listings of one list marked as duplicates, as related,
or as not duplicates (dismissed), and related / dismissed marks taken back.

Services like the rest of the listings workflow: each checks the input and permission
(both listings within the actor's reach: a region administrator decides only about two
listings of its subtree), changes rows, writes the audit record and flushes; the caller
commits. Marking a duplicate returns a listing through the workflow's return-with-reason
move (``services.review``), so it is audited, notified and refused like any return.
"""
import sqlalchemy as sa

from marketplace import audit
from marketplace.authz import Permission, require
from marketplace.errors import IllegalTransition, ValidationError
from marketplace.extensions import db
from marketplace.listings import services as workflow
from marketplace.listings.models import LINK_KINDS, UNDER_REVIEW, ListingLink

NOTE_MAX = 200


def link_between(item, other) -> ListingLink | None:
    """The decision about the pair, whichever way round it was marked."""
    first, second = sorted((item.id, other.id))
    return db.session.scalar(sa.select(ListingLink).where(
        ListingLink.listing_kind == item.kind, ListingLink.first_id == first,
        ListingLink.second_id == second))


def _check_pair(item, other, kind: str, note: str) -> str:
    """The cleaned note; raises ValidationError (Chinese, at its field) for a bad pair."""
    if kind not in LINK_KINDS:
        raise ValidationError("请选择处理方式：重复、相关或不重复。", field="decision")
    if item.kind != other.kind:
        raise ValidationError(f"只能处理同一清单中的两条：{item.list_label}不能与"
                              f"{other.list_label}标记为重复或相关。", field="other_id")
    if item.id == other.id:
        raise ValidationError(f"不能把一条{item.kind_label}与它自己关联。", field="other_id")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(f"说明不能超过 {NOTE_MAX} 个字。", field="note")
    existing = link_between(item, other)
    if existing is not None:
        hint = "如需改变，请先取消原标记。" if existing.is_reversible else ""
        raise ValidationError(f"这两条已标记为“{existing.kind_label}”。{hint}", field="decision")
    return note


def to_return(item, other):
    """Which of a duplicate pair goes back to its owner: the one under review, or of two
    under review the newer (submitted later). Raises IllegalTransition when neither is
    under review: a published listing is never returned."""
    waiting = [x for x in (item, other) if x.status in UNDER_REVIEW]
    if not waiting:
        raise IllegalTransition(f"两条{item.kind_label}都不在审核中，不能按重复退回；"
                                "如确属同一需求，可标记为相关清单，或由发布单位关闭其中一条。")
    return max(waiting, key=lambda x: (x.submitted_at or x.created_at, x.id))


def _duplicate_reason(kept, note: str) -> str:
    """The return reason the owner reads: which listing it repeats, and the note."""
    number = f"{kept.public_number} " if kept.public_number else ""
    where = "（已发布，可在平台查看）" if kept.is_public else "（同期提交审核）"
    reason = (f"与{kept.organization.name}的{kept.list_label}“{number}{kept.title}”"
              f"{where}内容重复，请核实后修改或与对方协商合并")
    # No closing 。: the owner's page ends the reason with one.
    return f"{reason}。{note.rstrip('。')}" if note else reason


def mark(actor, item, other, kind: str, note: str = "") -> ListingLink:
    """Record the decision ``kind`` (duplicate / related / dismissed) about two listings
    of one list. For a duplicate the listing ``to_return`` names is returned to its owner
    with a reason naming the other. Raises ValidationError (bad decision, a listing
    paired with itself or with the other list, a note too long, a pair already decided),
    PermissionDenied (either listing outside the actor's reach) and IllegalTransition
    (a duplicate with neither under review, or one that cannot be returned now)."""
    require(actor, Permission.LISTING_REVIEW, item)
    require(actor, Permission.LISTING_REVIEW, other)
    note = _check_pair(item, other, kind, note)
    first, second = sorted((item.id, other.id))
    link = ListingLink(listing_kind=item.kind, first_id=first, second_id=second, kind=kind,
                       note=note, created_by_id=actor.id)
    if kind == "duplicate":
        returned = to_return(item, other)
        kept = other if returned is item else item
        workflow.review(actor, returned, "return", _duplicate_reason(kept, note))
        link.returned_id = returned.id
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "listing_link.create", link, after=_snapshot(link),
                 summary=f"{item.title} ↔ {other.title}")
    return link


def unlink(actor, link: ListingLink, item, other) -> None:
    """Take back a related or dismissed mark (``item`` and ``other`` are its two
    listings). Raises PermissionDenied (either outside the actor's reach) and
    IllegalTransition for a duplicate, whose return has been done."""
    require(actor, Permission.LISTING_REVIEW, item)
    require(actor, Permission.LISTING_REVIEW, other)
    if {item.id, other.id} != set(link.ids) or item.kind != link.listing_kind:
        raise ValidationError("标记与清单不对应。", field="link")
    if not link.is_reversible:
        raise IllegalTransition("标记为重复时已退回其中一条，不能取消；提交单位修改后可重新提交审核。")
    before = _snapshot(link)
    db.session.delete(link)
    db.session.flush()
    audit.record(actor, "listing_link.delete", link, before=before,
                 summary=f"{item.title} ↔ {other.title}")


def _snapshot(link: ListingLink) -> dict:
    return audit.snapshot(link, ("listing_kind", "first_id", "second_id", "kind",
                                 "returned_id", "note"))
