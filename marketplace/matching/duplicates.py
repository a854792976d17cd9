"""Look-alikes for administrators: a listing's on its review page (searched now) and the
duplicates report (the stored pairs grouped into clusters). Reads only.

Both leave out pairs an administrator already decided about (listings.links) and what
the viewer may not act on: a region administrator sees a pair only when both listings lie
in its subtree, as it may decide only about such pairs.
"""
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace import authz
from marketplace.authz import Permission
from marketplace.db import to_beijing
from marketplace.extensions import db
from marketplace.listings import queries as listing_queries
from marketplace.listings.models import LISTING_MODELS, ListingLink
from marketplace.matching import similar
from marketplace.matching.models import SimilarPair
from marketplace.search.documents import doc_from_listing
from marketplace.search.engine import MatchEngine


class _Scored:
    score: float

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass
class LookAlike(_Scored):
    """Another listing much like the one on the page, with the score and shared words."""

    other: object
    score: float
    terms: list


@dataclass
class Pair(_Scored):
    first: object
    second: object
    score: float
    terms: list


@dataclass
class Cluster:
    """Listings joined by look-alike pairs (each like at least one other of them)."""

    members: list = field(default_factory=list)
    pairs: list = field(default_factory=list)

    @property
    def best(self) -> float:
        return max(pair.score for pair in self.pairs)


def year_of(item) -> int:
    """The year a listing belongs to (published, else submitted, else created), Beijing."""
    moment = item.published_at or item.submitted_at or item.created_at
    return to_beijing(moment).year


def _reach(user, item) -> bool:
    return authz.can(user, Permission.LISTING_REVIEW, item)


def for_review(engine: MatchEngine, item, user) -> list[LookAlike]:
    """``item``'s look-alikes now: published ones (one index query) and those under
    review, undecided, each a listing ``user`` may act on; best first."""
    model = type(item)
    peers = engine.peers([doc_from_listing(other) for other in
                          similar.under_review(model, exclude={item.id})])
    found = engine.look_alikes(doc_from_listing(item), peers, similar.threshold(),
                               limit=similar.KEPT)
    scores = {int(s.key.split(":")[1]): s for s in found}
    decided = listing_queries.decided_pairs(item.kind, [item.id])
    others = listing_queries.listings_by_id(model, scores)
    return [LookAlike(others[i], scores[i].score, scores[i].terms) for i in scores
            if i in others and tuple(sorted((item.id, i))) not in decided
            and others[i].status in similar.LIVE and _reach(user, others[i])]


def _stored_pairs(kind: str) -> list[SimilarPair]:
    return db.session.scalars(sa.select(SimilarPair).where(SimilarPair.listing_kind == kind)
                              .order_by(SimilarPair.score.desc())).all()


def _in_region(item, region: str | None) -> bool:
    return not region or item.region_code.startswith(authz.region_prefix(region))


def report(kind: str, user, region: str | None = None) -> list[Cluster]:
    """The stored look-alike pairs of one list, undecided, both listings still under
    review or published and within ``user``'s reach, at least one in ``region``'s subtree;
    grouped into clusters (connected pairs), the most alike first."""
    rows = _stored_pairs(kind)
    listings = listing_queries.listings_by_id(
        LISTING_MODELS[kind], {i for row in rows for i in (row.first_id, row.second_id)})
    decided = listing_queries.decided_pairs(kind, listings)
    pairs = []
    for row in rows:
        first, second = listings.get(row.first_id), listings.get(row.second_id)
        if (first is None or second is None or (row.first_id, row.second_id) in decided
                or not all(x.status in similar.LIVE and _reach(user, x) for x in (first, second))
                or not (_in_region(first, region) or _in_region(second, region))):
            continue
        pairs.append(Pair(first, second, row.score, row.terms))
    return _clusters(pairs)


def _clusters(pairs: list[Pair]) -> list[Cluster]:
    """Connected components of the pairs (union-find), members oldest first."""
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        while parent.setdefault(i, i) != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for pair in pairs:
        parent[root(pair.first.id)] = root(pair.second.id)
    clusters: dict[int, Cluster] = {}
    for pair in pairs:
        cluster = clusters.setdefault(root(pair.first.id), Cluster())
        cluster.pairs.append(pair)
        for item in (pair.first, pair.second):
            if item not in cluster.members:
                cluster.members.append(item)
    for cluster in clusters.values():
        cluster.members.sort(key=lambda x: (x.created_at, x.id))
    return sorted(clusters.values(), key=lambda c: (-c.best, c.members[0].id))


def decisions(kind: str, user, limit: int = 50) -> list[tuple[ListingLink, object, object]]:
    """The latest decisions about pairs of one list that ``user`` may see (both
    listings within its reach), with both listings."""
    links = db.session.scalars(sa.select(ListingLink).where(ListingLink.listing_kind == kind)
                               .options(joinedload(ListingLink.created_by))
                               .order_by(ListingLink.created_at.desc()).limit(limit)).all()
    listings = listing_queries.listings_by_id(
        LISTING_MODELS[kind], {i for link in links for i in link.ids})
    return [(link, listings[link.first_id], listings[link.second_id]) for link in links
            if link.first_id in listings and link.second_id in listings
            and _reach(user, listings[link.first_id]) and _reach(user, listings[link.second_id])]
