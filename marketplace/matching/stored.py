"""The stored recommendation rows of some listings, changed in memory and written at once.

A refresh replaces a listing's rows by the rules of ``StoredRows.apply``. The per-listing
refresh applies them to one listing; the bulk refresh (``matching.bulk``) to a thousand
listings in queue order, where two of them may share a row (an opportunity and a product
of the same batch): each sees the rows as the ones before it left them, exactly as if
each listing had been written on its own, and the batch is then written in three
statements (deletes, inserts, updates) instead of a flush per listing.
"""
from dataclasses import dataclass, field

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.matching.models import Recommendation

CHUNK = 500  # ids per statement (SQLite binds at most 32,766 parameters)
COLUMNS = ("score", "band", "evidence", "in_opportunity_list", "in_product_list",
           "computed_at")
# The column holding a listing's id, by its kind.
LISTING_COLUMN = {"opportunity": Recommendation.opportunity_id,
                  "product": Recommendation.product_id}


def in_chunks(ids: list) -> list[list]:
    """``ids`` in slices of at most ``CHUNK``, one statement each."""
    return [ids[start:start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _rows_of(keys: list[tuple[str, int]], *columns):
    """``columns`` of every stored row of these listings ((kind, id) pairs); a row both
    of whose listings are among them comes twice."""
    for kind, column in LISTING_COLUMN.items():
        for ids in in_chunks(sorted({item_id for k, item_id in keys if k == kind})):
            yield from db.session.execute(sa.select(*columns).where(column.in_(ids)))


def pairs_of(keys: list[tuple[str, int]], since) -> dict[tuple[int, int], tuple | None]:
    """Every stored pair of these listings ((kind, id) pairs), by (opportunity id, product
    id): its (score, band, evidence) if it was computed at ``since`` or later, else None."""
    return {(o, p): None if score is None else (score, band, evidence)
            for o, p, score, band, evidence in _rows_of(
                keys, Recommendation.opportunity_id, Recommendation.product_id,
                sa.case((Recommendation.computed_at >= since, Recommendation.score)),
                Recommendation.band, Recommendation.evidence)}


@dataclass
class Row:
    """One opportunity–product row: its columns, and whether they changed since loaded."""

    opportunity_id: int
    product_id: int
    values: dict = field(default_factory=dict)
    id: int | None = None
    changed: bool = False

    def listed(self) -> bool:
        return bool(self.values.get("in_opportunity_list")
                    or self.values.get("in_product_list"))


def _side(kind: str) -> str:
    return "in_opportunity_list" if kind == "opportunity" else "in_product_list"


def _pair(kind: str, item_id: int, other_id: int) -> tuple[int, int]:
    return (item_id, other_id) if kind == "opportunity" else (other_id, item_id)


class StoredRows:
    """The rows of the listings ``keys`` ((kind, id) pairs), loaded in one query per kind."""

    def __init__(self, keys: list[tuple[str, int]]):
        self.rows: dict[tuple[int, int], Row] = {}
        self.deleted: list[int] = []
        self._by = {"opportunity": {}, "product": {}}
        for row in _rows_of(keys, Recommendation.id, Recommendation.opportunity_id,
                            Recommendation.product_id,
                            *(getattr(Recommendation, c) for c in COLUMNS)):
            if (row.opportunity_id, row.product_id) not in self.rows:
                self._add(Row(row.opportunity_id, row.product_id,
                              {c: getattr(row, c) for c in COLUMNS}, id=row.id))

    def _add(self, row: Row) -> None:
        self.rows[(row.opportunity_id, row.product_id)] = row
        self._by["opportunity"].setdefault(row.opportunity_id, set()).add(row.product_id)
        self._by["product"].setdefault(row.product_id, set()).add(row.opportunity_id)

    def _drop(self, row: Row) -> None:
        del self.rows[(row.opportunity_id, row.product_id)]
        self._by["opportunity"][row.opportunity_id].discard(row.product_id)
        self._by["product"][row.product_id].discard(row.opportunity_id)
        if row.id is not None:
            self.deleted.append(row.id)

    def of(self, kind: str, item_id: int) -> dict[int, Row]:
        """A listing's rows now, by the other listing's id."""
        return {other_id: self.rows[_pair(kind, item_id, other_id)]
                for other_id in self._by[kind].get(item_id, ())}

    def apply(self, kind: str, item_id: int, wanted: list[int], scored: dict) -> int:
        """A listing's recomputed pairs: ``wanted`` (the other listings' ids it lists, best
        first) flagged for its side; every other row it has unflagged and re-scored, or
        deleted when neither side lists it any more or the other is gone. ``scored``:
        other id → (score, band, evidence) of every published other in either (a band of
        None: not a match). Returns how many it lists."""
        side, existing, listed = _side(kind), self.of(kind, item_id), 0
        for other_id in wanted:
            if other_id not in scored or scored[other_id][1] is None:
                continue
            row = existing.pop(other_id, None)
            if row is None:
                row = Row(*_pair(kind, item_id, other_id), {"in_opportunity_list": False,
                                                           "in_product_list": False})
                self._add(row)
            self._score(row, scored[other_id])
            row.values[side] = True
            listed += 1
        for other_id, row in existing.items():  # pairs the other side lists, or stale ones
            row.values[side], row.changed = False, True
            result = scored.get(other_id)
            if result is None or result[1] is None or not row.listed():
                self._drop(row)
            else:
                self._score(row, result)
        return listed

    @staticmethod
    def _score(row: Row, scored) -> None:
        row.values.update(score=scored[0], band=scored[1], evidence=scored[2],
                          computed_at=utcnow())
        row.changed = True

    def write(self) -> None:
        """Write what ``apply`` changed, once, at the end: one DELETE, one INSERT and one
        UPDATE (each of many rows) in the session's transaction."""
        for ids in in_chunks(self.deleted):
            db.session.execute(sa.delete(Recommendation).where(Recommendation.id.in_(ids)))
        new = [row for row in self.rows.values() if row.id is None]
        changed = [row for row in self.rows.values() if row.id is not None and row.changed]
        if new:
            db.session.execute(sa.insert(Recommendation), [
                {"opportunity_id": r.opportunity_id, "product_id": r.product_id, **r.values}
                for r in new])
        if changed:
            db.session.execute(sa.update(Recommendation), [{"id": r.id, **r.values}
                                                           for r in changed])
