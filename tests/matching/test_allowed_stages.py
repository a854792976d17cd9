"""The stages a pairing's page offers are the moves pairings.advance accepts."""

import pytest

from marketplace.db import beijing_today
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.matching import pairings
from marketplace.matching.models import MATCH_STAGES
from marketplace.matching.pages import allowed_stages

# Everything a stage may ask for, filled in validly.
DATA = {"contract_date": beijing_today().isoformat(), "contract_amount_wan": "120",
        "delivery_note": "已上线运行", "termination_reason": "预算取消"}
PATHS = {  # how a pairing that starts at 已对接 reaches each stage
    "contacted": (), "negotiating": ("negotiating",),
    "signed": ("negotiating", "signed"), "delivered": ("negotiating", "signed", "delivered"),
    "terminated": ("terminated",),
}
OFFERED = {"contacted": ["negotiating", "terminated"], "negotiating": ["signed", "terminated"],
           "signed": ["delivered", "terminated"], "delivered": [], "terminated": []}


def accepted(user, match, stage) -> bool:
    """Whether pairings.advance accepts the move; it is undone either way."""
    savepoint = db.session.begin_nested()
    try:
        pairings.advance(user, match, stage, DATA)
        return True
    except DomainError:
        return False
    finally:
        savepoint.rollback()


@pytest.mark.parametrize("stage", PATHS)
def test_offered_stages_are_the_moves_advance_accepts(ctx, make, stage):
    department, enterprise = make.org(kind="department"), make.org()
    admin = make.admin()
    match = pairings.start_manual(admin, make.opportunity(department, status="published"),
                                  enterprise)
    for step in PATHS[stage]:
        pairings.advance(admin, match, step, DATA)
    db.session.commit()
    users = {"department": department.users[0], "supplier": enterprise.users[0],
             "admin": admin, "other": make.org().users[0]}
    for role, user in users.items():
        offered = allowed_stages(user, match)
        assert offered == (OFFERED[stage] if role != "other" else []), role
        for target in MATCH_STAGES:
            assert accepted(user, match, target) == (target in offered), (role, target)
