"""Who may do what: the one role → permission table and the ownership rules.

Views declare what they need with ``require``; services call ``require`` again before
changing anything; templates use ``can`` only to hide buttons.
"""
from functools import wraps

from flask_login import current_user

from marketplace.errors import PermissionDenied

PLATFORM_ADMIN = "platform_admin"
ORG_ADMIN = "org_admin"
ORG_MEMBER = "org_member"

_MEMBER_PERMISSIONS = {
    "listing.create", "listing.edit", "listing.submit", "listing.withdraw", "listing.close",
    "contact.view", "question.ask", "question.answer", "proposal.create", "proposal.edit",
    "proposal.submit", "proposal.withdraw", "proposal.evaluate", "match.create",
    "match.advance", "subscription.manage",
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    PLATFORM_ADMIN: {
        "org.review", "listing.review", "listing.close", "release.manage", "taxonomy.manage",
        "audit.view", "user.unlock", "contact.view", "admin.access", "listing.import",
        # Admins open accounts for organizations seeded without users (departments).
        "org.manage", "match.advance", "match.manual", "funnel.view", "proposal.view",
    },
    ORG_ADMIN: _MEMBER_PERMISSIONS | {"org.manage"},
    ORG_MEMBER: set(_MEMBER_PERMISSIONS),
}

# Permissions on an object owned by an organization: a non-admin must belong to it.
# For proposals the owner is the proposer; for question.answer and proposal.evaluate the
# object passed is the opportunity, owned by its department; a match has two owners.
OWNED_PERMISSIONS = {"org.manage", "listing.edit", "listing.submit", "listing.withdraw",
                     "listing.close", "question.answer", "proposal.edit", "proposal.submit",
                     "proposal.withdraw", "proposal.evaluate", "match.create",
                     "match.advance"}

# Which organization kinds may create which kind of thing (listings, proposals, digest
# subscriptions to new opportunities).
LISTING_KINDS_BY_ORG_KIND = {
    "department": {"opportunity"},
    "enterprise": {"product", "proposal", "subscription"},
    "institute": {"product", "proposal", "subscription"},
}
KIND_CHECKED = {"listing.create", "proposal.create", "subscription.manage"}


def roles_of(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    if user.is_platform_admin:
        return {PLATFORM_ADMIN}
    if user.organization is None:
        return set()
    return {ORG_ADMIN if user.org_role == "admin" else ORG_MEMBER}


def _owner_org_ids(obj) -> set[int]:
    if obj is None:
        return set()
    if obj.__class__.__name__ == "Organization":
        return {obj.id}
    if hasattr(obj, "owner_organization_ids"):
        return set(obj.owner_organization_ids)
    owner = getattr(obj, "organization_id", None)
    return {owner} if owner is not None else set()


def can(user, permission: str, obj=None, *, kind: str | None = None) -> bool:
    """True when ``user`` holds ``permission`` (on ``obj`` / for listing ``kind``)."""
    roles = roles_of(user)
    if not any(permission in ROLE_PERMISSIONS[role] for role in roles):
        return False
    owners = _owner_org_ids(obj)
    if permission in OWNED_PERMISSIONS and not owners:
        return False  # e.g. managing a platform admin, who belongs to no organization
    if PLATFORM_ADMIN in roles:
        return True
    org = user.organization
    if permission != "org.manage" and not org.is_verified:
        return False
    if permission in KIND_CHECKED and kind not in LISTING_KINDS_BY_ORG_KIND[org.kind]:
        return False
    if permission in OWNED_PERMISSIONS and org.id not in owners:
        return False
    return True


def require(user, permission: str, obj=None, *, kind: str | None = None) -> None:
    """Raise PermissionDenied unless ``can(user, permission, obj, kind=kind)``."""
    if not can(user, permission, obj, kind=kind):
        raise PermissionDenied()


def permission_required(permission: str):
    """View decorator for permissions that need no object (e.g. ``release.manage``)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from marketplace.extensions import login_manager
                return login_manager.unauthorized()
            require(current_user, permission)
            return view(*args, **kwargs)
        return wrapped
    return decorator
