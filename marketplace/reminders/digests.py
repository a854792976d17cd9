"""Digests of newly published opportunities for subscribers (``flask notify digest``).

For each active subscription of the given frequency: the opportunities published since
its ``last_sent_at`` (never sent: the last day or week) that are still open (published,
deadline not passed) and that match it —

* criteria: ANY chosen field (a chosen field group covers its fields) AND ANY chosen
  region (a region covers everything below it) AND ANY chosen tag; an empty criterion
  matches everything;
* "match my products": the opportunities in the stored recommendations of the
  subscriber organization's published products (``Recommendation.in_product_list``).

With "match my products" and no criteria chosen, only the recommendations count; with
both, an opportunity qualifies through either. One ``digest`` notification per subscriber
(none when nothing matches); ``last_sent_at`` moves to now either way.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.authz import Permission, can
from marketplace.db import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.matching.models import Recommendation
from marketplace.notifications.models import Subscription
from marketplace.notifications.services import notify, path_for
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.taxonomy.models import Field, Region, Tag

WINDOWS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
MAX_ITEMS = 50


@dataclass
class DigestResult:
    subscriptions: int = 0
    notified: int = 0
    opportunities: int = 0


def _has_criteria(sub: Subscription) -> bool:
    return bool(sub.field_ids or sub.region_codes or sub.tag_ids)


def _field_clause(field_ids: list[int]):
    return sa.or_(Opportunity.field_id.in_(field_ids),
                  Opportunity.field.has(Field.parent_id.in_(field_ids)))


def _region_clause(codes: list[str]):
    regions = db.session.scalars(sa.select(Region).where(Region.code.in_(codes))).all()
    if not regions:
        return sa.false()
    return sa.or_(*[Opportunity.region_code.startswith(r.prefix) for r in regions])


def _criteria_clause(sub: Subscription):
    clauses = []
    if sub.field_ids:
        clauses.append(_field_clause(sub.field_ids))
    if sub.region_codes:
        clauses.append(_region_clause(sub.region_codes))
    if sub.tag_ids:
        clauses.append(Opportunity.tags.any(Tag.id.in_(sub.tag_ids)))
    return sa.and_(sa.true(), *clauses)


def _recommended_clause(organization_id: int | None):
    recommended = (sa.select(Recommendation.opportunity_id)
                   .join(Product, Product.id == Recommendation.product_id)
                   .where(Recommendation.in_product_list.is_(True),
                          Product.organization_id == organization_id,
                          Product.status == "published"))
    return Opportunity.id.in_(recommended)


def _matching_clause(sub: Subscription):
    if not sub.match_products:
        return _criteria_clause(sub)
    recommended = _recommended_clause(sub.user.organization_id)
    if not _has_criteria(sub):
        return recommended
    return sa.or_(recommended, _criteria_clause(sub))


def opportunities_for(sub: Subscription, since: datetime, today: date) -> list[Opportunity]:
    """Open opportunities published after ``since`` that match ``sub``, newest first."""
    query = (sa.select(Opportunity)
             .options(joinedload(Opportunity.organization), joinedload(Opportunity.region),
                      joinedload(Opportunity.field))
             .where(Opportunity.status == "published", Opportunity.published_at > since,
                    sa.or_(Opportunity.deadline.is_(None), Opportunity.deadline >= today),
                    _matching_clause(sub))
             .order_by(Opportunity.published_at.desc(), Opportunity.id.desc())
             .limit(MAX_ITEMS))
    return list(db.session.scalars(query).unique())


def due_subscriptions(frequency: str) -> list[Subscription]:
    return db.session.scalars(
        sa.select(Subscription).options(joinedload(Subscription.user))
        .where(Subscription.frequency == frequency).order_by(Subscription.id)).all()


def _eligible(sub: Subscription) -> bool:
    user = sub.user
    return user.active and can(user, Permission.SUBSCRIPTION_MANAGE, kind="subscription")


def send_digest(sub: Subscription, now: datetime, today: date) -> int:
    """Notify one subscriber; returns how many opportunities the digest listed."""
    since = sub.last_sent_at or now - WINDOWS[sub.frequency]
    items = opportunities_for(sub, since, today) if _eligible(sub) else []
    if items:
        notify("digest", [sub.user], link=path_for("opportunities.index"), opportunities=items,
               subscription=sub)
    sub.last_sent_at = now
    db.session.flush()
    return len(items)


def send_digests(frequency: str, today: date | None = None) -> DigestResult:
    """Every subscription of ``frequency`` ("daily" or "weekly"); the caller commits."""
    if frequency not in WINDOWS:
        raise ValueError(f"unknown digest frequency {frequency!r}")
    now, today = utcnow(), today or beijing_today()
    result = DigestResult()
    for sub in due_subscriptions(frequency):
        count = send_digest(sub, now, today)
        result.subscriptions += 1
        result.notified += bool(count)
        result.opportunities += count
    return result
