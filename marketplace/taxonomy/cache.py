"""Reference data (regions, fields, tags) kept in each worker process between requests.

List pages show the field groups, the tags and the region picker on every request; they
change a few times a year. A cached copy is used while ``taxonomy_stamp`` holds the stamp
it was read under. Every flush that adds, changes or deletes a Region, Field or Tag writes
a new random stamp in the same transaction (``_new_stamp``), so every gunicorn worker sees
the change with the commit, and a rolled-back change leaves the old stamp (a random value,
not a counter: two rolled-back changes can never share a stamp). Reading the stamp is one
primary-key query per request, remembered in ``g`` until the session flushes or rolls back.

Cached values are plain data (tuples, frozen dataclasses), never ORM objects: an object
shared between requests would be tied to one request's session.
"""
import secrets
import threading
from collections.abc import Callable, Hashable

import sqlalchemy as sa
from flask import g, has_app_context, request_started
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.taxonomy.models import Field, Region, Tag, TaxonomyStamp

_G_KEY = "_taxonomy_stamp"
_lock = threading.Lock()
_values: dict[Hashable, tuple[str, object]] = {}  # key → (stamp, value)


def current_stamp() -> str:
    """The stamp in the database, read once per request (and again after a write)."""
    if _G_KEY not in g:
        g.setdefault(_G_KEY, db.session.scalar(
            sa.select(TaxonomyStamp.stamp).where(TaxonomyStamp.id == 1)) or "")
    return g.get(_G_KEY)


def cached(key: Hashable, load: Callable[[], object]) -> object:
    """``load()``'s value, kept while the stamp is unchanged. Outside an application
    context (nothing to compare with) it is simply loaded."""
    if not has_app_context():
        return load()
    stamp = current_stamp()
    kept = _values.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    value = load()
    with _lock:
        _values[key] = (stamp, value)
    return value


def _forget_stamp() -> None:
    if has_app_context():
        g.pop(_G_KEY, None)


def _changes_taxonomy(session: Session) -> bool:
    return any(isinstance(obj, (Region, Field, Tag))
               for obj in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "after_flush")
def _new_stamp(session: Session, _context) -> None:
    if not _changes_taxonomy(session):
        return
    stamp, connection = secrets.token_hex(16), session.connection()
    table = TaxonomyStamp.__table__
    if not connection.execute(sa.update(table).values(stamp=stamp)).rowcount:
        connection.execute(sa.insert(table).values(id=1, stamp=stamp))
    _forget_stamp()


@request_started.connect
def _new_request(_sender, **_extra) -> None:
    # Each request reads the stamp afresh (an application context can outlive a request).
    _forget_stamp()


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(_session: Session, _previous_transaction) -> None:
    _forget_stamp()
