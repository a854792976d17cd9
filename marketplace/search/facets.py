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
"""
from collections import Counter

from whoosh import collectors

# facet name → (index field, several values per document)
FACET_FIELDS = {"kind": ("kind", False), "field": ("f_field", False), "tag": ("f_tag", True),
                "region": ("f_region", False), "release": ("f_release", False)}


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


def counts(segments, cache: dict) -> tuple[int, dict[str, Counter]]:
    """Number of matches and, per facet, value → count, from a recording collector's
    ``segments``. ``cache`` holds the segment tables (``SearchIndex.cache``: emptied when
    the active generation changes)."""
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
            tables = cache[key] = _segment_tables(reader)
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
