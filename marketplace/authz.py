"""Who may do what, and who may see what: the one role → permission table, the ownership
rules and the read rules.

Views declare what they need with ``require``; services call ``require`` again before
changing anything; templates use ``can`` only to hide buttons. A read that is not
permitted is answered "not found" (404) by the caller, so nobody learns that a private
object exists.
"""
from enum import StrEnum
from functools import wraps

from flask_login import current_user

from marketplace.errors import PermissionDenied


class Permission(StrEnum):
    """Every permission name. ``can`` and ``require`` refuse any other name (ValueError),
    so a misspelt permission fails loudly instead of silently denying."""

    ACCOUNT_VIEW = "account.view"
    ADMIN_ACCESS = "admin.access"
    AUDIT_VIEW = "audit.view"
    AUDITOR_MANAGE = "auditor.manage"
    CONTACT_VIEW = "contact.view"
    DASHBOARD_VIEW = "dashboard.view"
    DESIGNATION_MANAGE = "designation.manage"
    EVENT_MANAGE = "event.manage"
    EVENT_REGISTER = "event.register"
    FUNNEL_VIEW = "funnel.view"
    INDICATOR_ENTER = "indicator.enter"
    LISTING_CLOSE = "listing.close"
    LISTING_CREATE = "listing.create"
    LISTING_EDIT = "listing.edit"
    LISTING_IMPORT = "listing.import"
    LISTING_REVIEW = "listing.review"
    LISTING_SUBMIT = "listing.submit"
    LISTING_WITHDRAW = "listing.withdraw"
    MATCH_ADVANCE = "match.advance"
    MATCH_CREATE = "match.create"
    MATCH_MANUAL = "match.manual"
    ORG_MANAGE = "org.manage"
    ORG_REVIEW = "org.review"
    PROPOSAL_CREATE = "proposal.create"
    PROPOSAL_EDIT = "proposal.edit"
    PROPOSAL_EVALUATE = "proposal.evaluate"
    PROPOSAL_SUBMIT = "proposal.submit"
    PROPOSAL_VIEW = "proposal.view"
    PROPOSAL_WITHDRAW = "proposal.withdraw"
    QUESTION_ANSWER = "question.answer"
    QUESTION_ASK = "question.ask"
    QUESTION_VIEW = "question.view"
    REGION_ADMIN_MANAGE = "region_admin.manage"
    REMINDER_SEND = "reminder.send"
    RELEASE_MANAGE = "release.manage"
    SECOND_FACTOR_RESET = "second_factor.reset"
    SUBSCRIPTION_MANAGE = "subscription.manage"
    TARGET_MANAGE = "target.manage"
    TAXONOMY_MANAGE = "taxonomy.manage"
    USER_UNLOCK = "user.unlock"


P = Permission

PLATFORM_ADMIN = "platform_admin"
REGION_ADMIN = "region_admin"
ORG_ADMIN = "org_admin"
ORG_MEMBER = "org_member"
AUDITOR = "auditor"

_MEMBER_PERMISSIONS = {
    P.LISTING_CREATE, P.LISTING_EDIT, P.LISTING_SUBMIT, P.LISTING_WITHDRAW, P.LISTING_CLOSE,
    P.CONTACT_VIEW, P.QUESTION_ASK, P.QUESTION_ANSWER, P.PROPOSAL_CREATE, P.PROPOSAL_EDIT,
    P.PROPOSAL_SUBMIT, P.PROPOSAL_WITHDRAW, P.PROPOSAL_EVALUATE, P.MATCH_CREATE,
    P.MATCH_ADVANCE, P.SUBSCRIPTION_MANAGE, P.EVENT_REGISTER,
}

