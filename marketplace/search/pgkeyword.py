"""Keyword search of the postgres backend (``search.pgbackend``) in one statement: the
matches scored by Whoosh's BM25F, their number, the five facets' counts and one page of
keys are all computed by PostgreSQL; only those come back (not every match)."""
import json

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.search.bm25 import K1, B, idf
from marketplace.search.backend import Filters, KeywordQuery, KeywordResult
from marketplace.search.documents import FIELD_WEIGHTS
from marketplace.search.models import IndexPosting

KEYWORD_FIELDS = {**FIELD_WEIGHTS, "org": 1.0}  # where a keyword is looked for, with weights
ORDERS = {"relevance": "score DESC, id", "newest": "published DESC, id",
          "deadline": "deadline, id"}
P = IndexPosting.__table__

# Each facet's counts with the first match (lowest id) that has each value: Counters are
# filled in that order, as Whoosh's facet tables meet values (ties keep it after sorting).
_FACETS = """
SELECT 'kind', kind, count(*), min(id) FROM m GROUP BY kind
UNION ALL SELECT 'field', f_field, count(*), min(id) FROM m GROUP BY f_field
UNION ALL SELECT 'region', f_region, count(*), min(id) FROM m GROUP BY f_region
UNION ALL SELECT 'release', f_release, count(*), min(id) FROM m GROUP BY f_release
UNION ALL SELECT 'tag', t.tag, count(*), min(m.id) FROM m
    LEFT JOIN LATERAL unnest(string_to_array(NULLIF(m.f_tag, ''), ',')) AS t(tag) ON true
    GROUP BY t.tag
UNION ALL SELECT '', key, n, 0 FROM top"""


def _weights(active, query: KeywordQuery) -> list[tuple]:
    """(field, term, weight × idf, mean field length, bits) of each query term in each
    field that has it; ``bits`` marks which required term a row is (none for generic
    words), so that a match's terms are checked with one ``bit_or``."""
    required = list(dict.fromkeys(query.terms))
    boost = {t: 1.0 for t in required}
    boost.update({t: query.generic_boost for t in query.generic if t not in boost})
    frequencies = db.session.execute(
        sa.select(P.c.field, P.c.term, sa.func.count()).where(
            P.c.generation_id == active.id, P.c.term.in_(boost))
        .group_by(P.c.field, P.c.term)).all()
    lengths, count = json.loads(active.lengths), max(active.doc_count, 1)
    width = len(required) or 1

    def bits(term):
        mark = ["0"] * width
        if term in required:
            mark[required.index(term)] = "1"
        return "".join(mark)

    return [(field, term, KEYWORD_FIELDS[field] * idf(df, count) * boost[term],
             lengths.get(field, 0) / count or 1.0, bits(term))
            for field, term, df in frequencies if field in KEYWORD_FIELDS]


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


def statement(active, query: KeywordQuery) -> tuple[str, dict]:
    """Every match: Σ over query terms and fields of weight × BM25F, generic words ×
    ``generic_boost``; a match has every required term (``every``) or one, in any field,
    and passes the filters."""
    weights = _weights(active, query) or [("-", "-", 0.0, 1.0, "0")]  # matches nothing
    width = len(weights[0][4])
    # A bigint's bit_or takes a third of the time of a bit string's; longer queries
    # (more than 62 required terms) use bit strings.
    kind = "bigint" if width < 63 else "varbit"
    mark = (lambda bits: int(bits, 2)) if kind == "bigint" else (lambda bits: bits)
    params = {"generation": active.id, "limit": query.limit,
              "all": mark("1" * width), "none": mark("0" * width)}
    rows = []
    for n, (field, term, weight, avgfl, bits) in enumerate(weights):
        params.update({f"f{n}": field, f"t{n}": term, f"w{n}": weight, f"a{n}": avgfl,
                       f"b{n}": mark(bits)})
        rows.append(f"(:f{n}, :t{n}, CAST(:w{n} AS float8), CAST(:a{n} AS float8), "
                    f"CAST(:b{n} AS {kind}))")
    matched = f"bit_or(q.bits) = CAST(:all AS {kind})" if query.every else \
        f"bit_or(q.bits) <> CAST(:none AS {kind})"
    where = " AND ".join(["true", *_filters(query.filters, params)])
    order = ORDERS.get(query.sort, ORDERS["relevance"])
    # Only this module's constants, numbered placeholders and fixed clauses are put into
    # the text; every value the query brings (terms, filters, weights) is a bound parameter.
    sql = f"""
WITH q(field, term, weight, avgfl, bits) AS (VALUES {", ".join(rows)}),
scored AS (
    SELECT p.document_id AS id,
           sum(q.weight * p.tf * {K1 + 1} / (p.tf + {K1} * ({1 - B} + {B} * p.fl / q.avgfl)))
           AS score
    FROM search_postings p JOIN q ON p.field = q.field AND p.term = q.term
    WHERE p.generation_id = :generation
    GROUP BY p.document_id
    HAVING {matched}),
m AS MATERIALIZED (
    SELECT d.id, d.key, d.kind, d.f_field, d.f_tag, d.f_region, d.f_release, d.published,
           d.deadline, s.score
    FROM scored s JOIN search_documents d ON d.id = s.id
    WHERE {where}),
top AS (SELECT key, row_number() OVER (ORDER BY {order}) AS n FROM m
        ORDER BY {order} LIMIT :limit)
{_FACETS}"""  # nosec B608
    return sql, params


def keyword(active, query: KeywordQuery) -> KeywordResult:
    sql, params = statement(active, query)
    rows = db.session.execute(sa.text(sql), params).all()
    result = KeywordResult()
    top = sorted((n, key) for facet, key, n, _ in rows if not facet)
    result.keys = [key for _, key in top]
    for facet, value, n, first in sorted((r for r in rows if r[0]),
                                         key=lambda r: (r[0], r[3], r[1] or "")):
        result.facets[facet][value or None] += n
    result.total = sum(result.facets["kind"].values())
    return result
