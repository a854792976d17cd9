"""Reads of questions and proposals, respecting who may see what."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.authz import (
    UNSUBMITTED_PROPOSAL_STATUSES, asked_by_organization, can_view_unanswered_questions)
from marketplace.extensions import db
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.proposals.models import Proposal, Question


def questions_for(opportunity, user) -> list[Question]:
    """The questions ``user`` may see: answered ones, its own organization's, and all the
    unanswered ones for those ``authz.can_view_unanswered_questions`` allows."""
    query = sa.select(Question).where(Question.opportunity_id == opportunity.id)
    if not can_view_unanswered_questions(user, opportunity):
        own = asked_by_organization(user)
        query = query.where(sa.or_(Question.answered_at.is_not(None),
                                   Question.organization_id == own) if own is not None
                            else Question.answered_at.is_not(None))
    return db.session.scalars(query.options(joinedload(Question.organization))
                              .order_by(Question.created_at)).all()


def asked_by(organization_id: int) -> list[Question]:
    """An organization's questions, newest first, with the opportunity each is about
    (waiting ones included: this is the asker's own list)."""
    return db.session.scalars(
        sa.select(Question).where(Question.organization_id == organization_id)
        .options(joinedload(Question.opportunity).joinedload(Opportunity.organization))
        .order_by(Question.created_at.desc(), Question.id.desc())).all()


def proposal(proposal_id: int) -> Proposal | None:
    """One proposal with what its pages show: the opportunity and its department, the
    proposer, products, consortium members and attachments."""
    return db.session.scalar(sa.select(Proposal).where(Proposal.id == proposal_id).options(
        joinedload(Proposal.opportunity).joinedload(Opportunity.organization),
        joinedload(Proposal.organization), selectinload(Proposal.products),
        selectinload(Proposal.members), selectinload(Proposal.attachments)))


def for_opportunity(opportunity, include_drafts: bool = False) -> list[Proposal]:
    query = (sa.select(Proposal).where(Proposal.opportunity_id == opportunity.id)
             .options(joinedload(Proposal.organization), selectinload(Proposal.products),
                      selectinload(Proposal.members), selectinload(Proposal.attachments)))
    if not include_drafts:
        query = query.where(Proposal.status.not_in(UNSUBMITTED_PROPOSAL_STATUSES))
    return db.session.scalars(query.order_by(Proposal.submitted_at, Proposal.id)).all()


def own_proposal(opportunity, organization_id) -> Proposal | None:
    if organization_id is None:
        return None
    return db.session.scalar(sa.select(Proposal).where(
        Proposal.opportunity_id == opportunity.id, Proposal.organization_id == organization_id))


def for_organization(organization_id: int) -> list[Proposal]:
    return db.session.scalars(sa.select(Proposal).where(
        Proposal.organization_id == organization_id)
        .options(joinedload(Proposal.opportunity).joinedload(Opportunity.organization))
        .order_by(Proposal.updated_at.desc())).all()


def product_choices(organization_id: int) -> list[tuple[str, str]]:
    products = db.session.scalars(sa.select(Product).where(
        Product.organization_id == organization_id, Product.status == "published")
        .order_by(Product.title)).all()
    return [(str(p.id), f"{p.public_number} {p.title}") for p in products]


# Proposals the department has still to decide on: sent, or shortlisted (入围) and
# waiting for the final choice.
UNDECIDED_STATUSES = ("submitted", "shortlisted")


def unanswered_questions_query(organization_id: int):
    """Questions nobody has answered yet on the organization's published opportunities."""
    return (sa.select(Question).join(Opportunity, Opportunity.id == Question.opportunity_id)
            .where(Opportunity.organization_id == organization_id,
                   Opportunity.status == "published", Question.answered_at.is_(None)))


def unanswered_questions(organization_id: int, limit: int) -> list[Question]:
    """As ``unanswered_questions_query``, the longest waiting first, with the opportunity."""
    return db.session.scalars(unanswered_questions_query(organization_id)
                              .options(joinedload(Question.opportunity))
                              .order_by(Question.created_at, Question.id).limit(limit)).all()


def undecided_query(organization_id: int):
    """Proposals to the organization's opportunities still waiting for its decision."""
    return (sa.select(Proposal).join(Opportunity, Opportunity.id == Proposal.opportunity_id)
            .where(Opportunity.organization_id == organization_id,
                   Proposal.status.in_(UNDECIDED_STATUSES)))


def undecided(organization_id: int, limit: int) -> list[Proposal]:
    """As ``undecided_query``, the longest waiting first, with the opportunity and the
    proposer."""
    return db.session.scalars(undecided_query(organization_id)
                              .options(joinedload(Proposal.opportunity),
                                       joinedload(Proposal.organization))
                              .order_by(Proposal.submitted_at, Proposal.id).limit(limit)).all()


def drafts_query(organization_id: int):
    """The organization's proposals not yet sent."""
    return sa.select(Proposal).where(Proposal.organization_id == organization_id,
                                     Proposal.status == "draft")


def current_query(organization_id: int):
    """The organization's proposals but the withdrawn ones."""
    return sa.select(Proposal).where(Proposal.organization_id == organization_id,
                                     Proposal.status != "withdrawn")


def current_for_organization(organization_id: int, limit: int) -> list[Proposal]:
    """As ``current_query``, drafts first (they wait for it), then the most recently
    changed; with the opportunity."""
    drafts_first = sa.case((Proposal.status == "draft", 0), else_=1)
    return db.session.scalars(
        current_query(organization_id).options(joinedload(Proposal.opportunity))
        .order_by(drafts_first, Proposal.updated_at.desc(), Proposal.id.desc())
        .limit(limit)).all()


def count_submitted(opportunity) -> int:
    return db.session.scalar(sa.select(sa.func.count(Proposal.id)).where(
        Proposal.opportunity_id == opportunity.id,
        Proposal.status.not_in(UNSUBMITTED_PROPOSAL_STATUSES)))


def has_selection(opportunity_id: int) -> bool:
    """Whether a proposal to the opportunity was selected (选定): the call is decided."""
    return db.session.scalar(sa.select(sa.exists().where(
        Proposal.opportunity_id == opportunity_id, Proposal.status == "selected")))
