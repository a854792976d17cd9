"""Keyword search over published listings: facets with counts, sorting, highlighting,
and a plain database fallback so that an index failure never reaches the user."""
import difflib
import logging
import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.search.backend import FACET_NAMES, Filters, KeywordQuery, SearchBackend
from marketplace.search.highlight import Segments, mark
from marketplace.taxonomy.models import Field, Tag
from marketplace.taxonomy.queries import region_path
from marketplace.validators import as_id

log = logging.getLogger(__name__)
SORTS = {"relevance": "相关度", "newest": "最新发布", "deadline": "截止日期"}
QUERY_MAX = 100
GENERIC_BOOST = 0.2  # a query's generic words (stop-words) next to its content words


@dataclass
class SearchParams:
    q: str = ""
    kind: str = ""
    field: str = ""
    tag: str = ""
    region: str = ""
    release: str = ""
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "SearchParams":
        page = args.get("page", "1")
        sort = args.get("sort", "relevance")
        kind = args.get("kind", "")
        return cls(q=args.get("q", "").strip()[:QUERY_MAX],
                   kind=kind if kind in LISTING_MODELS else "",
                   field=args.get("field", "")[:40], tag=args.get("tag", "")[:40],
                   region=args.get("region", "")[:6] if args.get("region", "").isdigit() else "",
                   release=args.get("release", "")[:10],
                   sort=sort if sort in SORTS else "relevance",
                   page=min(as_id(page) or 1, 999))


@dataclass
class Hit:
    item: object
    title: Segments
    snippet: Segments


@dataclass
class SearchPage:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    partial: bool = False       # no item had every term: results have some of them
    degraded: bool = False      # the index failed: plain database matching
    suggestions: list[str] = field(default_factory=list)
    empty_query: bool = False


def _filters(params: SearchParams) -> Filters:
    return Filters(kind=params.kind, field=params.field, tag=params.tag,
                   region=_region_prefix(params.region) if params.region else "",
                   release=params.release)


def _region_prefix(code: str) -> str:
    return code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code


def suggestions(query: str) -> list[str]:
    """Taxonomy names close to what was typed, for the no-results page."""
    names = [n for (n,) in db.session.execute(sa.select(Tag.name).where(Tag.is_active))]
    names += [n for (n,) in db.session.execute(sa.select(Field.name).where(Field.is_active))]
    close = difflib.get_close_matches(query, names, n=6, cutoff=0.3)
    containing = [n for n in names if any(ch in n for ch in query if "\u4e00" <= ch <= "\u9fff")]
    return list(dict.fromkeys(close + containing))[:8]


def _load_hits(keys: list[str], terms: set[str], pipeline) -> list[Hit]:
    wanted: dict[str, list[int]] = {}
    for key in keys:
        kind, _, item_id = key.partition(":")
        wanted.setdefault(kind, []).append(int(item_id))
    rows = {}
    for kind, ids in wanted.items():
        model = LISTING_MODELS[kind]
        for item in db.session.scalars(sa.select(model).where(model.id.in_(ids)).options(
                # shown with every hit; the region's full name walks up to its province
                joinedload(model.organization), joinedload(model.field),
                region_path(model.region, selectinload))):
            rows[f"{kind}:{item.id}"] = item
    return [Hit(item, mark(item.title, terms, pipeline),
                mark(f"{item.summary} {item.description}", terms, pipeline, window=120))
            for key in keys if (item := rows.get(key)) is not None and item.status == "published"]


def query_terms(pipeline, q: str) -> tuple[list[str], list[str]]:
    """(the terms that say what is wanted, the generic ones). A query of generic words only
    (平台, 智慧, 建设) searches those: a stop-word never leaves a query with nothing."""
    terms = list(dict.fromkeys(pipeline.terms(q, for_search=False, keep_stop=True)))
    content = [t for t in terms if not pipeline.is_stop(t)]
    generic = [t for t in terms if pipeline.is_stop(t)]
    return (content, generic) if content else (generic, [])


def search(backend: SearchBackend, params: SearchParams, per_page: int = 10) -> SearchPage:
    """Every query term required (any field); if nothing has them all, any of them.
    Suggestions, when nothing is found, are only those that find something."""
    pipeline = backend.pipeline()
    terms, generic = query_terms(pipeline, params.q)
    if not terms:
        return SearchPage(empty_query=True)
    marked = set(terms) | set(pipeline.terms(params.q))
    partial = False
    for every in (True, False):
        found = backend.keyword(KeywordQuery(
            terms=tuple(terms), generic=tuple(generic), every=every, filters=_filters(params),
            sort=params.sort, limit=params.page * per_page, generic_boost=GENERIC_BOOST))
        if found.total or len(terms) == 1:
            break
        partial = True
    # Paging as Whoosh's search_page: past the last page shows the last one.
    pages = math.ceil(found.total / per_page)
    number = min(pages, params.page)
    keys = found.keys[(number - 1) * per_page:number * per_page] if number else []
    page = SearchPage(total=found.total, page=number, pages=pages,
                      partial=partial and found.total > 0)
    page.facets = {name: sorted(found.facets[name].items(), key=lambda kv: -kv[1])
                   for name in FACET_NAMES}
    if not page.total:
        page.suggestions = [name for name in suggestions(params.q)
                            if _finds_something(backend, pipeline, name)]
    page.hits = _load_hits(keys, marked, pipeline)
    return page


def _finds_something(backend: SearchBackend, pipeline, text: str) -> bool:
    terms, _ = query_terms(pipeline, text)
    return bool(terms) and backend.finds(terms)


def fallback_search(params: SearchParams, per_page: int = 10) -> SearchPage:
    """Plain substring matching in the database, used when the index cannot answer."""
    words = [w for w in params.q.split() if w][:5]
    if not words:
        return SearchPage(empty_query=True, degraded=True)
    hits = []
    for kind, model in LISTING_MODELS.items():
        if params.kind and params.kind != kind:
            continue
        query = sa.select(model).where(model.status == "published")
        for word in words:
            like = f"%{word}%"
            query = query.where(sa.or_(model.title.like(like), model.summary.like(like),
                                       model.description.like(like)))
        hits += db.session.scalars(query.order_by(model.published_at.desc()).limit(200)).all()
    start = (params.page - 1) * per_page
    shown = hits[start:start + per_page]
    return SearchPage(
        hits=[Hit(i, [(i.title, False)], [(i.summary, False)]) for i in shown],
        total=len(hits), page=params.page, pages=max(1, -(-len(hits) // per_page)),
        degraded=True)


def safe_search(backend: SearchBackend, params: SearchParams,
                per_page: int = 10) -> SearchPage:
    try:
        return search(backend, params, per_page)
    except Exception:  # noqa: BLE001 - any index failure degrades, never errors
        log.exception("search index failed; using the database fallback")
        db.session.rollback()
        return fallback_search(params, per_page)
