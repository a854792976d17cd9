"""Keyword search of the postgres backend (``search.pgbackend``), scored by Whoosh's BM25F.
The search box's queries (no filter, best first): PostgreSQL sends the query terms'
postings and the process sums them (``search.pgscore``). Filters and the date orders: one
statement scores the matches, joins their document rows and returns the ids of all and of
one page. Either way the number of matches and the five facets' counts are taken from the
ids in the process (``search.pgfacets``), where PostgreSQL spent a microsecond per match
and step joining and grouping."""
import json

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.search.bm25 import K1, B, idf
from marketplace.search.backend import Filters, KeywordQuery, KeywordResult
from marketplace.search.documents import FIELD_WEIGHTS
from marketplace.search.models import IndexTerm
from marketplace.search.pgfacets import FacetTable, facets
from marketplace.search.pgscore import best, fetch

KEYWORD_FIELDS = {**FIELD_WEIGHTS, "org": 1.0}  # where a keyword is looked for, with weights
ORDERS = {"relevance": "score DESC, id", "newest": "published DESC, id",
          "deadline": "deadline, id"}
T = IndexTerm.__table__


def _weights(active, query: KeywordQuery) -> list[tuple]:
    """(field, term, weight × idf, mean field length, bits, df) of each query term in each
    field that has it; ``bits`` marks which required term a row is (none for generic
    words), so that a match's terms are checked with one ``bit_or``."""
    required = list(dict.fromkeys(query.terms))
    boost = {t: 1.0 for t in required}
    boost.update({t: query.generic_boost for t in query.generic if t not in boost})
    frequencies = db.session.execute(sa.select(T.c.field, T.c.term, T.c.df).where(
        T.c.generation_id == active.id, T.c.field.in_(KEYWORD_FIELDS),
        T.c.term.in_(boost))).all()
    lengths, count = json.loads(active.lengths), max(active.doc_count, 1)
    width = len(required) or 1

    def bits(term):
        mark = ["0"] * width
        if term in required:
            mark[required.index(term)] = "1"
        return "".join(mark)

    return [(field, term, KEYWORD_FIELDS[field] * idf(df, count) * boost[term],
             lengths.get(field, 0) / count or 1.0, bits(term), df)
            for field, term, df in frequencies if field in KEYWORD_FIELDS]


# A match must have every required term, so the postings of the required term with the
# fewest documents bound which documents can match: the others' postings are filtered by
# them (before grouping or sending) when the rare term has at most this share of their
# number. Above it, building the filter costs about what it saves (100k listings).
RARE_SHARE = 0.25


def _rarest(query: KeywordQuery, weights: list[tuple]) -> tuple[str, list[str]] | None:
    """The required term with the fewest postings and the fields it is in, when it is
    worth filtering the other terms' postings by its documents; else None."""
    if not query.every:
        return None
    postings: dict[str, int] = {}
    for _, term, _, _, bits, df in weights:
        if "1" in bits:
            postings[term] = postings.get(term, 0) + df
    if not postings:
        return None
    rare = min(postings, key=postings.get)
    others = sum(row[5] for row in weights if row[1] != rare)
    if postings[rare] > RARE_SHARE * others:
        return None
    return rare, [row[0] for row in weights if row[1] == rare]


def _rare_filter(query: KeywordQuery, weights: list[tuple], params: dict) -> tuple[str, str]:
    """The rarest required term's documents as a CTE and the join that filters postings
    by them (``_rarest``), or two empty clauses."""
    rarest = _rarest(query, weights)
    if not rarest:
        return "", ""
    params.update(rare=rarest[0], rare_fields=rarest[1])
    # Hashed, and "+ 0" keeps the documents' index out: PostgreSQL drops the other terms'
    # postings of other documents before grouping, instead of looking each one up or
    # reading every posting of the rare term's documents.
    return (", rare AS MATERIALIZED (SELECT DISTINCT document_id AS id FROM search_postings "
            "WHERE generation_id = :generation AND term = :rare "
            "AND field = ANY(:rare_fields))",
            "JOIN rare r ON r.id = p.document_id + 0")


def _filters(filters: Filters, params: dict) -> list[str]:
    clauses = []
    if filters.kind:
        clauses.append("d.kind = :kind")
    if filters.field:
        clauses.append("(d.f_field = :field OR d.f_group = :field)")
    if filters.tag:
        clauses.append("position(:tag in ',' || d.f_tag || ',') > 0")
    if filters.region:
        clauses.append("position(:region in ' ' || d.f_path || ' ') > 0")
    if filters.release:
        clauses.append("d.f_release = :release")
    params.update(kind=filters.kind, field=filters.field, tag=f",{filters.tag},",
                  region=f" {filters.region} ", release=filters.release)
    return clauses


