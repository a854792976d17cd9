"""The outbox: every flush that changes a listing adds an index task in the same
transaction, so the index can always catch up and no write is lost to an index failure."""
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.listings.models import LISTING_MODELS
from marketplace.search.models import IndexTask


def _changed_listings(session: Session) -> set[tuple[str, int]]:
    changed = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        kind = getattr(obj, "kind", None)
        if LISTING_MODELS.get(kind) is type(obj) and obj.id is not None:
            if obj in session.dirty and not session.is_modified(obj):
                continue
            changed.add((kind, obj.id))
    return changed


@event.listens_for(Session, "after_flush")
def _record_index_tasks(session: Session, _context) -> None:
    changed = _changed_listings(session)
    if changed:
        session.connection().execute(sa.insert(IndexTask.__table__), [
            {"kind": kind, "object_id": object_id} for kind, object_id in sorted(changed)])