ROLE_PERMISSIONS: dict[str, set[Permission]] = {
    PLATFORM_ADMIN: {
        P.ORG_REVIEW, P.LISTING_REVIEW, P.LISTING_CLOSE, P.RELEASE_MANAGE, P.TAXONOMY_MANAGE,
        P.AUDIT_VIEW, P.USER_UNLOCK, P.CONTACT_VIEW, P.ADMIN_ACCESS, P.LISTING_IMPORT,
        # Admins open accounts for organizations seeded without users (departments).
        P.ORG_MANAGE, P.MATCH_ADVANCE, P.MATCH_MANUAL, P.FUNNEL_VIEW,
        # The daily follow-up reminders, sent early from /admin/reminders.
        P.REMINDER_SEND,
        # Admins see every proposal and every question, answered or not.
        P.PROPOSAL_VIEW, P.QUESTION_VIEW,
        # Region administrators are opened by platform admins only.
        P.REGION_ADMIN_MANAGE,
        # 十百千 designations, targets, indicators and dashboards, province-wide.
        P.DESIGNATION_MANAGE, P.TARGET_MANAGE, P.INDICATOR_ENTER, P.DASHBOARD_VIEW,
        # Events (场景沙龙, 供需对接会…) are organized by administrators.
        P.EVENT_MANAGE,
        # Accounts: organizations' and administrators' pages (read), auditors, resetting
        # someone's lost second factor.
        P.ACCOUNT_VIEW, P.AUDITOR_MANAGE, P.SECOND_FACTOR_RESET,
    },
    # A city's or district's administrator: the regional work of the back office, within
    # its own subtree (REGIONAL_PERMISSIONS). Organizations (USCC verification), accounts,
    # the audit log, taxonomy and language data, proposals and the funnel stay with the
    # platform.
    REGION_ADMIN: {
        P.ADMIN_ACCESS, P.CONTACT_VIEW, P.LISTING_REVIEW, P.RELEASE_MANAGE,
        # Bulk import of lists (the web import page) for listings of its subtree.
        P.LISTING_IMPORT,
        P.DESIGNATION_MANAGE, P.TARGET_MANAGE, P.INDICATOR_ENTER, P.DASHBOARD_VIEW,
        P.EVENT_MANAGE,
    },
    # An auditor (审计员, 等保 2.0 separation of duties): reads the audit log and the
    # account pages that explain it; holds nothing that changes anything.
    AUDITOR: {P.ADMIN_ACCESS, P.AUDIT_VIEW, P.ACCOUNT_VIEW},
    ORG_ADMIN: _MEMBER_PERMISSIONS | {P.ORG_MANAGE},
    ORG_MEMBER: set(_MEMBER_PERMISSIONS),
}

# Permissions on an object owned by an organization: a non-admin must belong to it.
# For proposals the owner is the proposer; for question.answer and proposal.evaluate the
# object passed is the opportunity, owned by its department; a match has two owners.
OWNED_PERMISSIONS = {P.ORG_MANAGE, P.LISTING_EDIT, P.LISTING_SUBMIT, P.LISTING_WITHDRAW,
                     P.LISTING_CLOSE, P.QUESTION_ANSWER, P.PROPOSAL_EDIT, P.PROPOSAL_SUBMIT,
                     P.PROPOSAL_WITHDRAW, P.PROPOSAL_EVALUATE, P.MATCH_CREATE,
                     P.MATCH_ADVANCE}

# Permissions on an object that lies in a region (its ``region_code``: listings, releases,
# designations, targets, indicators): a region administrator holds them only inside its
# subtree. Without an object (a page) they are granted and the services check each object.
REGIONAL_PERMISSIONS = {P.LISTING_REVIEW, P.LISTING_IMPORT, P.RELEASE_MANAGE,
                        P.DESIGNATION_MANAGE, P.TARGET_MANAGE, P.INDICATOR_ENTER,
                        P.DASHBOARD_VIEW, P.EVENT_MANAGE}

# Which organization kinds may create which kind of thing (listings, proposals, digest
# subscriptions to new opportunities).
LISTING_KINDS_BY_ORG_KIND = {
    "department": {"opportunity"},
    "enterprise": {"product", "proposal", "subscription"},
    "institute": {"product", "proposal", "subscription"},
}
KIND_CHECKED = {P.LISTING_CREATE, P.PROPOSAL_CREATE, P.SUBSCRIPTION_MANAGE}

# Proposal statuses in which only the proposer sees it: not yet sent, or taken back.
UNSUBMITTED_PROPOSAL_STATUSES = ("draft", "withdrawn")


