"""Facet counts for keyword search without Whoosh's per-query tables.

Whoosh's grouped search builds, for *every* query, a document → value table for each facet
field kept without a column (``kind``, ``f_region``, and ``f_tag`` whose documents may
have several values) by walking the field's posting lists over the whole index — a cost
that grows with the index, not with the result (≈ 120 ms of a 10k-listing query). Here
each segment's tables are built once and kept per index generation (a segment never
changes; deletions only hide documents), and a query counts over its own matches.

The counts are the ones Whoosh's ``FieldFacet(..., maptype=Count)`` gives: a document
without a value counts under ``None``; a document counts once for each of its tags; values
appear in the order they are first met (segment by segment, by document number), which is
what ties keep after sorting by count.

A new process would build every table on its first search (≈0.3 s at 100k listings), so
the tables of large segments are also kept as files beside them in the generation
directory: written when a rebuild writes the generation, or by the first process that
builds them; read back in a few milliseconds.
"""
import json
from collections import Counter
from pathlib import Path

from whoosh import collectors

from marketplace.files import write_atomically

# facet name → (index field, several values per document)
FACET_FIELDS = {"kind": ("kind", False), "field": ("f_field", False), "tag": ("f_tag", True),
                "region": ("f_region", False), "release": ("f_release", False)}


STORE_MIN_DOCS = 1_000  # smaller segments (the drain's) are built in a few milliseconds


def _segment_tables(reader) -> dict[str, list]:
    tables = {}
    size = reader.doc_count_all()
    for name, (fieldname, multi) in FACET_FIELDS.items():
        field = reader.schema[fieldname]
        if multi:
            values: list = [[] for _ in range(size)]
            for btext in field.sortable_terms(reader, fieldname):
                text = field.from_bytes(btext)
                for docnum in reader.postings(fieldname, btext).all_ids():
                    values[docnum].append(text)
            values = [tuple(v) or (None,) for v in values]
        else:
            values = [None] * size
            for btext in field.sortable_terms(reader, fieldname):
                text = field.from_bytes(btext)
                for docnum in reader.postings(fieldname, btext).all_ids():
                    values[docnum] = text
        tables[name] = values
    return tables


class _Recording:
    """Keeps every matching document number, per segment, while the wrapped Whoosh
    collector ranks them."""

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self.segments = []  # (segment reader, [document numbers])

    def set_subsearcher(self, subsearcher, offset):
        super().set_subsearcher(subsearcher, offset)
        self._docnums = []
        self.segments.append((subsearcher.reader(), self._docnums))

    def collect(self, sub_docnum):
        self._docnums.append(sub_docnum)
        return super().collect(sub_docnum)


class TopCollector(_Recording, collectors.TopCollector):
    """The best ``limit`` by score, every match recorded. Every match is scored: no
    block-quality skipping (the counts need every match) and no matcher replacement
    (Whoosh's ``replace`` can drop a clause of an ``Or`` mid-way, losing part of later
    documents' scores: on the 10k benchmark a quarter of the top-20 lists differed from
    the exact ranking)."""

    def __init__(self, limit):
        super().__init__(limit=limit, usequality=False, replace=0)


class SortingCollector(_Recording, collectors.SortingCollector):
    """The first ``limit`` by ``sortedby``, every match recorded."""


def collector(limit: int, sortedby=None):
    return TopCollector(limit) if sortedby is None else SortingCollector(sortedby, limit=limit)


def _table_file(folder, reader) -> Path:
    return Path(folder) / f"facets-{reader.segment().segment_id()}.json"


def _encoded(tables: dict[str, list]) -> str:
    """Each facet as its distinct values and, per document, the index of its value."""
    data = {}
    for name, values in tables.items():
        index: dict = {}
        codes = [index.setdefault(v, len(index)) for v in values]
        data[name] = {"values": list(index), "codes": codes}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _decoded(text: str, size: int) -> dict[str, list] | None:
    data = json.loads(text)
    tables = {}
    for name, (_, multi) in FACET_FIELDS.items():
        values = [tuple(v) for v in data[name]["values"]] if multi else data[name]["values"]
        codes = data[name]["codes"]
        if len(codes) != size:
            return None
        tables[name] = [values[c] for c in codes]
    return tables


def segment_tables(reader, folder=None) -> dict[str, list]:
    """The tables of one segment: from its file when there is one, else built (and, for
    a large segment, stored — best effort: a read-only index only costs the time)."""
    size = reader.doc_count_all()
    path = _table_file(folder, reader) if folder is not None and size >= STORE_MIN_DOCS else None
    if path is not None:
        try:
            tables = _decoded(path.read_text(encoding="utf-8"), size)
            if tables is not None:
                return tables
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            pass  # missing or unreadable: build it again
    tables = _segment_tables(reader)
    if path is not None:
        try:
            write_atomically(path, _encoded(tables).encode("utf-8"))
        except OSError:
            pass
    return tables


def store_tables(ix) -> None:
    """Build and store the tables of every large segment of ``ix`` (a new generation)."""
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            if leaf.segment() is not None:
                segment_tables(leaf, ix.storage.folder)


def counts(segments, cache: dict, folder=None) -> tuple[int, dict[str, Counter]]:
    """Number of matches and, per facet, value → count, from a recording collector's
    ``segments``. ``cache`` holds the segment tables (``SearchIndex.cache``: emptied when
    the active generation changes); ``folder`` is the generation's directory."""
    counters = {name: Counter() for name in FACET_FIELDS}
    total = 0
    live = set()
    for reader, docnums in segments:
        if reader.segment() is None:  # an empty index
            continue
        key = ("facets", reader.segment().segment_id())
        live.add(key)
        total += len(docnums)
        if not docnums:
            continue
        tables = cache.get(key)
        if tables is None:
            tables = cache[key] = segment_tables(reader, folder)
        for name, (_, multi) in FACET_FIELDS.items():
            values = tables[name]
            if multi:
                counters[name].update(v for d in docnums for v in values[d])
            else:
                counters[name].update(values[d] for d in docnums)
    # list(): other threads may add tables meanwhile
    stale = [k for k in list(cache) if k[0] == "facets" and k not in live]
    if len(stale) > 16:  # segments merged away by later commits
        for k in stale:
            cache.pop(k, None)
    return total, counters
