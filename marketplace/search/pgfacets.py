"""What keyword search of the postgres backend (``search.pgkeyword``) needs to know of each
matched document besides its score: its key and its facet values, remembered per process
as arrays indexed by document id.

Counting facets in SQL cost more than finding the matches: a common word matches most of
a 100k catalogue, and joining each match to its document row and grouping it five times
cost PostgreSQL about a microsecond per match and step (issue 14); counting them in
Python ``Counter``s cost a third of a microsecond per match and facet. Here the matched
ids index arrays of facet value codes, and numpy counts them (imported at the first
query, not when a web worker starts).

A document row never changes once written: the backend deletes a listing's row and
inserts a new one (a new id) when the listing changes. So what is remembered stays true;
the generation is read whole at a process's first search, rows written since are read
by id when a query first matches them, and rows deleted since are never matched again. All is
forgotten for a new generation (a rebuild) and when edits have left more remembered
rows than twice the live ones.
"""
import threading
from collections import Counter
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from marketplace.extensions import db
from marketplace.search.models import IndexDocument

D = IndexDocument.__table__
SCALAR_FACETS = {"kind": D.c.kind, "field": D.c.f_field, "region": D.c.f_region,
                 "release": D.c.f_release}
COLUMNS = (D.c.id, D.c.key, *SCALAR_FACETS.values(), D.c.f_tag)
STALE_FACTOR = 2  # remembered rows per live document before they are forgotten
SLACK = 1_000
WHOLE_SHARE = 0.05  # more of the generation missing than this, and it is read whole


@dataclass
class Codes:
    """The values one facet has met, each with a small integer code."""

    values: list = field(default_factory=list)
    codes: dict = field(default_factory=dict)

    def code(self, value) -> int:
        value = value or None  # an empty value counts as "no value"
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code

    def copy(self) -> "Codes":
        return Codes(list(self.values), dict(self.codes))


@dataclass(frozen=True)
class Columns:
    """One immutable state of the table: row ``id - base`` of each array is a document
    (``known`` false where no document was read)."""

    generation_id: int
    base: int
    known: object                 # numpy bool array
    keys: list                    # key by row (None where unknown)
    scalar: dict                  # facet → numpy int32 array of codes
    tags: object                  # numpy int32 array, a row per document, -1 padded
    codes: dict                   # facet (and "tag") → Codes
    remembered: int = 0           # rows read (some since deleted)

    def knows(self, document_id: int) -> bool:
        row = document_id - self.base
        return 0 <= row < len(self.known) and bool(self.known[row])

    def key(self, document_id: int) -> str | None:
        return self.keys[document_id - self.base] if self.knows(document_id) else None

    def rows(self, ids: list[int]):
        """Row numbers of ``ids`` (ascending), or None when one of them is not known."""
        import numpy as np

        rows = np.asarray(ids, dtype=np.int64) - self.base
        if len(rows) and (rows[0] < 0 or rows[-1] >= len(self.known)):
            return None
        return rows if self.known[rows].all() else None


def _empty(generation_id: int):
    import numpy as np

    return Columns(generation_id, 0, np.zeros(0, bool), [],
                   {name: np.zeros(0, np.int32) for name in SCALAR_FACETS},
                   np.full((0, 1), -1, np.int32),
                   {name: Codes() for name in (*SCALAR_FACETS, "tag")})


def _with_rows(columns: Columns, rows: list) -> Columns:
    """``columns`` and ``rows`` (id, key, kind, field, region, release, tags) in a new
    state: arrays grown to span every id, codes extended."""
    import numpy as np

    if not rows:
        return columns
    codes = {name: c.copy() for name, c in columns.codes.items()}
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    base = min(int(ids.min()), columns.base) if len(columns.known) else int(ids.min())
    shift = columns.base - base if len(columns.known) else 0  # where the old rows go
    at = ids - base
    size = max(len(columns.known) + shift, int(at.max()) + 1)
    tag_codes = _tag_codes([r[6] for r in rows], codes["tag"])
    width = max(columns.tags.shape[1], max(map(len, tag_codes)))

    def grown(array, fill, shape):
        out = np.full(shape, fill, array.dtype)
        out[(slice(shift, shift + len(array)), *(slice(0, n) for n in array.shape[1:]))] = array
        return out

    known = grown(columns.known, False, (size,))
    known[at] = True
    scalar = {name: grown(a, -1, (size,)) for name, a in columns.scalar.items()}
    for n, name in enumerate(SCALAR_FACETS, start=2):
        values = [r[n] for r in rows]
        code = {v: codes[name].code(v) for v in dict.fromkeys(values)}  # in order met
        scalar[name][at] = np.fromiter(map(code.__getitem__, values), np.int32, len(rows))
    tags = grown(columns.tags, -1, (size, width))
    tags[at] = [t + (-1,) * (width - len(t)) for t in tag_codes]
    keys = [None] * shift + columns.keys
    keys += [None] * (size - len(keys))
    for row, r in zip(at.tolist(), rows):
        keys[row] = r[1]
    return replace(columns, base=base, known=known, keys=keys, scalar=scalar, tags=tags,
                   codes=codes, remembered=columns.remembered + len(rows))