def statement(active, query: KeywordQuery, weights: list[tuple]) -> tuple[str, dict]:
    """Every match: Σ over query terms and fields of weight × BM25F, generic words ×
    ``generic_boost``; a match has every required term (``every``) or one, in any field,
    and passes the filters. One row: the ids of all matches (ascending) and of one page
    in the query's order."""
    width = len(weights[0][4])
    # A bigint's bit_or takes a third of the time of a bit string's; longer queries
    # (more than 62 required terms) use bit strings.
    kind = "bigint" if width < 63 else "varbit"
    mark = (lambda bits: int(bits, 2)) if kind == "bigint" else (lambda bits: bits)
    params = {"generation": active.id, "limit": query.limit,
              "all": mark("1" * width), "none": mark("0" * width)}
    rows = []
    for n, (field, term, weight, avgfl, bits, _) in enumerate(weights):
        params.update({f"f{n}": field, f"t{n}": term, f"w{n}": weight, f"a{n}": avgfl,
                       f"b{n}": mark(bits)})
        rows.append(f"(:f{n}, :t{n}, CAST(:w{n} AS float8), CAST(:a{n} AS float8), "
                    f"CAST(:b{n} AS {kind}))")
    matched = f"bit_or(q.bits) = CAST(:all AS {kind})" if query.every else \
        f"bit_or(q.bits) <> CAST(:none AS {kind})"
    order = ORDERS.get(query.sort, ORDERS["relevance"])
    where = " AND ".join(_filters(query.filters, params) or ["true"])
    rare, within = _rare_filter(query, weights, params)
    # Only this module's constants, numbered placeholders and fixed clauses are put into
    # the text; every value the query brings (terms, filters, weights) is a bound parameter.
    sql = f"""
WITH q(field, term, weight, avgfl, bits) AS (VALUES {", ".join(rows)}){rare},
scored AS (
    SELECT p.document_id AS id,
           sum(q.weight * p.tf * {K1 + 1} / (p.tf + {K1} * ({1 - B} + {B} * p.fl / q.avgfl)))
           AS score
    FROM search_postings p JOIN q ON p.field = q.field AND p.term = q.term {within}
    WHERE p.generation_id = :generation
    GROUP BY p.document_id
    HAVING {matched}),
m AS MATERIALIZED (SELECT s.id, s.score, d.published, d.deadline
                   FROM scored s JOIN search_documents d ON d.id = s.id WHERE {where})
SELECT (SELECT array_agg(id ORDER BY id) FROM m),
       (SELECT array_agg(id ORDER BY {order}) FROM (
            SELECT * FROM m ORDER BY {order} LIMIT :limit) AS page)"""  # nosec B608
    return sql, params


def postings(active, query: KeywordQuery, weights: list[tuple]) -> tuple[str, dict]:
    """The query terms' postings (document, row of ``weights``, tf, fl) in the driver's
    parameter style, for ``pgscore.fetch``; filtered by the rarest required term's
    documents as ``statement`` is."""
    params = {"generation": active.id}
    rows = []
    for n, (field, term, *_) in enumerate(weights):
        params.update({f"f{n}": field, f"t{n}": term})
        rows.append(f"(:f{n}, :t{n}, CAST({n} AS int2))")
    rare, within = _rare_filter(query, weights, params)
    # As in ``statement``: numbered placeholders and fixed clauses only in the text.
    sql = f"""
WITH q(field, term, n) AS (VALUES {", ".join(rows)}){rare}
SELECT p.document_id, q.n, p.tf, p.fl
FROM search_postings p JOIN q ON p.field = q.field AND p.term = q.term {within}
WHERE p.generation_id = :generation"""  # nosec B608
    return str(sa.text(sql).compile(dialect=db.engine.dialect)), params


def keyword(active, query: KeywordQuery, table: FacetTable) -> KeywordResult:
    """``table``: the process's remembered documents (``pgfacets``). The search box's
    queries (no filter, best first) are scored in the process (``pgscore``); filters and
    the date orders read the document rows in SQL."""
    weights = _weights(active, query) or [("-", "-", 0.0, 1.0, "0", 0)]  # matches nothing
    if query.filters == Filters() and ORDERS.get(query.sort) in (None, ORDERS["relevance"]):
        sql, params = postings(active, query, weights)
        ids, page = best(fetch(sql, params), weights, query.every, query.limit)
    else:
        sql, params = statement(active, query, weights)
        ids, page = db.session.execute(sa.text(sql), params).one()
        ids, page = ids or [], page or []
    columns, rows = table.rows(ids, active)
    result = KeywordResult(total=len(rows))
    result.facets.update(facets(columns, rows))
    result.keys = [k for k in map(columns.key, page) if k is not None]
    return result
