"""Reads of stored recommendations for pages and dashboards, and live look-alikes."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.db import beijing_today
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.matching.models import Recommendation
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
                 .options(joinedload(Recommendation.product)))
    else:
        query = (sa.select(Recommendation).join(Opportunity)
                 .where(Recommendation.product_id == item.id,
                        Recommendation.in_product_list, _open_opportunity())
                 .options(joinedload(Recommendation.opportunity)))
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
    result = []
    for match in engine.recommend(doc, item.kind, limit=limit):
        if match.band == "weak":
            continue
        other = db.session.get(model, int(match.key.split(":")[1]))
        if other is not None and other.id != item.id:
            score, level, detail = engine.explain(doc, doc_from_listing(other))
            result.append((other, score, level, detail))
    return result


def between(opportunity, product) -> Recommendation | None:
    """The stored evidence for one pair, if the engine found one (for proposal review)."""
    return db.session.scalar(sa.select(Recommendation).where(
        Recommendation.opportunity_id == opportunity.id,
        Recommendation.product_id == product.id))


def matches_for_organization(organization_id: int):
    from marketplace.matching.models import Match
    return db.session.scalars(
        sa.select(Match).join(Opportunity).where(sa.or_(
            Match.supplier_id == organization_id,
            Opportunity.organization_id == organization_id))
        .order_by(Match.stage_changed_at.desc())).all()
