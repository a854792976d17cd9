"""What the proposal pages show, gathered by the views before the template renders.

``allowed_actions`` turns the transition table and authz into the buttons a user gets on
a proposal, so that templates never compare status strings. ``opportunity_section`` is
the 揭榜 and Q&A part of an opportunity's page; the app wires it into the listing detail
page (listings cannot import proposals). The evaluation page in turn shows matching's
evidence, wired into ``evaluation_sections``.
"""
from dataclasses import dataclass
from typing import NamedTuple

from flask import url_for

from marketplace import authz
from marketplace.authz import Permission
from marketplace.proposals import attachments, queries, services
from marketplace.proposals.models import PROPOSAL_TRANSITIONS, Proposal, Question
from marketplace.sections import PageSections
from marketplace.text import format_wan
from marketplace.viewhelpers import Confirmation


class Move(NamedTuple):
    permission: str
    target: str
    on_opportunity: bool = False  # the department's decisions: checked on its opportunity
    while_open: bool = False      # only before the opportunity's deadline


# Buttons that move a proposal. One is offered when the transition table allows the move
# from the proposal's status and authz grants the permission.
MOVES = {
    "submit": Move(Permission.PROPOSAL_SUBMIT, "submitted", while_open=True),
    "withdraw": Move(Permission.PROPOSAL_WITHDRAW, "withdrawn"),
    "reopen": Move(Permission.PROPOSAL_EDIT, "draft", while_open=True),
    "shortlist": Move(Permission.PROPOSAL_EVALUATE, "shortlisted", on_opportunity=True),
    "select": Move(Permission.PROPOSAL_EVALUATE, "selected", on_opportunity=True),
    "decline": Move(Permission.PROPOSAL_EVALUATE, "not_selected", on_opportunity=True),
}

# Sections keyed by name: (opportunity, user) -> value.
evaluation_sections = PageSections("proposal evaluation page")


def allowed_actions(user, proposal: Proposal) -> set[str]:
    """What ``user`` may do with ``proposal`` now: a subset of edit (content and
    attachments) and the ``MOVES``."""
    moves = PROPOSAL_TRANSITIONS[proposal.status]
    is_open = services.is_open(proposal.opportunity)
    actions = {action for action, move in MOVES.items()
               if move.target in moves and (is_open or not move.while_open)
               and authz.can(user, move.permission,
                             proposal.opportunity if move.on_opportunity else proposal)}
    # A proposal is edited until it is submitted (a draft), deadline or not.
    if MOVES["submit"].target in moves and authz.can(user, Permission.PROPOSAL_EDIT, proposal):
        actions.add("edit")
    return actions


@dataclass
class OpportunitySection:
    """揭榜 and Q&A on an opportunity's page, as far as the viewer may see them."""

    open: bool                       # inviting proposals: open and not yet decided
    questions: list[Question]
    awarded: bool = False            # a proposal was selected: the call is decided
    count: int | None = None         # proposals received, for the department
    own: Proposal | None = None      # the viewer's organization's proposal
    may_ask: bool = False


def opportunity_section(item, user) -> OpportunitySection | None:
    """Provider for the listing detail page: nothing until the opportunity is public."""
    if item.kind != "opportunity" or not item.is_public:
        return None
    organization_id = getattr(user, "organization_id", None)
    evaluates = authz.can(user, Permission.PROPOSAL_EVALUATE, item)
    proposes = not evaluates and authz.can(user, Permission.PROPOSAL_CREATE, kind="proposal")
    awarded = queries.has_selection(item.id)
    return OpportunitySection(
        open=services.is_open(item) and not awarded, awarded=awarded,
        questions=queries.questions_for(item, user),
        count=queries.count_submitted(item) if evaluates else None,
        own=queries.own_proposal(item, organization_id) if proposes else None,
        may_ask=(item.is_published and authz.can(user, Permission.QUESTION_ASK)
                 and organization_id != item.organization_id))


def detail_context(proposal: Proposal, user) -> dict:
    return {"proposal": proposal, "actions": allowed_actions(user, proposal),
            "is_owner": authz.belongs_to(user, proposal),
            "is_open": services.is_open(proposal.opportunity),
            "accept": attachments.ACCEPT}


def evaluation_context(opportunity, user) -> dict:
    proposals = queries.for_opportunity(opportunity)
    return {"opportunity": opportunity, "proposals": proposals,
            "actions": {p.id: allowed_actions(user, p) for p in proposals},
            "sections": evaluation_sections.gather(opportunity, user)}


def decline_confirmation(proposal: Proposal) -> Confirmation:
    """未入选: the proposer is told, with the reason written here; it cannot be undone."""
    opportunity = proposal.opportunity
    return Confirmation(
        title="确认标记为未入选",
        action=url_for("proposals.decide", proposal_id=proposal.id),
        button=f"确认{proposal.organization.name}未入选", danger=True,
        cancel=url_for("proposals.evaluate", opportunity_id=opportunity.id),
        facts=[("机会", f"{opportunity.public_number or ''} {opportunity.title}".strip()),
               ("揭榜单位", proposal.organization.name), ("方案摘要", proposal.summary),
               ("报价", format_wan(proposal.price_wan))],
        consequences=["标记后不能撤销，该方案不能再入围或被选定。",
                      "揭榜单位将收到通知和您填写的原因，便于改进。"],
        hidden={"decision": "decline"}, fields=("reason",))