def roles_of(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    if user.is_platform_admin:
        return {PLATFORM_ADMIN}
    if user.admin_region_code is not None:
        return {REGION_ADMIN}
    if getattr(user, "is_auditor", False):
        return {AUDITOR}
    if user.organization is None:
        return set()
    return {ORG_ADMIN if user.org_role == "admin" else ORG_MEMBER}


def _owner_org_ids(obj) -> set[int]:
    # By attribute, not by class: authz sits below the feature packages and imports none.
    if obj is None:
        return set()
    if obj.__class__.__name__ == "Organization":
        return {obj.id}
    if hasattr(obj, "owner_organization_ids"):
        return set(obj.owner_organization_ids)
    owner = getattr(obj, "organization_id", None)
    return {owner} if owner is not None else set()


# --- region scope ----------------------------------------------------------------------
def region_prefix(code: str) -> str:
    """The code prefix shared by a region and everything under it (GB/T 2260: 36 for a
    province ``360000``, 3601 for a city ``360100``, the whole code for a district) — the
    same as ``taxonomy.Region.prefix``, read from the code alone so that no query runs."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def region_scope(user) -> str | None:
    """The code of the region a region administrator is confined to; None for everyone
    else (platform admins act province-wide; organization users hold no regional
    permission)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_platform_admin", False):
        return None
    return getattr(user, "admin_region_code", None)


def can_in_region(user, permission: str, region_code: str) -> bool:
    """``can`` for a region rather than an object in it: may ``user`` hold ``permission``
    on something of ``region_code`` (a page of that region, a region picked in a form)?"""
    return can(user, permission, _InRegion(region_code))


class _InRegion:
    """A stand-in for any object of a region (authz reads only ``region_code``)."""

    def __init__(self, region_code: str):
        self.region_code = region_code


def in_scope(user, region_code: str | None) -> bool:
    """True when ``region_code`` lies in ``user``'s subtree (always for an unconfined
    user). An object with no region (a release of the platform) lies in no region's
    subtree."""
    scope = region_scope(user)
    if scope is None:
        return True
    return region_code is not None and region_code.startswith(region_prefix(scope))


def _region_of(obj) -> str | None:
    # By attribute, like _owner_org_ids: an object with no region_code is in no subtree.
    return getattr(obj, "region_code", None)


def belongs_to(user, obj) -> bool:
    """True when ``user`` is in an organization that owns ``obj``, whatever its role or
    the organization's status: an organization always sees its own things."""
    organization_id = getattr(user, "organization_id", None)
    return organization_id is not None and organization_id in _owner_org_ids(obj)


def can(user, permission: str, obj=None, *, kind: str | None = None) -> bool:
    """True when ``user`` holds ``permission`` (on ``obj`` / for listing ``kind``).
    Raises ValueError for a name that is not a ``Permission``."""
    permission = Permission(permission)
    roles = roles_of(user)
    if not any(permission in ROLE_PERMISSIONS[role] for role in roles):
        return False
    owners = _owner_org_ids(obj)
    if permission in OWNED_PERMISSIONS and not owners:
        return False  # e.g. managing a platform admin, who belongs to no organization
    if PLATFORM_ADMIN in roles:
        return True
    if REGION_ADMIN in roles:
        return (permission not in REGIONAL_PERMISSIONS or obj is None
                or in_scope(user, _region_of(obj)))
    if AUDITOR in roles:
        return True  # read permissions only, on everything
    org = user.organization
    if permission != P.ORG_MANAGE and not org.is_verified:
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
    permission = Permission(permission)  # a misspelt name fails at import time

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


# --- who may see what ----------------------------------------------------------------
def can_view_listing(user, listing) -> bool:
    """Anyone once public (published or closed); before that only its organization and
    the reviewers (a region administrator: within its subtree)."""
    return (listing.is_public or can(user, P.LISTING_REVIEW, listing)
            or belongs_to(user, listing))


def can_view_proposal(user, proposal) -> bool:
    """The proposer always; the department whose opportunity it answers once submitted
    (not while a draft, nor once withdrawn); platform admins."""
    if can(user, P.PROPOSAL_VIEW) or belongs_to(user, proposal):
        return True
    return (belongs_to(user, proposal.opportunity)
            and proposal.status not in UNSUBMITTED_PROPOSAL_STATUSES)


def can_view_attachment(user, attachment) -> bool:
    """Whoever sees the proposal it belongs to."""
    return can_view_proposal(user, attachment.proposal)


def can_view_proposals_of(user, opportunity) -> bool:
    """The list of an opportunity's proposals (to evaluate or export): the department
    that may evaluate them, and platform admins."""
    return can(user, P.PROPOSAL_EVALUATE, opportunity) or can(user, P.PROPOSAL_VIEW)


def can_view_unanswered_questions(user, opportunity) -> bool:
    """Answered questions are public (the asker is not shown); all the unanswered ones
    only to the department that owns the opportunity and to platform admins. (The asking
    organization sees its own: ``asked_by_organization``.)"""
    return belongs_to(user, opportunity) or can(user, P.QUESTION_VIEW)


def asked_by_organization(user) -> int | None:
    """The organization whose questions ``user`` sees even unanswered (its own), if any:
    an asker must be able to check that the question arrived and is waiting."""
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "organization_id", None)


