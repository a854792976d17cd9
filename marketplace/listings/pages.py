"""What the listing pages show, gathered by the views before the template renders.

``allowed_actions`` turns the transition table and authz into the buttons a user gets, so
that templates never compare status strings. The detail page and the organization's own
list also show sections owned by features above listings (揭榜 and Q&A, recommendations,
look-alikes): those features provide them through ``detail_sections`` and
``mine_sections`` (see marketplace.sections), wired by the app in marketplace.web.
"""
from marketplace import authz
from marketplace.authz import Permission
from marketplace.listings import queries
from marketplace.listings.models import EDITABLE_STATUSES, OUTCOMES, TRANSITIONS
from marketplace.sections import PageSections

# Buttons that move a listing: action → (permission, target status). One is offered when
# the transition table allows the move from the listing's status and authz grants the
# permission on the listing.
MOVES = {
    "submit": (Permission.LISTING_SUBMIT, "submitted"),
    "withdraw": (Permission.LISTING_WITHDRAW, "draft"),
    "approve": (Permission.LISTING_REVIEW, "approved"),
    "return": (Permission.LISTING_REVIEW, "returned"),
    "close": (Permission.LISTING_CLOSE, "closed"),
}
# Moves of the table that no button offers: an approved listing goes back to review
# through an edit (services.update_listing resubmits it), not through "submit".
NOT_OFFERED = {("approved", "submit")}

# Sections keyed by name: (listing, user) -> value, or None when there is nothing to show.
detail_sections = PageSections("listing detail page")
# Sections keyed by name: (listing model, user) -> value.
mine_sections = PageSections("organization's listings page")


def allowed_actions(user, item) -> set[str]:
    """What ``user`` may do with ``item`` now: a subset of edit and the ``MOVES``."""
    moves = TRANSITIONS[item.status]
    actions = {action for action, (permission, target) in MOVES.items()
               if target in moves and (item.status, action) not in NOT_OFFERED
               and authz.can(user, permission, item)}
    if item.status in EDITABLE_STATUSES and authz.can(user, Permission.LISTING_EDIT, item):
        actions.add("edit")
    if item.is_approved and item.release_id is not None:
        # Taken out of its draft release first (services.review, services.update_listing).
        actions -= {"return", "edit"}
    return actions


def _linked(item, user, own: bool) -> dict:
    """The public listings marked related to ``item`` (相关清单, on every viewer's page),
    and for its owner those it was returned as a duplicate of, where the owner may open
    them (the return reason names them in any case)."""
    links = queries.links_of(item)
    return {
        "related": [other for link, other in links
                    if link.kind == "related" and other.is_public],
        "repeats": [other for link, other in links
                    if own and link.kind == "duplicate" and link.returned_id == item.id
                    and authz.can_view_listing(user, other)],
    }


def detail_context(item, user) -> dict:
    own = authz.belongs_to(user, item)  # sees its return reasons and revisions
    contact = {"shown": authz.contact_shown(user, item),
               "can_reveal": authz.can_reveal_contact(user, item)}
    return {"item": item, "own": own, "outcomes": OUTCOMES, "contact": contact,
            "actions": allowed_actions(user, item),
            "revision": queries.latest_revision(item) if own else None,
            "sections": detail_sections.gather(item, user), **_linked(item, user, own)}


def mine_context(model, user) -> dict:
    return {"items": queries.organization_listings(model, user.organization_id),
            "sections": mine_sections.gather(model, user)}
