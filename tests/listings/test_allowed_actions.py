"""The buttons a listing page offers are the moves the services accept."""
import pytest

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.listings.pages import allowed_actions
from marketplace.opportunities import services as opportunities
from marketplace.releases import services as releases

# What each role is offered, per status ("approved+release": approved and in a draft
# release, which must be left before the listing can be returned or edited).
OFFERED = {
    "draft": {"owner": {"edit", "submit"}, "admin": set()},
    "submitted": {"owner": {"withdraw"}, "admin": {"approve", "return"}},
    "returned": {"owner": {"edit", "submit"}, "admin": set()},
    "approved": {"owner": {"edit"}, "admin": {"return"}},
    "approved+release": {"owner": set(), "admin": set()},
    "published": {"owner": {"edit", "close"}, "admin": {"close"}},
    "closed": {"owner": set(), "admin": set()},
}
def attempts(make) -> dict:
    return {
        "edit": lambda user, item: opportunities.update(user, item, make.opportunity_data()),
        "submit": listing_services.submit,
        "withdraw": listing_services.withdraw,
        "approve": lambda user, item: listing_services.review(user, item, "approve"),
        "return": lambda user, item: listing_services.review(user, item, "return", "请补充预算"),
        "close": lambda user, item: listing_services.close(user, item, "已签约"),
    }


def accepted(attempt, user, item) -> bool:
    """Whether the service accepts the move; it is undone either way."""
    savepoint = db.session.begin_nested()
    try:
        attempt(user, item)
        return True
    except DomainError:
        return False
    finally:
        savepoint.rollback()


def listing_in(make, department, state: str):
    status, _, in_release = state.partition("+")
    item = make.opportunity(department, status=status)
    if in_release:
        admin = make.admin()
        releases.add_items(admin, releases.create_release(admin, {"year": 2027}),
                           item.kind, [item.id])
        db.session.commit()
    return item


@pytest.mark.parametrize("state", OFFERED)
def test_offered_actions_are_the_moves_the_services_accept(ctx, make, state):
    department = make.org(kind="department")
    item = listing_in(make, department, state)
    users = {"owner": department.users[0], "admin": make.admin(),
             "other": make.org(kind="department").users[0]}
    for role, user in users.items():
        offered = allowed_actions(user, item)
        assert offered == OFFERED[state].get(role, set()), role
        for action, attempt in attempts(make).items():
            assert accepted(attempt, user, item) == (action in offered), (role, action)
