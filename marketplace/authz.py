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
    "contact.view",
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    PLATFORM_ADMIN: {
        "org.review", "listing.review", "listing.close", "release.manage", "taxonomy.manage",
        "audit.view", "user.unlock", "contact.view", "admin.access", "listing.import",
        # Admins open accounts for organizations seeded without users (departments).
        "org.manage",
    },
    ORG_ADMIN: _MEMBER_PERMISSIONS | {"org.manage"},
    ORG_MEMBER: set(_MEMBER_PERMISSIONS),
}

# Permissions on an object owned by an organization: a non-admin must belong to it.
OWNED_PERMISSIONS = {"org.manage", "listing.edit", "listing.submit", "listing.withdraw",
                     "listing.close"}

# Which organization kinds may post which listing kind.
LISTING_KINDS_BY_ORG_KIND = {
    "department": {"opportunity"},
    "enterprise": {"product"},
    "institute": {"product"},
}


def roles_of(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    if user.is_platform_admin:
        return {PLATFORM_ADMIN}
    if user.organization is None:
        return set()
    return {ORG_ADMIN if user.org_role == "admin" else ORG_MEMBER}


def _owner_org_id(obj):
    if obj is None:
        return None
    if obj.__class__.__name__ == "Organization":
        return obj.id
    return getattr(obj, "organization_id", None)


def can(user, permission: str, obj=None, *, kind: str | None = None) -> bool:
    """True when ``user`` holds ``permission`` (on ``obj`` / for listing ``kind``)."""
    roles = roles_of(user)
    if not any(permission in ROLE_PERMISSIONS[role] for role in roles):
        return False
    if permission in OWNED_PERMISSIONS and _owner_org_id(obj) is None:
        return False  # e.g. managing a platform admin, who belongs to no organization
    if PLATFORM_ADMIN in roles:
        return True
    org = user.organization
    if permission != "org.manage" and not org.is_verified:
        return False
    if permission == "listing.create" and kind not in LISTING_KINDS_BY_ORG_KIND[org.kind]:
        return False
    if permission in OWNED_PERMISSIONS and _owner_org_id(obj) != org.id:
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