def _tag_codes(values: list[str], names: Codes) -> list[tuple]:
    """Each document's tags (a comma-separated ``f_tag``) as codes, sorted by name; a
    document without tags has the code of None. Documents share few distinct lists."""
    parsed = {}
    for value in dict.fromkeys(values):  # in order met: codes do not depend on set order
        tags = sorted(t for t in (value or "").split(",") if t) or [None]
        parsed[value] = tuple(map(names.code, tags))
    return [parsed[v] for v in values]


def _select(ids: list[int]) -> list:
    """The rows of ``ids`` (one array parameter, however many)."""
    wanted = sa.bindparam("ids", ids, type_=postgresql.ARRAY(sa.Integer))
    return db.session.execute(sa.select(*COLUMNS).where(D.c.id == sa.any_(wanted))).all()


def _select_generation(generation_id: int, columns: Columns) -> list:
    """The rows of the generation not remembered yet (one scan, not an index search per
    id, once a query matches a large part of it)."""
    return [row for row in db.session.execute(
        sa.select(*COLUMNS).where(D.c.generation_id == generation_id))
        if not columns.knows(row[0])]


class FacetTable:
    """The documents keyword search has matched, by id. Ids are unique across
    generations, so while a rebuild switches generations a request still reading the old
    one finds its documents too."""

    def __init__(self):
        self.columns: Columns | None = None
        self._reading = threading.Lock()  # threaded servers share one table per process

    def rows(self, ids: list[int], active) -> tuple[Columns, object]:
        """The state to read and the row numbers of ``ids`` (ascending ids of documents
        matched in the ``active`` generation) in it; ids whose rows are gone by the time
        they are read (deleted since the match) are left out."""
        columns = self.columns
        rows = columns.rows(ids) if columns is not None else None
        if rows is None:
            columns = self._read(ids, active)
            rows = columns.rows([i for i in ids if columns.knows(i)])
        return columns, rows

    def _read(self, ids: list[int], active) -> Columns:
        """Read the rows of ``ids`` not remembered yet, after forgetting everything for
        a new generation or when edits have left more remembered rows than
        ``STALE_FACTOR`` per live document. The generation is read whole by the first
        read (a process's first search pays for it: about 0.1 s at 10k listings) and when
        a query misses more than ``WHOLE_SHARE`` of it: reading its rows by id as queries
        first met them cost the 100k benchmark's first 200 queries a fifth more."""
        with self._reading:
            columns = self.columns
            if (columns is None or columns.generation_id != active.id
                    or columns.remembered > STALE_FACTOR * active.doc_count + SLACK):
                columns = _empty(active.id)
            missing = [int(i) for i in ids if not columns.knows(i)]
            if not columns.remembered or len(missing) > WHOLE_SHARE * active.doc_count:
                columns = _with_rows(columns, _select_generation(active.id, columns))
                missing = [int(i) for i in ids if not columns.knows(i)]
            if missing:
                columns = _with_rows(columns, _select(missing))
            self.columns = columns  # readers on other threads keep the state they began with
            return columns


def facets(columns: Columns, rows) -> dict[str, Counter]:
    """Each facet's counts over ``rows`` (ascending ids), values in the order of their
    first (lowest-id) document, a document's tags by name, as ``KeywordResult.facets``
    orders them."""
    out = {name: _counts(columns.scalar[name][rows], columns.codes[name])
           for name in SCALAR_FACETS}
    tags = columns.tags[rows].ravel()
    out["tag"] = _counts(tags[tags >= 0], columns.codes["tag"])
    return out


def _counts(codes, names: Codes) -> Counter:
    import numpy as np

    # Codes are small non-negative integers: counted and placed by index, not sorted.
    counts = np.bincount(codes)
    first = np.full(len(counts), len(codes))
    np.minimum.at(first, codes, np.arange(len(codes)))
    values = np.flatnonzero(counts)
    values = values[np.argsort(first[values], kind="stable")]
    return Counter({names.values[v]: int(counts[v]) for v in values})
