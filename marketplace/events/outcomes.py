"""Outcomes of an event: meeting ratings, pairings made or signed there, the minutes.

* After a 1:1 meeting has started (its slot: the session's start + slot × slot length)
  each side rates it once (未进行 / 兴趣不足 / 有价值但暂无合作 / 有合作可能) with an
  optional note; rating again updates that side's rating. Only organizers see ratings.
* 有合作可能 from either side puts the pairing in the funnel (``pairings.start_from_event``,
  origin 对接活动): of the meeting's opportunity and the supply side's organization (with
  the meeting's product). A meeting made without a listing pairs the demand side's first
  brought opportunity with the supply side's first brought product. When the demand side
  brought no opportunity (or it is not public) the rating is still recorded and no
  pairing is started: there is nothing to pair, and the report lists the meeting under
  有合作可能 without a pairing, for the organizers to follow up (e.g. 录入对接). What the
  event did to a pairing is kept as EventPairing (新建对接 / 推进对接 / 签约), once each:
  both sides rating 有合作可能 make one pairing and one row. A later change of rating
  does not undo a pairing.
* At a 项目签约 the organizers record each contract signed (opportunity, supplier, amount,
  date, each side's consent to show the amount): the pairing is started if missing and
  taken stage by stage to 已签约 — confirmed, as the organizers witnessed both
  signatures (matching.signing.sign_witnessed).
* Once the event has started the organizers record its minutes (会议纪要), shown on the
  public event page.

Every change is audited; services flush and never commit.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from marketplace import audit
from marketplace.accounts.models import Organization
from marketplace.authz import Permission, can_rate_meeting, is_organizer, require
from marketplace.db import utcnow
from marketplace.errors import Collector, IllegalTransition, PermissionDenied, ValidationError
from marketplace.events.models import RATINGS, Event, EventPairing, Meeting, MeetingRating
from marketplace.extensions import db
from marketplace.matching import pairings, signing
from marketplace.matching.models import Match
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.validators import as_id, choice, text

MINUTES_MAX = 20000


# --- when a meeting takes place ----------------------------------------------------------
def meeting_starts_at(meeting: Meeting) -> datetime | None:
    """The start of the meeting's slot (UTC): its session's start plus ``slot`` slots of
    ``Event.slot_minutes`` (breaks are slots too). None when the session is missing."""
    event = meeting.event
    session = next((s for s in event.sessions if s.position == meeting.session), None)
    if session is None:
        return None
    return session.starts_at + timedelta(minutes=meeting.slot * event.slot_minutes)


def has_started(meeting: Meeting, now: datetime | None = None) -> bool:
    starts = meeting_starts_at(meeting)
    return starts is not None and starts <= (now or utcnow())


def pairing_listings(meeting: Meeting) -> tuple[Opportunity | None, Product | None]:
    """What a 有合作可能 rating pairs: the meeting's opportunity and product, or else the
    demand side's first brought opportunity and the supply side's first product."""
    opportunity = meeting.opportunity or next(iter(meeting.demand.opportunities), None)
    product = meeting.product or next(iter(meeting.supply.products), None)
    return opportunity, product


# --- ratings -----------------------------------------------------------------------------
@dataclass
class Rated:
    """What rating a meeting did: the side's rating, and for 有合作可能 the pairing (None
    when there was nothing to pair) and what the event did to it (None: left as it was)."""
    rating: MeetingRating
    match: Match | None = None
    action: str | None = None


def rating_side(actor, meeting: Meeting):
    """The actor's registration in the meeting, or a refusal that says why."""
    if can_rate_meeting(actor, meeting):
        return (meeting.demand if meeting.demand.organization_id == actor.organization_id
                else meeting.supply)
    if is_organizer(actor, meeting.event):
        raise PermissionDenied("会谈由参会双方各自评价，组织方可以查看评价，但不能代为评价。")
    raise PermissionDenied("您所在单位没有参加这场会谈，不能评价。")


def rate_meeting(actor, meeting: Meeting, rating: str, note: str = "",
                 now: datetime | None = None) -> Rated:
    """The actor's side rates ``meeting`` (re-rating updates its one rating); audited as
    ``meeting_rating.rate``. 有合作可能 starts or advances the pairing (see the module's
    docstring). Raises PermissionDenied (not a user of either side — organizers
    included), IllegalTransition (the meeting has not started), ValidationError
    (a rating not in RATINGS, a note over 500 characters); nothing is changed then."""
    registration = rating_side(actor, meeting)
    if not has_started(meeting, now):
        raise IllegalTransition("会谈尚未开始，暂不能评价。")
    checks = Collector()
    data = {"rating": rating, "note": note}
    checks.run("rating", choice, data, "rating", "对这场会谈的评价", RATINGS)
    checks.run("note", text, data, "note", "备注", 500, False)
    values = checks.result()
    row = db.session.scalar(sa.select(MeetingRating).where(
        MeetingRating.meeting_id == meeting.id,
        MeetingRating.registration_id == registration.id))
    before = audit.snapshot(row, ("rating", "note")) if row else None
    if row is None:
        row = MeetingRating(meeting_id=meeting.id, registration_id=registration.id)
        db.session.add(row)
    row.rating, row.note, row.rated_by_id = values["rating"], values["note"], actor.id
    db.session.flush()
    audit.record(actor, "meeting_rating.rate", row, before=before,
                 after={**audit.snapshot(row, ("rating", "note")), "side": registration.side},
                 summary=f"{meeting.event.title}：{meeting.demand.organization.name} ↔ "
                         f"{meeting.supply.organization.name}")
    result = Rated(row)
    if row.rating == "cooperation":
        result.match, result.action = _pair(actor, meeting)
    return result


