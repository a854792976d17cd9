"""The segment writer of a rebuild: Whoosh's SegmentWriter with a faster posting pool.

It overrides private parts of Whoosh (``SegmentWriter.pool``, ``_flush_segment``,
``perdocwriter``, ``fieldwriter``, ``per_document_reader``, ``codec.length_stats``), checked
against whoosh-reloaded 2.7.5 — the version pinned in setup.cfg. Upgrading Whoosh means
running ``tests/search/test_bulk_writer.py``, which fails unless this writer still writes
the same segment as Whoosh's own writer, byte for byte.
"""
from whoosh.writing import SegmentWriter


class _FieldLengths:
    """A segment's field lengths, read once per field into a list."""

    def __init__(self, reader):
        self._reader, self._lists = reader, {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self._lists.get(fieldname)
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = self._lists[fieldname] = [
                read(n, fieldname, default) for n in range(self._reader.doc_count_all())]
        return lengths[docnum]


class _GroupedPostings:
    """The posting pool of a BulkWriter. Whoosh's pool sorts every posting tuple when the
    segment is written (a third of the writing time: 1.4 million tuples for 5,000
    listings). Documents arrive in order, so the postings of one (field, term) already
    come in document order: grouped as they arrive, only the distinct fields and terms
    need sorting, and the sequence is the same."""

    def __init__(self):
        self._fields: dict[str, dict[bytes, list]] = {}

    def add(self, item):  # (fieldname, term bytes, docnum, weight, value bytes)
        terms = self._fields.get(item[0])
        if terms is None:
            terms = self._fields[item[0]] = {}
        postings = terms.get(item[1])
        if postings is None:
            terms[item[1]] = [item]
        else:
            postings.append(item)

    def iter_postings(self):
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for tbytes in sorted(terms):
                yield from terms[tbytes]

    def cleanup(self):
        self._fields = {}


class BulkWriter(SegmentWriter):
    """A writer for one segment of a new generation, documents added in order and held in
    memory (a part of a rebuild). Whoosh's writer sorts every posting and, writing them
    out, looks the document's field length up for every posting through the column file;
    this one groups postings as they arrive and reads each field's lengths once. The same
    postings and values in the same order, so the same segment, byte for byte."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = _GroupedPostings()

    def _flush_segment(self):
        if not self.codec.length_stats:
            return super()._flush_segment()
        self.perdocwriter.close()
        reader = self.per_document_reader()
        try:
            self.fieldwriter.add_postings(self.schema, _FieldLengths(reader),
                                          self.pool.iter_postings())
            self.fieldwriter.close()
        finally:
            reader.close()
