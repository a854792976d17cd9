"""Writing the postgres backend's tables in bulk (``search.pgbackend``).

Documents are segmented in forked processes, as the Whoosh rebuild does, each part
returned as the text of a COPY (documents, and postings sorted by term so that a term's
postings lie together on disk), and sent while the next part is being segmented. A
generation's postings go into a table of their own, indexed after it is loaded and then
attached as the generation's partition of ``search_postings``; dropping that table is
what removes a generation's postings.
"""
import multiprocessing
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from io import BytesIO
from itertools import accumulate

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.search.bm25 import quantized
from marketplace.search.documents import Doc
from marketplace.search.index import TEXT_FIELDS, document_fields, segmented_words
from marketplace.search.text import Pipeline

MIN_PARALLEL = 1_000   # fewer listings are segmented in this process
PART_DOCS = 5_000      # listings per part at most: a part's COPY text is held in memory
DOCUMENT_COLUMNS = ("id", "generation_id", "key", "kind",
                    *(f"t_{name}" for name in TEXT_FIELDS), "f_field", "f_group", "f_tag",
                    "f_region", "f_path", "f_release", "f_maturity", "published", "deadline",
                    "len_all")
POSTING_COLUMNS = ("generation_id", "term", "field", "document_id", "tf", "fl")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_job = None  # (docs, ids, generation_id, pipeline), inherited by forked processes


@dataclass
class Part:
    """Some documents as COPY text, with what they add to the generation's statistics."""

    documents: bytes = b""
    postings: bytes = b""
    lengths: Counter = field(default_factory=Counter)      # tokens per field
    # documents per (field, term); "all": in any of the text fields
    frequencies: Counter = field(default_factory=Counter)


def escape(value) -> str:
    """A value as COPY's text format writes it."""
    return str(value).translate(_ESCAPES)


def _line(values) -> str:
    return "\t".join(map(escape, values)) + "\n"


def segment(docs: list[Doc], ids: list[int], generation_id: int, pipeline: Pipeline) -> Part:
    """``docs`` (document ids ``ids``) as rows of the generation's tables."""
    part, documents, postings = Part(), [], []
    for doc, doc_id in zip(docs, ids):
        fields = document_fields(doc, pipeline)
        per_field = {name: Counter(segmented_words(fields[f"t_{name}"])) for name in TEXT_FIELDS}
        per_field["org"] = Counter(segmented_words(fields["org"]))
        lengths = {name: sum(c.values()) for name, c in per_field.items()}
        lengths["all"] = sum(lengths[name] for name in TEXT_FIELDS)
        part.lengths.update(lengths)
        part.frequencies.update(("all", t) for t in {t for name in TEXT_FIELDS
                                                     for t in per_field[name]})
        part.frequencies.update((name, t) for name, terms in per_field.items() for t in terms)
        values = {**fields, "id": doc_id, "generation_id": generation_id,
                  "len_all": quantized(lengths["all"])}
        documents.append(_line(values[c] for c in DOCUMENT_COLUMNS))
        postings += [(term, name, doc_id, tf, quantized(lengths[name]))
                     for name, terms in per_field.items() for term, tf in terms.items()]
    postings.sort()
    part.documents = "".join(documents).encode()
    part.postings = "".join(_line((generation_id, *p)) for p in postings).encode()
    return part


def _segment_part(bounds) -> Part:
    docs, ids, generation_id, pipeline = _job
    return segment(docs[bounds[0]:bounds[1]], ids[bounds[0]:bounds[1]], generation_id, pipeline)


def _bounds(docs: list[Doc], count: int) -> list[tuple[int, int]]:
    """``count`` runs of consecutive documents with about the same amount of text."""
    cumulative = list(accumulate(sum(map(len, doc.texts().values())) for doc in docs))
    cuts = [bisect_left(cumulative, cumulative[-1] * k / count) + 1 for k in range(1, count)]
    edges = [0, *cuts, len(docs)]
    return [(start, stop) for start, stop in zip(edges, edges[1:]) if stop > start]


def parts(docs: list[Doc], ids: list[int], generation_id: int, pipeline: Pipeline,
          processes: int):
    """The parts of ``docs``, in order, segmented in ``processes`` forked processes when
    there are enough of them (each inherits the loaded dictionary)."""
    global _job
    if processes <= 1 or len(docs) < MIN_PARALLEL:
        yield segment(docs, ids, generation_id, pipeline)
        return
    count = max(2 * processes, -(-len(docs) // PART_DOCS))
    _job = (docs, ids, generation_id, pipeline)
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            yield from pool.imap(_segment_part, _bounds(docs, count))
    finally:
        _job = None


def document_ids(count: int) -> list[int]:
    """``count`` new ids of ``search_documents``, ascending (the order documents are
    written in decides ties)."""
    if not count:
        return []
    return sorted(db.session.scalars(sa.text(
        "SELECT nextval(pg_get_serial_sequence('search_documents', 'id')) "
        "FROM generate_series(1, :n)"), {"n": count}))


def copy(table: str, columns, data: bytes) -> None:
    """COPY ``data`` into ``table`` in the session's transaction."""
    if not data:
        return
    cursor = db.session.connection().connection.cursor()
    try:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", BytesIO(data))
    finally:
        cursor.close()


def partition(generation_id: int) -> str:
    return f"search_postings_{int(generation_id)}"


def create_partition(generation_id: int) -> str:
    """An empty table for the generation's postings, not yet attached (no indexes while
    it is loaded); its CHECK spares ATTACH a scan."""
    name = partition(generation_id)
    db.session.execute(sa.text(
        f"CREATE TABLE {name} (LIKE search_postings, "
        f"CHECK (generation_id = {int(generation_id)}))"))
    return name


def attach_partition(generation_id: int) -> None:
    """Index the loaded postings (the indexes ``search_postings`` declares) and attach
    them as the generation's partition."""
    name = partition(generation_id)
    db.session.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
    db.session.execute(sa.text(f"ALTER TABLE {name} ADD PRIMARY KEY "
                               "(generation_id, term, field, document_id)"))
    db.session.execute(sa.text(f"CREATE INDEX {name}_document ON {name} (document_id)"))
    db.session.execute(sa.text(f"ALTER TABLE search_postings ATTACH PARTITION {name} "
                               f"FOR VALUES IN ({int(generation_id)})"))
    db.session.execute(sa.text(f"ANALYZE {name}"))


def drop_inactive(index_name: str) -> None:
    """Remove the generations of ``index_name`` that a rebuild replaced, each in a short
    transaction of its own (dropping a partition locks ``search_postings`` until the
    commit). A generation still being read is left for the next write (lock timeout)."""
    with db.engine.connect() as connection:
        old = connection.scalars(sa.text(
            "SELECT id FROM search_generations WHERE name = :name AND NOT active"),
            {"name": index_name}).all()
        connection.rollback()
        for generation_id in old:
            try:
                connection.execute(sa.text("SET LOCAL lock_timeout = '1s'"))
                connection.execute(sa.text(f"DROP TABLE IF EXISTS {partition(generation_id)}"))
                connection.execute(sa.text("DELETE FROM search_generations WHERE id = :id"),
                                   {"id": generation_id})  # documents and terms cascade
                connection.commit()
            except sa.exc.OperationalError:
                connection.rollback()
