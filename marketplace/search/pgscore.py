"""Keyword search's scores summed in the web process (``search.pgkeyword``): PostgreSQL
reads the query terms' postings and sends them in COPY's binary form; numpy sums each
document's BM25F, keeps the documents that have the required terms and picks the page.

Grouping the postings per document in SQL cost PostgreSQL about a microsecond per
posting, and a common word has over 100k postings at 100k listings; sending them costs
about half that and numpy's sums next to nothing. Used for the search box's queries (no
filter, best first); filters and the date orders read document rows and stay in SQL.
"""
import io

from marketplace.extensions import db
from marketplace.search.bm25 import saturated

HEADER, TRAILER = 19, 2  # COPY's binary signature, flags and extension; the end marker


def _row_type():
    """One posting as COPY sends it: the number of fields, then each field's byte length
    and value, big-endian (none is ever NULL)."""
    import numpy as np

    return np.dtype([("fields", ">i2"), ("l1", ">i4"), ("document", ">i4"), ("l2", ">i4"),
                     ("row", ">i2"), ("l3", ">i4"), ("tf", ">i4"), ("l4", ">i4"), ("fl", ">i4")])


def fetch(sql: str, params: dict):
    """The rows of ``sql`` — (document id, query row as int2, tf, fl) — as one numpy
    structured array, read through the session's connection and transaction."""
    import numpy as np

    raw = db.session.connection().connection
    cursor = raw.cursor()
    try:
        query = cursor.mogrify(sql, params)  # every value bound by the driver
        out = io.BytesIO()
        cursor.copy_expert(b"COPY (" + query + b") TO STDOUT (FORMAT binary)", out)
    finally:
        cursor.close()
    data, row = out.getbuffer(), _row_type()
    return np.frombuffer(data, dtype=row, offset=HEADER,
                         count=(len(data) - HEADER - TRAILER) // row.itemsize)


def best(postings, weights: list[tuple], every: bool, limit: int):
    """(every match's id ascending, the ids of the best ``limit`` by score then id).
    ``weights``: pgkeyword's rows (field, term, weight, mean length, bits, df), indexed by
    a posting's ``row``; a match has every required term (``every``) or one of them."""
    import numpy as np

    if not len(postings):
        return np.zeros(0, np.int64), []
    row = postings["row"].astype(np.intp)
    tf, fl = postings["tf"].astype(np.float64), postings["fl"].astype(np.float64)
    weight = np.array([w[2] for w in weights])
    mean = np.array([w[3] for w in weights])
    score = weight[row] * saturated(tf, fl, mean[row])
    document = postings["document"].astype(np.int64)
    low = int(document.min())
    at = document - low
    totals = np.bincount(at, weights=score)
    ids = np.flatnonzero(_matched(at, row, weights, every, len(totals))) + low
    return ids, _page(ids, totals[ids - low], limit)


def _matched(at, row, weights: list[tuple], every: bool, size: int):
    """Whether each document (by ``at``) has every required term, or one of them."""
    import numpy as np

    required = np.array([w[4].find("1") for w in weights])[row]  # -1: a generic word
    if not every:
        found = np.zeros(size, bool)
        found[at[required >= 0]] = True
        return found
    found = np.ones(size, bool)
    for term in range(len(weights[0][4])):
        has = np.zeros(size, bool)
        has[at[required == term]] = True
        found &= has
    return found


def _page(ids, scores, limit: int) -> list[int]:
    """The best ``limit`` ids by score, ties by id, as SQL's ``score DESC, id``."""
    import numpy as np

    count = min(limit, len(ids))
    if not count:
        return []
    cut = np.partition(scores, len(scores) - count)[len(scores) - count]
    near = np.flatnonzero(scores >= cut)  # the best, with every tie at the cut
    order = np.lexsort((ids[near], -scores[near]))[:count]
    return ids[near][order].tolist()
