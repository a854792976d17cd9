"""The SQLite FTS5 side of benchmarks/search.py: the same documents, segmented by the same
pipeline, in one FTS5 table (see benchmarks/README.md, "The SQLite FTS5 comparison")."""
import multiprocessing
import sqlite3
import statistics
import time
from collections import Counter

from measure import PAGE_SIZE, Timings, cpu_seconds, stopwatch, summary_ms

# -- segmentation for the FTS5 side, in parallel as the Whoosh rebuild ------------------------

_worker_pipeline = None


def _init_worker(pipeline):
    global _worker_pipeline
    _worker_pipeline = pipeline


def _fields(doc):
    from marketplace.search.index import document_fields

    return document_fields(doc, _worker_pipeline)


def segment(docs, pipeline, processes: int):
    """``document_fields`` of every listing, in ``processes`` forked processes (each
    inherits the loaded dictionary)."""
    with multiprocessing.get_context("fork").Pool(
            processes, initializer=_init_worker, initargs=(pipeline,)) as pool:
        return pool.map(_fields, docs, chunksize=200)


class Fts5:
    """The FTS5 side of one size: built from the current app's database and pipeline
    (that of the first backend measured), its figures added to ``result``."""

    def __init__(self, workdir, result: dict):
        self.workdir, self.result = workdir, result

    FTS_COLUMNS = ("kind", "title", "tags", "field", "summary", "body", "cases", "org")
    FTS_STORED = ("key", "f_field", "f_group", "f_tag", "f_region", "f_maturity", "f_release")

    def fts_build(self):
        """The same documents and segmentation (2 processes) into FTS5."""
        from marketplace.extensions import db
        from marketplace.search.documents import doc_from_listing
        from marketplace.search.drain import published_listings
        from marketplace.search.runtime import search_index

        path = self.workdir / "fts.db"
        pipeline = search_index().pipeline()
        start, cpu = time.perf_counter(), cpu_seconds()
        docs = [doc_from_listing(item) for item in published_listings()]
        fields = segment(docs, pipeline, processes=2)  # what the Whoosh rebuild gets
        db.session.remove()
        connection = sqlite3.connect(path)
        columns = ", ".join(self.FTS_COLUMNS + tuple(f"{c} UNINDEXED" for c in self.FTS_STORED))
        connection.execute(f"CREATE VIRTUAL TABLE docs USING fts5({columns}, "
                           "tokenize='unicode61 remove_diacritics 0')")
        connection.execute("CREATE VIRTUAL TABLE docs_vocab USING fts5vocab(docs, row)")
        connection.execute("CREATE VIRTUAL TABLE docs_columns USING fts5vocab(docs, col)")
        rows = [(f["kind"], f["t_title"], f["t_tags"], f["t_field"], f["t_summary"],
                 f["t_body"], f["t_cases"], f["org"], f["key"], f["f_field"], f["f_group"],
                 f["f_tag"], f["f_region"], f["f_maturity"], f["f_release"]) for f in fields]
        insert = f"INSERT INTO docs VALUES ({', '.join('?' * len(rows[0]))})"
        with connection:
            connection.executemany(insert, rows)
        with connection:
            connection.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        elapsed = time.perf_counter() - start
        self.fts = connection
        self.fts_pipeline = pipeline
        self.result.update(fts5_build_s=round(elapsed, 2),
                           fts5_build_cpu_s=round(cpu_seconds() - cpu, 1),
                           fts5_build_rate_per_s=round(len(rows) / elapsed),
                           fts5_mb=round(path.stat().st_size / 2**20, 1))
        # one add+commit, as the drain would do it
        times = []
        for n in range(5):
            with stopwatch(times):
                with connection:
                    connection.execute(insert, (*rows[n][:8], f"extra:{n}", *rows[n][9:]))
        with connection:
            connection.execute("DELETE FROM docs WHERE key LIKE 'extra:%'")
        self.result["fts5_add_commit_s"] = round(statistics.median(times), 4)

    @staticmethod
    def _quote(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    def _bm25(self):
        from marketplace.search.documents import FIELD_WEIGHTS

        weights = [0.0] + [FIELD_WEIGHTS[c] for c in self.FTS_COLUMNS[1:-1]] + [1.0]
        weights += [0.0] * len(self.FTS_STORED)
        return "bm25(docs, " + ", ".join(map(str, weights)) + ")"

    def _match(self, terms, operator):
        text_columns = "{title tags field summary body cases org}"
        return f"{text_columns} : (" + f" {operator} ".join(map(self._quote, terms)) + ")"

    def fts_keyword(self, queries):
        """The query alone (AND of the terms, bm25, one page of keys; OR if nothing has
        them all, as the app), then the whole page as the app builds it: the number of
        matches, the five facets' counts, and the page's rows loaded and highlighted by
        the app's own code."""
        from marketplace.extensions import db
        from marketplace.search.queries import _load_hits

        sql = f"SELECT key FROM docs WHERE docs MATCH ? ORDER BY {self._bm25()} LIMIT {PAGE_SIZE}"
        facets_sql = ("SELECT kind, f_field, f_tag, f_region, f_release FROM docs "
                      "WHERE docs MATCH ?")
        prepared = []
        for q in queries:
            terms = list(dict.fromkeys(self.fts_pipeline.terms(q, for_search=False)))
            if terms:
                prepared.append((terms, set(terms) | set(self.fts_pipeline.terms(q))))
        times = Timings()
        for terms, _ in prepared:
            with stopwatch(times):
                keys = self.fts.execute(sql, (self._match(terms, "AND"),)).fetchall()
                if not keys and len(terms) > 1:
                    keys = self.fts.execute(sql, (self._match(terms, "OR"),)).fetchall()
        self.result.update(summary_ms(times, "fts5_keyword"))
        times = Timings()
        for terms, marked in prepared:
            db.session.remove()
            with stopwatch(times):
                match = self._match(terms, "AND")
                rows = self.fts.execute(facets_sql, (match,)).fetchall()
                if not rows and len(terms) > 1:
                    match = self._match(terms, "OR")
                    rows = self.fts.execute(facets_sql, (match,)).fetchall()
                counts = [Counter(r[i] for r in rows) for i in (0, 1, 3, 4)]
                counts.append(Counter(t for r in rows for t in (r[2] or "").split(",")))
                keys = [k for (k,) in self.fts.execute(sql, (match,))]
                _load_hits(keys, marked, self.fts_pipeline)
        db.session.remove()
        self.result.update(summary_ms(times, "fts5_keyword_page"))

    def fts_recommend(self, docs):
        """``docs``: the listings the backends' recommendation figures are measured for."""
        from marketplace.search import recommend as ranking
        from marketplace.search.runtime import search_index

        backend = search_index()
        pipeline = backend.pipeline()
        bm25 = self._bm25()
        columns = "{title tags field summary body cases}"
        sql_keys = (f"SELECT key FROM docs WHERE docs MATCH ? ORDER BY {bm25} "
                    f"LIMIT {ranking.CANDIDATES + 1}")
        sql_full = (f"SELECT key, kind, title, tags, field, summary, body, cases, f_field, "
                    f"f_group, f_tag, f_region, f_maturity FROM docs WHERE docs MATCH ? "
                    f"ORDER BY {bm25} LIMIT {ranking.CANDIDATES + 1}")
        other_kind = {"opportunity": "product", "product": "opportunity"}

        def match(kind, top):
            return (f"kind : {kind} AND {columns} : ("
                    + " OR ".join(self._quote(t) for t, _ in top) + ")")

        # the query alone, with the key terms the Whoosh engine picks
        prepared = []
        with backend.reader() as reader:
            idf = ranking.Idf(reader)
            for doc in docs:
                terms = ranking.field_terms(doc, pipeline)
                prepared.append((doc, ranking.key_terms(terms, idf)))
        times = Timings()
        for doc, top in prepared:
            with stopwatch(times):
                self.fts.execute(sql_keys, (match(other_kind[doc.kind], top),)).fetchall()
        self.result.update(summary_ms(times, "fts5_recommend"))

        # the whole recommendation on FTS5: segment, df from fts5vocab, query, pair scoring
        fts = self.fts

        class Stats:  # what ranking.Idf needs from a searcher
            def doc_count(self):
                return fts.execute("SELECT count(*) FROM docs").fetchone()[0]

            def doc_frequency(self, _field, term):
                row = fts.execute("SELECT doc FROM docs_vocab WHERE term = ?", (term,)).fetchone()
                return row[0] if row else 0

            def field_length(self, field):  # t_title → the title column's token count
                return fts.execute("SELECT total(cnt) FROM docs_columns WHERE col = ?",
                                   (field.removeprefix("t_"),)).fetchone()[0]

        times = Timings()
        idf = ranking.Idf(Stats())  # document frequencies cached across queries, as the app does
        for doc in docs:
            with stopwatch(times):
                terms = ranking.field_terms(doc, pipeline)
                top = ranking.key_terms(terms, idf)
                rows = fts.execute(sql_full, (match(other_kind[doc.kind], top),)).fetchall()
                stored = [dict(zip(("key", "kind", "t_title", "t_tags", "t_field", "t_summary",
                                    "t_body", "t_cases", "f_field", "f_group", "f_tag",
                                    "f_region", "f_maturity"), r)) for r in rows
                          if r[0] != doc.key][:ranking.CANDIDATES]
                ranking.rank(doc, terms, ranking.stored_candidates(stored, pipeline), idf, pipeline,
                             with_evidence=False)[:10]
        self.result.update(summary_ms(times, "fts5_recommend_full"))
