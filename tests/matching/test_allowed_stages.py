"""What a pairing's page offers is what the services accept: the stages of
pairings.advance, and the signing's own moves (matching.signing: record, confirm,
dispute), for each side, an admin and a third party, at every stage."""

import pytest

from marketplace.db import beijing_today
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.matching import pairings, signing
from marketplace.matching.models import MATCH_STAGES
from marketplace.matching.pages import allowed_stages, signing_actions

# Everything a stage may ask for, filled in validly.
DATA = {"contract_date": beijing_today().isoformat(), "contract_amount_wan": "120",
        "delivery_note": "已上线运行", "termination_reason": "预算取消"}
STAGES = ("contacted", "negotiating", "signing", "signed", "delivered", "terminated")
OFFERED = {"contacted": ["negotiating", "terminated"], "negotiating": ["terminated"],
           "signing": ["terminated"], "signed": ["delivered", "terminated"],
           "delivered": [], "terminated": []}
# The signing's moves per stage, for the department (which records in make.pairing)
# and the supplier.
SIGNING = {"negotiating": ({"record"}, {"record"}),
           "signing": ({"awaiting"}, {"confirm", "dispute"})}
MOVES = {"record": lambda user, match: signing.record(user, match, DATA),
         "confirm": lambda user, match: signing.confirm(user, match, True),
         "dispute": lambda user, match: signing.dispute(user, match, "金额有误")}


def accepted(call) -> bool:
    """Whether the service accepts the call; it is undone either way."""
    savepoint = db.session.begin_nested()
    try:
        call()
        return True
    except DomainError:
        return False
    finally:
        savepoint.rollback()


@pytest.mark.parametrize("stage", STAGES)
def test_offered_moves_are_the_moves_the_services_accept(ctx, make, stage):
    department, enterprise = make.org(kind="department"), make.org()
    match = make.pairing(make.opportunity(department, status="published"), enterprise, stage)
    users = {"department": department.users[0], "supplier": enterprise.users[0],
             "admin": make.admin(), "other": make.org().users[0]}
    for role, user in users.items():
        offered = allowed_stages(user, match)
        assert offered == (OFFERED[stage] if role != "other" else []), role
        for target in MATCH_STAGES:
            assert accepted(lambda: pairings.advance(user, match, target, DATA)) == (
                target in offered), (role, target)
        sides = SIGNING.get(stage, (set(), set()))
        expected = {"department": sides[0], "supplier": sides[1]}.get(role, set())
        assert signing_actions(user, match) == expected, role
        for name, move in MOVES.items():
            assert accepted(lambda: move(user, match)) == (name in expected), (role, name)
