"""Reads of stored recommendations and pairings for pages and dashboards, and live
look-alikes. Pages get listings with what they show of them (listing_loads)."""
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.db import beijing_today
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.listings.queries import listing_loads
from marketplace.matching.models import (
    OPEN_STAGES, SIGNED_STAGES, Match, MatchStageChange, Recommendation)
from marketplace.proposals.models import Proposal
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.search.documents import doc_from_listing
from marketplace.search.engine import MatchEngine


def _open_opportunity():
    return sa.and_(Opportunity.status == "published",
                   sa.or_(Opportunity.deadline.is_(None), Opportunity.deadline >= beijing_today()))


def for_item(item, limit: int = 10) -> list[Recommendation]:
    """An opportunity's fitting products, or the open opportunities a product could answer."""
    if item.kind == "opportunity":
        query = (sa.select(Recommendation).join(Product)
                 .where(Recommendation.opportunity_id == item.id,
                        Recommendation.in_opportunity_list, Product.status == "published")
                 .options(joinedload(Recommendation.product).options(
                     *listing_loads(Product))))
    else:
        query = (sa.select(Recommendation).join(Opportunity)
                 .where(Recommendation.product_id == item.id,
                        Recommendation.in_product_list, _open_opportunity())
                 .options(joinedload(Recommendation.opportunity).options(
                     *listing_loads(Opportunity))))
    return db.session.scalars(query.order_by(Recommendation.score.desc()).limit(limit)).all()


def for_organization(organization_id: int, kind: str, per_item: int = 3):
    """[(listing, its best recommendations)] for an organization's published listings."""
    model = LISTING_MODELS[kind]
    items = db.session.scalars(sa.select(model).where(
        model.organization_id == organization_id, model.status == "published")
        .order_by(model.published_at.desc())).all()
    return [(item, recs) for item in items if (recs := for_item(item, per_item))]


def look_alikes(engine: MatchEngine, item, limit: int = 5) -> list[tuple[object, float, str, dict]]:
    """Published listings of the same kind that closely resemble ``item`` (possible
    duplicates: the same need from another department, district or year). One query;
    used on review pages, never on public page views."""
    model = LISTING_MODELS[item.kind]
    doc = doc_from_listing(item)
    found = engine.recommend(doc, item.kind, limit=limit)
    ids = [int(match.key.split(":")[1]) for match in found if match.band != "weak"]
    loaded = _listings(model, ids)
    result = []
    for other in (loaded.get(i) for i in ids):
        if other is not None and other.id != item.id:
            score, level, detail = engine.explain(doc, doc_from_listing(other))
            result.append((other, score, level, detail))
    return result


def _listings(model, ids: list[int]) -> dict[int, object]:
    """id → listing with what pages show of it, in one query."""
    if not ids:
        return {}
    query = sa.select(model).where(model.id.in_(ids)).options(*listing_loads(model))
    return {item.id: item for item in db.session.scalars(query)}


def evidence_for(opportunity) -> dict[int, Recommendation]:
    """product id → the stored evidence for the pair, where the engine found one (for
    proposal review)."""
    return {rec.product_id: rec for rec in db.session.scalars(
        sa.select(Recommendation).where(Recommendation.opportunity_id == opportunity.id))}


def match(match_id: int) -> Match | None:
    """One pairing with what its page shows: both sides, the product, the proposal and
    the dated steps with who took them."""
    return db.session.scalar(sa.select(Match).where(Match.id == match_id).options(
        joinedload(Match.opportunity).joinedload(Opportunity.organization),
        joinedload(Match.supplier), joinedload(Match.product), joinedload(Match.proposal),
        selectinload(Match.changes).joinedload(MatchStageChange.actor)))


def matches_for_organization(organization_id: int):
    return db.session.scalars(
        sa.select(Match).join(Opportunity).where(sa.or_(
            Match.supplier_id == organization_id,
            Opportunity.organization_id == organization_id))
        .options(joinedload(Match.opportunity).joinedload(Opportunity.organization),
                 joinedload(Match.supplier))
        .order_by(Match.stage_changed_at.desc())).all()


def _of_organization(organization_id: int):
    """A WHERE clause: pairings where ``organization_id`` is either side."""
    return sa.or_(Match.supplier_id == organization_id,
                  Match.opportunity.has(Opportunity.organization_id == organization_id))


def open_matches_query(organization_id: int):
    """The organization's pairings still under way (either side)."""
    return sa.select(Match).where(_of_organization(organization_id),
                                  Match.stage.in_(OPEN_STAGES))


