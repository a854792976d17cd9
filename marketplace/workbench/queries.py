"""What waits for a signed-in user, by role, organization kind and region scope.

Each section of the workbench is a ``Spec``: what it lists (``load``, at most LIMIT
rows), how many rows it has in all (``count``, a SELECT of them) and how many of those
wait for the user (``pending``, counted in the header's 工作台 link). Every count of a
page — or the header's sum — is one round trip: the SELECTs become scalar subqueries
of a single statement. The rows come from the lower features' queries modules; this
module only chooses and counts them.

Who gets which section is decided by ``authz`` (permissions, region scope), never by
role names here.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, NamedTuple

import sqlalchemy as sa

from marketplace import authz
from marketplace.accounts import queries as accounts
from marketplace.authz import Permission as P
from marketplace.db import beijing_today, utcnow
from marketplace.demonstrations import queries as demonstrations
from marketplace.events import queries as events
from marketplace.extensions import db
from marketplace.listings import queries as listings
from marketplace.listings.models import LISTING_MODELS
from marketplace.matching import queries as matching
from marketplace.notifications import queries as notifications
from marketplace.opportunities import queries as opportunities
from marketplace.proposals import queries as proposals
from marketplace.releases import queries as releases
from marketplace.reminders import queries as reminders

LIMIT = 8                # rows a section lists; its heading gives the full count
RECOMMENDATION_DAYS = 30  # an opportunity recommended is "new" this long after publication
DEADLINE_DAYS = 7        # "deadlines this week": today and the six days after


@dataclass(frozen=True)
class Spec:
    key: str
    load: Callable[[], list]
    count: tuple = ()      # SELECTs whose rows the section counts (none: len of load())
    pending: tuple = ()    # SELECTs whose rows wait for the user (the header's number)


@dataclass
class Section:
    key: str
    items: list
    count: int
    pending: int


def _organization_specs(user, now: datetime) -> list[Spec]:
    """A verified organization's sections: its department or supplier work, its
    pairings and (suppliers) its events."""
    org_id, today = user.organization_id, beijing_today()
    specs = []
    if authz.can(user, P.LISTING_CREATE, kind="opportunity"):
        specs += _department_specs(org_id, today)
    if authz.can(user, P.LISTING_CREATE, kind="product"):
        specs.append(_unfinished_spec("product", org_id))
    if authz.can(user, P.PROPOSAL_CREATE, kind="proposal"):
        specs += _supplier_specs(org_id, now)
    signings = matching.signings_awaiting_query(org_id)
    specs.append(Spec("signings", lambda: matching.signings_awaiting(org_id, LIMIT),
                      (signings,), (signings,)))
    open_matches = matching.open_matches_query(org_id)
    specs.append(Spec("pairings", lambda: matching.open_matches(org_id, LIMIT),
                      (open_matches,), (open_matches,)))
    if authz.can(user, P.EVENT_REGISTER):
        specs.append(Spec(
            "events", lambda: events.upcoming_registrations(org_id, now, LIMIT),
            (events.upcoming_registrations_query(org_id, now),),
            (events.open_offers_query(org_id, now),)))
    return specs


def _unfinished_spec(kind: str, org_id: int) -> Spec:
    model = LISTING_MODELS[kind]
    query = listings.unfinished_query(model, org_id)
    return Spec(f"unfinished_{kind}", lambda: listings.unfinished(model, org_id, LIMIT),
                (query,), (query,))


def _department_specs(org_id: int, today) -> list[Spec]:
    """Drafts and returned opportunities, questions to answer, proposals to decide on,
    and (informational) the opportunities whose deadline falls this week."""
    questions = proposals.unanswered_questions_query(org_id)
    undecided = proposals.undecided_query(org_id)
    last = today + timedelta(days=DEADLINE_DAYS - 1)
    return [
        _unfinished_spec("opportunity", org_id),
        Spec("questions", lambda: proposals.unanswered_questions(org_id, LIMIT),
             (questions,), (questions,)),
        Spec("undecided", lambda: proposals.undecided(org_id, LIMIT),
             (undecided,), (undecided,)),
        Spec("deadlines", lambda: opportunities.deadlines_between(org_id, today, last),
             (opportunities.deadlines_between_query(org_id, today, last),)),
    ]


def _supplier_specs(org_id: int, now: datetime) -> list[Spec]:
    """New opportunities recommended for the organization's products, and its proposals
    (the drafts wait for it)."""
    since = now - timedelta(days=RECOMMENDATION_DAYS)
    recommended = matching.recommended_opportunities_query(org_id, since)
    return [
        Spec("recommended",
             lambda: matching.recommended_opportunities(org_id, since, LIMIT),
             (recommended,), (recommended,)),
        Spec("proposals", lambda: proposals.current_for_organization(org_id, LIMIT),
             (proposals.current_query(org_id),), (proposals.drafts_query(org_id),)),
    ]


def _admin_specs(user) -> list[Spec]:
    """The back office's queue, of a region administrator's subtree only: listings and
    revisions to review (organizations to verify: the platform's), approved listings to
    put in a release, overdue outcomes, and for the platform stale pairings and
    undeliverable e-mails; targets behind schedule (informational)."""
    scope, specs = authz.region_scope(user), []
    if authz.can(user, P.LISTING_REVIEW):
        review = [listings.review_queue_query(model, scope) for model in LISTING_MODELS.values()]
        review.append(listings.pending_revisions_query(scope))
        if authz.can(user, P.ORG_REVIEW):
            review.append(accounts.awaiting_verification_query())
        specs.append(Spec("review", lambda: _review_items(user, scope), tuple(review),
                          tuple(review)))
        overdue = reminders.overdue_outcomes_query(region_code=scope)
        specs.append(Spec("overdue", lambda: reminders.overdue_outcomes(
            region_code=scope, limit=LIMIT), (overdue,), (overdue,)))
    if authz.can(user, P.RELEASE_MANAGE):
        approved = tuple(listings.approved_unassigned_query(model, scope)
                         for model in LISTING_MODELS.values())
        specs.append(Spec("releases", lambda: _release_items(scope), approved, approved))
    if authz.can(user, P.FUNNEL_VIEW):
        stale, failed = reminders.stale_matches_query(), notifications.failed_emails_query()
        specs.append(Spec("stale", lambda: reminders.stale_matches(limit=LIMIT),
                          (stale,), (stale,)))
        specs.append(Spec("emails", lambda: notifications.failed_emails(LIMIT),
                          (failed,), (failed,)))
    if authz.can(user, P.DASHBOARD_VIEW):
        specs.append(Spec("targets", lambda: demonstrations.targets_behind(scope)))
    return specs


def _review_items(user, scope: str | None) -> list[tuple[str, object, object]]:
    """[(what, object, its listing or None)]: submitted listings and pending revisions
    (longest waiting first), then organizations to verify; LIMIT in all."""
    waiting = [("listing", item, None) for model in LISTING_MODELS.values()
               for item in listings.review_queue(model, scope)]
    waiting += [("revision", revision, item)
                for revision, item in listings.pending_revisions(scope) if item is not None]
    waiting.sort(key=lambda row: (_waiting_since(row[1]), row[0], row[1].id))
    if authz.can(user, P.ORG_REVIEW):
        waiting += [("organization", org, None)
                    for org in accounts.organizations(status="pending")]
    return waiting[:LIMIT]


def _waiting_since(obj) -> datetime:
    return getattr(obj, "submitted_at", None) or obj.created_at


def _release_items(scope: str | None) -> list:
    """The releases being composed (the approved listings waiting for one are the
    section's count)."""
    return releases.draft_releases(scope)[:LIMIT]


def specs_for(user, now: datetime | None = None) -> list[Spec]:
    """The sections of ``user``'s workbench, in page order (none for anonymous)."""
    if not authz.can_view_workbench(user):
        return []
    now = now or utcnow()
    specs = _admin_specs(user) if authz.can(user, P.ADMIN_ACCESS) else []
    organization = user.organization
    if organization is not None and organization.is_verified:
        specs += _organization_specs(user, now)
    return specs


def _counted(selects) -> list:
    return [sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
            .scalar_subquery() for query in selects]


def _count_all(groups: list[tuple]) -> list[int]:
    """The row count of each group of SELECTs (summed within a group), in one query."""
    columns = [sum(_counted(group), sa.literal(0)) for group in groups]
    if not columns:
        return []
    return list(db.session.execute(sa.select(*columns)).one())


def sections(user, now: datetime | None = None) -> list[Section]:
    """``user``'s workbench: each section with its rows, count and pending count."""
    specs = specs_for(user, now)
    numbers = _count_all([spec.count for spec in specs] + [spec.pending for spec in specs])
    counts, pending = numbers[:len(specs)], numbers[len(specs):]
    result = []
    for spec, count, waiting in zip(specs, counts, pending):
        items = spec.load()
        result.append(Section(spec.key, items, count if spec.count else len(items), waiting))
    return result


class HeaderCounts(NamedTuple):
    pending: int  # what waits for the user in all (the 工作台 link's number)
    unread: int   # unread notifications (the 通知 link's number)


def header_counts(user, now: datetime | None = None) -> HeaderCounts:
    """The two numbers of a signed-in page's header, in one query."""
    groups = [spec.pending for spec in specs_for(user, now) if spec.pending]
    pending = tuple(q for group in groups for q in group)
    return HeaderCounts(*_count_all([pending, (notifications.unread_query(user.id),)]))