def _link(event: Event, match: Match, action: str, meeting: Meeting | None = None) -> None:
    """Keep what the event did to the pairing, once per action."""
    exists = db.session.scalar(sa.select(EventPairing.id).where(
        EventPairing.event_id == event.id, EventPairing.match_id == match.id,
        EventPairing.action == action))
    if exists is None:
        db.session.add(EventPairing(event_id=event.id, match_id=match.id, action=action,
                                    meeting_id=getattr(meeting, "id", None)))
        db.session.flush()


def _pair(actor, meeting: Meeting) -> tuple[Match | None, str | None]:
    opportunity, product = pairing_listings(meeting)
    if opportunity is None:
        return None, None
    match, action = pairings.start_from_event(actor, meeting.event, opportunity,
                                              meeting.supply.organization, product)
    if action is not None:
        _link(meeting.event, match, action, meeting)
    return match, action


# --- 项目签约 ------------------------------------------------------------------------------
def _chosen(data: dict, name: str) -> int | None:
    return as_id(data.get(name))


def _opportunity(data: dict) -> Opportunity:
    ident, number = _chosen(data, "opportunity_id"), (data.get("opportunity_number") or "").strip()
    if ident is not None:
        opportunity = db.session.get(Opportunity, ident)
    elif number:
        opportunity = db.session.scalar(sa.select(Opportunity).where(
            Opportunity.public_number == number))
    else:
        raise ValidationError("请选择签约的机会，或填写机会编号。", field="opportunity_id")
    if opportunity is None or not opportunity.is_public:
        raise ValidationError("未找到该机会，请选择已发布的机会。", field="opportunity_id")
    return opportunity


def _supplier(data: dict) -> Organization:
    ident, name = _chosen(data, "supplier_id"), (data.get("supplier_name") or "").strip()
    if ident is not None:
        supplier = db.session.get(Organization, ident)
    elif name:
        supplier = db.session.scalar(sa.select(Organization).where(Organization.name == name))
    else:
        raise ValidationError("请选择签约的供给方，或填写单位全称。", field="supplier_id")
    if supplier is None or supplier.kind == "department" or not supplier.is_verified:
        raise ValidationError("供给方应为已认证的企业或科研院所/服务机构。", field="supplier_id")
    return supplier


def _product(data: dict, supplier: Organization | None) -> Product | None:
    ident = _chosen(data, "product_id")
    if ident is None or supplier is None:  # without a supplier, its problem is the one shown
        return None
    product = db.session.get(Product, ident)
    if product is None or product.organization_id != supplier.id:
        raise ValidationError("所选产品不属于该供给方。", field="product_id")
    return product


def record_signing(actor, event: Event, data: dict, now: datetime | None = None) -> Match:
    """An organizer of a 项目签约 records a contract signed there: ``opportunity_id`` (or
    ``opportunity_number``), ``supplier_id`` (or ``supplier_name``), optional
    ``product_id``, ``contract_amount_wan`` (万元), ``contract_date`` (not after
    today) and each side's consent to show the amount in public
    (``demand_discloses_amount``, ``supply_discloses_amount``; unticked: not shown). The
    pairing is started if missing (origin 对接活动) and advanced stage by stage to
    已签约, confirmed at once: the organizers witnessed both signatures; EventPairing rows 新建对接 (if started here) and 签约. Raises
    PermissionDenied (not an organizer), IllegalTransition (not a 项目签约, not started,
    the pairing already signed or terminated), ValidationError with every field's
    problem."""
    require(actor, Permission.EVENT_MANAGE, event)
    if not event.is_signing:
        raise IllegalTransition("只有“项目签约”活动可以登记签约项目。")
    if (now or utcnow()) < event.starts_at:
        raise IllegalTransition("活动开始后才能登记签约项目。")
    checks = Collector()
    opportunity = checks.run("opportunity_id", _opportunity, data)
    supplier = checks.run("supplier_id", _supplier, data)
    checks.run("product_id", _product, data, supplier)
    checks.run("contract_date", signing.contract_date, data.get("contract_date"))
    checks.run("contract_amount_wan", signing.contract_amount, data.get("contract_amount_wan"))
    values = checks.result()
    consents = {name: signing.consent(data.get(name))
                for name in ("demand_discloses_amount", "supply_discloses_amount")}
    match, created = signing.sign_at_event(actor, event, opportunity, supplier,
                                           {**values, **consents}, values["product_id"])
    if created:
        _link(event, match, "created")
    _link(event, match, "signed")
    return match


# --- minutes -----------------------------------------------------------------------------
def record_minutes(actor, event: Event, minutes: str, now: datetime | None = None) -> None:
    """An organizer records (or corrects, or clears) the event's minutes once it has
    started; audited as ``event.minutes`` with the text before and after."""
    require(actor, Permission.EVENT_MANAGE, event)
    if (now or utcnow()) < event.starts_at:
        raise IllegalTransition("活动开始后才能记录会议纪要。")
    value = text({"minutes": minutes}, "minutes", "会议纪要", MINUTES_MAX, False)
    before = event.minutes
    event.minutes = value
    db.session.flush()
    audit.record(actor, "event.minutes", event, before={"minutes": before},
                 after={"minutes": value}, summary=event.title)