def open_matches(organization_id: int, limit: int) -> list[Match]:
    """As ``open_matches_query``, the longest unchanged first (the one most in need of a
    step), with both sides."""
    return db.session.scalars(
        open_matches_query(organization_id)
        .options(joinedload(Match.opportunity).joinedload(Opportunity.organization),
                 joinedload(Match.supplier))
        .order_by(Match.stage_changed_at, Match.id).limit(limit)).all()


def _recommended_to(organization_id: int, since: datetime):
    """(opportunity id, best score) of open opportunities published since ``since`` that
    the stored recommendations list for the organization's published products, leaving
    out those it has already answered (a proposal) or is paired with."""
    answered = sa.select(Proposal.opportunity_id).where(
        Proposal.organization_id == organization_id)
    paired = sa.select(Match.opportunity_id).where(Match.supplier_id == organization_id)
    return (sa.select(Recommendation.opportunity_id.label("opportunity_id"),
                      sa.func.max(Recommendation.score).label("score"))
            .join(Product, Product.id == Recommendation.product_id)
            .join(Opportunity, Opportunity.id == Recommendation.opportunity_id)
            .where(Product.organization_id == organization_id,
                   Product.status == "published", Recommendation.in_product_list,
                   _open_opportunity(), Opportunity.published_at >= since,
                   Recommendation.opportunity_id.not_in(answered),
                   Recommendation.opportunity_id.not_in(paired))
            .group_by(Recommendation.opportunity_id))


def recommended_opportunities_query(organization_id: int, since: datetime):
    """For counting: one row per opportunity of ``recommended_opportunities``."""
    return _recommended_to(organization_id, since)


def recommended_opportunities(organization_id: int, since: datetime,
                              limit: int) -> list[tuple[Opportunity, list[Recommendation]]]:
    """New opportunities recommended for the organization's products (see
    ``_recommended_to``), the newest first, each with the recommendations behind it
    (its products, best first). Two queries."""
    best = _recommended_to(organization_id, since).subquery()
    opportunities = db.session.scalars(
        sa.select(Opportunity).join(best, best.c.opportunity_id == Opportunity.id)
        .options(joinedload(Opportunity.organization))
        .order_by(Opportunity.published_at.desc(), best.c.score.desc(), Opportunity.id.desc())
        .limit(limit)).all()
    if not opportunities:
        return []
    recommendations = db.session.scalars(
        sa.select(Recommendation).join(Product, Product.id == Recommendation.product_id)
        .where(Recommendation.opportunity_id.in_([o.id for o in opportunities]),
               Product.organization_id == organization_id, Product.status == "published",
               Recommendation.in_product_list)
        .options(joinedload(Recommendation.product))
        .order_by(Recommendation.score.desc(), Recommendation.id)).all()
    return [(o, [r for r in recommendations if r.opportunity_id == o.id])
            for o in opportunities]


def signed_totals() -> tuple[int, Decimal]:
    """(pairings signed, their contract amount in 万元) over the whole platform: pairings
    in SIGNED_STAGES, the funnel's definition of signed."""
    count, amount = db.session.execute(
        sa.select(sa.func.count(Match.id),
                  sa.func.coalesce(sa.func.sum(Match.contract_amount_wan), 0))
        .where(Match.stage.in_(SIGNED_STAGES))).one()
    return count, Decimal(amount)


def signings_awaiting_query(organization_id: int):
    """Pairings whose signing the other side recorded and ``organization_id`` is to
    confirm or dispute (待本单位确认)."""
    return (sa.select(Match).join(Opportunity)
            .where(Match.stage == "signing",
                   Match.signing_recorded_by_org_id.is_not(None),
                   Match.signing_recorded_by_org_id != organization_id,
                   sa.or_(Match.supplier_id == organization_id,
                          Opportunity.organization_id == organization_id)))


def signings_awaiting(organization_id: int, limit: int | None = None) -> list[Match]:
    """As ``signings_awaiting_query``, the oldest record first, with both sides and who
    recorded it: for the workbench."""
    query = (signings_awaiting_query(organization_id)
             .options(joinedload(Match.opportunity).joinedload(Opportunity.organization),
                      joinedload(Match.supplier), joinedload(Match.signing_recorder))
             .order_by(Match.signing_recorded_at, Match.id))
    return db.session.scalars(query.limit(limit) if limit else query).all()
