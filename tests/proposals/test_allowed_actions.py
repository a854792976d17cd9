"""The buttons a proposal's pages offer are the moves the services accept."""
from datetime import timedelta

import pytest

from marketplace.db import beijing_today
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.proposals import services as proposals
from marketplace.proposals.pages import allowed_actions

PROPOSAL = {"summary": "方案", "approach": "实施", "timeline": "90 天", "price_wan": "100"}
# What each role is offered, per status, while the call is open.
OFFERED = {
    "draft": {"proposer": {"edit", "submit"}},
    "submitted": {"proposer": {"withdraw"}, "department": {"shortlist", "select", "decline"}},
    "shortlisted": {"proposer": {"withdraw"}, "department": {"select", "decline"}},
    "withdrawn": {"proposer": {"reopen"}},
    "not_selected": {},
    "selected": {},
}
# After the deadline nothing can be submitted again.
CLOSED_OFFERS = {"draft": {"proposer": {"edit"}}, "withdrawn": {}}
DECISIONS = {"shortlisted": "shortlist", "not_selected": "decline", "selected": "select"}


def attempts() -> dict:
    def decide(decision):
        return lambda user, proposal: proposals.decide(user, proposal, decision, "不符合需求")
    return {
        "edit": lambda user, proposal: proposals.update_proposal(user, proposal, PROPOSAL),
        "submit": proposals.submit, "withdraw": proposals.withdraw, "reopen": proposals.reopen,
        "shortlist": decide("shortlist"), "select": decide("select"),
        "decline": decide("decline"),
    }


def accepted(attempt, user, proposal) -> bool:
    """Whether the service accepts the move; it is undone either way."""
    savepoint = db.session.begin_nested()
    try:
        attempt(user, proposal)
        return True
    except DomainError:
        return False
    finally:
        savepoint.rollback()


def proposal_in(status: str, department, enterprise, make):
    opportunity = make.opportunity(department, status="published")
    proposer, head = enterprise.users[0], department.users[0]
    proposal = proposals.create_proposal(proposer, opportunity, PROPOSAL)
    if status != "draft":
        proposals.submit(proposer, proposal)
    if status == "withdrawn":
        proposals.withdraw(proposer, proposal)
    if status in DECISIONS:
        proposals.decide(head, proposal, DECISIONS[status], "不符合需求")
    db.session.commit()
    return proposal


@pytest.mark.parametrize("call_open", [True, False], ids=["open", "closed"])
@pytest.mark.parametrize("status", OFFERED)
def test_offered_actions_are_the_moves_the_services_accept(ctx, make, status, call_open):
    department, enterprise = make.org(kind="department"), make.org()
    proposal = proposal_in(status, department, enterprise, make)
    if not call_open:
        proposal.opportunity.deadline = beijing_today() - timedelta(days=2)
        db.session.commit()
    users = {"proposer": enterprise.users[0], "department": department.users[0],
             "admin": make.admin(), "other": make.org().users[0]}
    offers = OFFERED[status] if call_open else CLOSED_OFFERS.get(status, OFFERED[status])
    for role, user in users.items():
        offered = allowed_actions(user, proposal)
        assert offered == offers.get(role, set()), role
        for action, attempt in attempts().items():
            assert accepted(attempt, user, proposal) == (action in offered), (role, action)
