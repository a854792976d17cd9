"""揭榜结果公示: the public record of who answered a call and won it.

A result is a selected proposal (已选定) on a public opportunity, with the pairing it
started: once both sides confirmed the signing (SIGNED_STAGES) it shows the contract's
date, and its amount only where both sides agreed to show it (Match.public_amount_wan).
A signing still awaiting confirmation is not public. Reads only."""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.listings.models import PUBLIC_STATUSES
from marketplace.listings.queries import listing_loads
from marketplace.matching.models import Match
from marketplace.opportunities.models import Opportunity
from marketplace.proposals.models import Proposal
from marketplace.taxonomy.models import Field
from marketplace.taxonomy.queries import region_code_filter
from marketplace.validators import as_id


@dataclass
class Result:
    proposal: Proposal
    match: Match | None

    @property
    def opportunity(self) -> Opportunity:
        return self.proposal.opportunity

    @property
    def organization(self):
        return self.proposal.organization

    @property
    def selected_at(self) -> datetime | None:
        return self.proposal.decided_at

    @property
    def signed(self) -> bool:
        return self.match is not None and self.match.is_contracted

    @property
    def contract_date(self) -> date | None:
        return self.match.contract_date if self.signed else None

    @property
    def amount_wan(self) -> Decimal | None:
        """The contract amount where both sides agreed to show it, else None."""
        return self.match.public_amount_wan if self.signed else None


@dataclass
class ResultFilters:
    field: int | None = None
    region: str | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "ResultFilters":
        return cls(field=as_id(args.get("field", "")), region=args.get("region") or None,
                   page=max(as_id(args.get("page", "")) or 1, 1))


def _pairing_join():
    return sa.and_(Match.opportunity_id == Proposal.opportunity_id,
                   Match.supplier_id == Proposal.organization_id)


def _selected():
    return (sa.select(Proposal).join(Opportunity, Proposal.opportunity_id == Opportunity.id)
            .where(Proposal.status == "selected", Opportunity.status.in_(PUBLIC_STATUSES))
            .options(joinedload(Proposal.opportunity).options(*listing_loads(Opportunity)),
                     joinedload(Proposal.organization)))


def _with_pairings(proposals) -> list[Result]:
    """Each proposal with its pairing, in one query."""
    opportunity_ids = {p.opportunity_id for p in proposals}
    matches = {(m.opportunity_id, m.supplier_id): m for m in db.session.scalars(
        sa.select(Match).where(Match.opportunity_id.in_(opportunity_ids)))} if proposals else {}
    return [Result(p, matches.get((p.opportunity_id, p.organization_id))) for p in proposals]


def public_query(filters: ResultFilters):
    """Newest first: by the confirmed signing, else by the selection."""
    query = _selected().outerjoin(Match, _pairing_join())
    if filters.field:
        children = sa.select(Field.id).where(Field.parent_id == filters.field)
        query = query.where(sa.or_(Opportunity.field_id == filters.field,
                                   Opportunity.field_id.in_(children)))
    region_clause = region_code_filter(Opportunity.region_code, filters.region)
    if region_clause is not None:
        query = query.where(region_clause)
    newest = sa.func.coalesce(Match.signing_confirmed_at, Proposal.decided_at)
    return query.order_by(newest.desc(), Proposal.id.desc())


def public_page(filters: ResultFilters, per_page: int):
    """A page of results (``items`` are Result) for the public list."""
    page = db.paginate(public_query(filters), page=filters.page, per_page=per_page,
                       error_out=False)
    page.items = _with_pairings(page.items)
    return page


def for_opportunity(opportunity) -> list[Result]:
    """The opportunity's results (its selected proposals), in the order they were made."""
    proposals = db.session.scalars(
        _selected().where(Proposal.opportunity_id == opportunity.id)
        .order_by(Proposal.decided_at, Proposal.id)).unique().all()
    return _with_pairings(proposals)