def is_organizer(user, event) -> bool:
    """An administrator who may run ``event`` (platform, or of a region containing it)."""
    return can(user, P.EVENT_MANAGE, event)


def can_view_registration(user, registration) -> bool:
    """A registration (its attendees, codes, agenda): its organization and the event's
    organizers."""
    return belongs_to(user, registration) or is_organizer(user, registration.event)


def can_act_in_meetings(user, registration) -> bool:
    """Ask for 1:1 meetings, answer and withdraw requests for ``registration``: the users
    of its own (verified) organization only; organizers arrange, they do not ask."""
    return belongs_to(user, registration) and can(user, P.EVENT_REGISTER)


def can_view_agenda(user, registration) -> bool:
    """A registration's meeting agenda (page, .ics, print): the event's organizers at any
    time; its organization once the schedule is published (preliminary or final)."""
    return is_organizer(user, registration.event) or (
        belongs_to(user, registration) and registration.event.schedule_status != "draft")


def can_manage_schedule(user, event) -> bool:
    """Build, edit, publish and print an event's 1:1 meeting schedule: its organizers."""
    return is_organizer(user, event)


def can_rate_meeting(user, meeting) -> bool:
    """A 1:1 meeting is rated by a user of either of its two organizations, each for its
    own side; organizers see the ratings but do not rate."""
    return belongs_to(user, meeting)


def can_view_ratings(user, event) -> bool:
    """Meeting ratings (and their notes) are seen by the event's organizers only, never by
    the other side of the meeting."""
    return is_organizer(user, event)


def can_view_ticket(user, attendee) -> bool:
    """An attendee's ticket (its QR code and short code): whoever may see its
    registration."""
    return can_view_registration(user, attendee.registration)


def can_view_participants(user, event) -> bool:
    """An event's participant list, sign-in sheet, check-in counts and recent check-ins
    (names, organizations, codes): its organizers only."""
    return is_organizer(user, event)


def can_view_match(user, match) -> bool:
    """Either side of a pairing and platform admins: those who may advance it."""
    return can(user, P.MATCH_ADVANCE, match)


def can_view_workbench(user) -> bool:
    """The workbench (工作台): every signed-in user has one and sees only their own —
    what waits for them, chosen by their role, organization and region scope."""
    return bool(getattr(user, "is_authenticated", False))


def can_view_contact(user) -> bool:
    """Full contact details for verified organizations and admins, one audited look at
    a time; others see them masked."""
    return can(user, P.CONTACT_VIEW)


def contact_shown(user, item) -> bool:
    """A listing's contact person (name, masked number) is shown when the person agreed
    to be, and always to the listing's organization and to administrators."""
    return bool(item.contact_consent or belongs_to(user, item)
                or roles_of(user) & {PLATFORM_ADMIN, REGION_ADMIN})


def can_reveal_contact(user, item) -> bool:
    """Who may see the full number of a listing's contact (each look audited)."""
    return bool(item.contact_phone) and contact_shown(user, item) and can_view_contact(user)
