"""Outcomes of an event (events.outcomes): each side rates its meeting once the meeting has
started; 有合作可能 puts the pairing in the funnel once (origin 对接活动); organizers record
contracts signed at a 项目签约 and the minutes. Real database, services called as the
views call them; refused input changes nothing."""
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.db import beijing_today, utcnow
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.events import outcomes
from marketplace.events.models import EventPairing, MeetingRating
from marketplace.extensions import db
from marketplace.matching import pairings
from marketplace.matching.models import Match, Recommendation

LATER = utcnow() + timedelta(days=30)  # after any arranged meeting


@pytest.fixture
def fair(make):
    """A 供需对接会 of 红谷滩区: a department bringing a published opportunity, an
    enterprise bringing a published product, and a second enterprise; one meeting of the
    first two (about that opportunity and product) at the event's first slot."""
    department, enterprise, bystander = make.org("department"), make.org(), make.org()
    need = make.opportunity(department, status="published")
    offer = make.product(enterprise, status="published")
    event = make.event()
    demand = make.registration(event, department)
    supply = make.registration(event, enterprise)
    other = make.registration(event, bystander)
    make.bring(demand, need)
    make.bring(supply, offer)
    meeting = make.meeting(demand, supply, opportunity=need, product=offer)
    return {"event": event, "meeting": meeting, "need": need, "offer": offer,
            "department": department, "enterprise": enterprise, "bystander": bystander,
            "demand": demand, "supply": supply, "other": other,
            "head": department.users[0], "seller": enterprise.users[0]}


def ratings() -> list[tuple]:
    return db.session.execute(sa.select(MeetingRating.registration_id, MeetingRating.rating,
                                        MeetingRating.note)
                              .order_by(MeetingRating.id)).all()


def matches() -> list[Match]:
    return db.session.scalars(sa.select(Match).order_by(Match.id)).all()


def links() -> list[tuple]:
    return db.session.execute(sa.select(EventPairing.match_id, EventPairing.action,
                                        EventPairing.meeting_id)
                              .order_by(EventPairing.id)).all()


# --- ratings -----------------------------------------------------------------------------
def test_each_side_rates_once_and_rating_again_updates_it(ctx, fair, make):
    meeting = fair["meeting"]
    outcomes.rate_meeting(fair["head"], meeting, "informative", "方案可行，预算待定", now=LATER)
    outcomes.rate_meeting(make.member(fair["enterprise"]), meeting, "no_interest", now=LATER)
    outcomes.rate_meeting(fair["head"], meeting, "no_interest", "  已确认暂无预算 ", now=LATER)
    assert ratings() == [(fair["demand"].id, "no_interest", "已确认暂无预算"),
                         (fair["supply"].id, "no_interest", "")]
    audit = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.action == "meeting_rating.rate").order_by(AuditLog.id)).all()
    assert [a.before for a in audit] == [None, None,
                                         {"rating": "informative", "note": "方案可行，预算待定"}]
    assert audit[2].after == {"rating": "no_interest", "note": "已确认暂无预算", "side": "demand"}
    assert matches() == []  # no cooperation, no pairing


@pytest.mark.parametrize("who, message", [
    ("bystander", "您所在单位没有参加这场会谈，不能评价。"),
    ("organizer", "组织方可以查看评价，但不能代为评价。"),
    ("outsider", "您所在单位没有参加这场会谈"),
])
def test_only_the_two_sides_rate(ctx, fair, make, who, message):
    actor = {"bystander": fair["bystander"].users[0], "organizer": make.region_admin("360113"),
             "outsider": make.org().users[0]}[who]
    with pytest.raises(PermissionDenied, match=message):
        outcomes.rate_meeting(actor, fair["meeting"], "cooperation", now=LATER)
    assert ratings() == [] and matches() == []


def test_a_meeting_is_rated_once_its_slot_has_started(ctx, fair, make):
    meeting = make.meeting(fair["demand"], make.registration(fair["event"], make.org()),
                           slot=3, table=1)
    starts = fair["event"].starts_at + timedelta(minutes=3 * fair["event"].slot_minutes)
    assert outcomes.meeting_starts_at(meeting) == starts
    with pytest.raises(IllegalTransition, match="会谈尚未开始，暂不能评价。"):
        outcomes.rate_meeting(fair["head"], meeting, "informative",
                              now=starts - timedelta(minutes=1))
    with pytest.raises(IllegalTransition, match="会谈尚未开始"):
        outcomes.rate_meeting(fair["head"], meeting, "informative")  # now: days before
    assert ratings() == []
    outcomes.rate_meeting(fair["head"], meeting, "informative", now=starts)
    assert len(ratings()) == 1


@pytest.mark.parametrize("rating, note, errors", [
    ("excellent", "", {"rating": "请选择对这场会谈的评价。"}),
    ("", "", {"rating": "请选择对这场会谈的评价。"}),
    ("informative", "很" * 501, {"note": "备注不能超过 500 个字（当前 501 个）。"}),
])
def test_bad_input_is_refused_at_its_field(ctx, fair, rating, note, errors):
    with pytest.raises(ValidationError) as refused:
        outcomes.rate_meeting(fair["head"], fair["meeting"], rating, note, now=LATER)
    assert refused.value.errors == errors
    assert ratings() == []


# --- 有合作可能 → the funnel ---------------------------------------------------------------
def test_cooperation_from_both_sides_starts_one_pairing(ctx, fair):
    first = outcomes.rate_meeting(fair["seller"], fair["meeting"], "cooperation", now=LATER)
    second = outcomes.rate_meeting(fair["head"], fair["meeting"], "cooperation", now=LATER)
    again = outcomes.rate_meeting(fair["head"], fair["meeting"], "cooperation", "再次确认",
                                  now=LATER)
    [match] = matches()
    assert (match.opportunity_id, match.supplier_id, match.product_id) == (
        fair["need"].id, fair["enterprise"].id, fair["offer"].id)
    assert match.origin == "event" and match.origin_label == "对接活动"
    assert match.stage == "contacted"
    assert [(c.from_stage, c.to_stage) for c in match.changes] == [("", "contacted")]
    assert (first.action, second.action, again.action) == ("created", None, None)
    assert first.match is second.match is match
    assert links() == [(match.id, "created", fair["meeting"].id)]


def test_cooperation_advances_a_suggested_pairing(ctx, fair):
    recommendation = Recommendation(opportunity_id=fair["need"].id, product_id=fair["offer"].id,
                                    score=0.8, band="strong", evidence={})
    db.session.add(recommendation)
    db.session.flush()
    suggested = pairings.start_from_recommendation(fair["seller"], recommendation)
    assert suggested.stage == "recommended"
    outcomes.rate_meeting(fair["head"], fair["meeting"], "cooperation", now=LATER)
    outcomes.rate_meeting(fair["seller"], fair["meeting"], "cooperation", now=LATER)
    [match] = matches()
    assert match.stage == "contacted" and match.origin == "suggestion"  # its origin stays
    assert match.changes[-1].note == f"对接活动：{fair['event'].title}"
    assert links() == [(match.id, "advanced", fair["meeting"].id)]


def test_cooperation_leaves_a_pairing_that_is_further_on(ctx, fair, make):
    match = make.pairing(fair["need"], fair["enterprise"], "negotiating")
    result = outcomes.rate_meeting(fair["head"], fair["meeting"], "cooperation", now=LATER)
    assert (result.match, result.action) == (match, None)
    db.session.refresh(match)
    assert match.stage == "negotiating" and links() == []


def test_a_meeting_without_listings_pairs_what_the_sides_brought(ctx, fair, make):
    newcomer = make.org()
    brought = make.product(newcomer, status="published", title="城市停车数据中台")
    registration = make.bring(make.registration(fair["event"], newcomer), brought)
    meeting = make.meeting(fair["demand"], registration, slot=1, kind="suggested")
    outcomes.rate_meeting(newcomer.users[0], meeting, "cooperation", now=LATER)
    [match] = matches()
    assert (match.opportunity_id, match.supplier_id, match.product_id) == (
        fair["need"].id, newcomer.id, brought.id)
    assert links() == [(match.id, "created", meeting.id)]


def test_cooperation_with_a_demand_side_that_brought_nothing_is_kept_without_pairing(
        ctx, fair, make):
    """The rating stands (it is the side's opinion); there is no opportunity to pair, so
    no pairing starts and the report lists the meeting for the organizers."""
    department = make.org("department")
    empty = make.registration(fair["event"], department)
    meeting = make.meeting(empty, fair["supply"], slot=1)
    result = outcomes.rate_meeting(fair["seller"], meeting, "cooperation", now=LATER)
    assert result.match is None and result.action is None
    assert ratings() == [(fair["supply"].id, "cooperation", "")]
    assert matches() == [] and links() == []


def test_a_terminated_pairing_is_not_restarted_by_a_rating(ctx, fair, make):
    match = make.pairing(fair["need"], fair["enterprise"], "terminated")
    result = outcomes.rate_meeting(fair["seller"], fair["meeting"], "cooperation", now=LATER)
    assert (result.match, result.action) == (match, None)
    assert len(ratings()) == 1 and links() == []


# --- 项目签约 ------------------------------------------------------------------------------
@pytest.fixture
def ceremony(make, fair):
    """A 项目签约 of 红谷滩区 that took place yesterday, with the fair's two sides."""
    event = make.event(kind="signing", title="数字经济项目集中签约仪式")
    make.bring(make.registration(event, fair["department"]), fair["need"])
    make.bring(make.registration(event, fair["enterprise"]), fair["offer"])
    make.age_event(event)
    return event


def signing_data(fair, **overrides) -> dict:
    data = {"opportunity_id": str(fair["need"].id), "supplier_id": str(fair["enterprise"].id),
            "product_id": str(fair["offer"].id), "contract_amount_wan": "1,280.5",
            "contract_date": beijing_today().isoformat()}
    data.update(overrides)
    return data


def test_a_signing_takes_the_pairing_to_signed_stage_by_stage(ctx, fair, ceremony, make):
    organizer = make.region_admin("360100")  # 南昌市: the event lies in its subtree
    match = outcomes.record_signing(organizer, ceremony, signing_data(fair))
    assert match.stage == "signed" and match.origin == "event"
    assert match.contract_amount_wan == Decimal("1280.50")
    assert match.contract_date == beijing_today() and match.product_id == fair["offer"].id
    # Recorded and confirmed at once: the organizer witnessed both signatures.
    assert [c.to_stage for c in match.changes] == ["contacted", "negotiating", "signing",
                                                    "signed"]
    assert match.signing_confirmed_by_id == organizer.id
    assert match.signing_recorded_by_org_id is None and not match.amount_is_public
    assert [(a, m) for _, a, m in links()] == [("created", None), ("signed", None)]
    with pytest.raises(IllegalTransition, match="无需重复登记"):
        outcomes.record_signing(organizer, ceremony, signing_data(fair))


def test_a_signing_advances_an_existing_pairing_found_by_number_and_name(
        ctx, fair, ceremony, make):
    existing = make.pairing(fair["need"], fair["enterprise"], "contacted")
    match = outcomes.record_signing(make.admin(), ceremony, signing_data(
        fair, opportunity_id="", opportunity_number=fair["need"].public_number,
        supplier_id="", supplier_name=fair["enterprise"].name, product_id=""))
    assert match is existing and match.stage == "signed" and match.origin == "manual"
    assert [a for _, a, _ in links()] == ["signed"]


def test_a_signing_at_the_ceremony_settles_one_awaiting_confirmation(ctx, fair, ceremony,
                                                                      make):
    """One side had recorded the contract; the ceremony confirms it with the consents
    the organizer recorded."""
    existing = make.pairing(fair["need"], fair["enterprise"], "signing")
    match = outcomes.record_signing(make.admin(), ceremony, signing_data(
        fair, demand_discloses_amount="y", supply_discloses_amount="y"))
    assert match is existing and match.stage == "signed" and match.amount_is_public
    assert [c.to_stage for c in match.changes][-4:] == ["signing", "negotiating", "signing",
                                                         "signed"]


@pytest.mark.parametrize("overrides, errors", [
    ({"contract_amount_wan": "", "contract_date": "2099-01-01"},
     {"contract_amount_wan": "请填写合同金额（万元）。", "contract_date": "签约日期不能晚于今天。"}),
    ({"contract_amount_wan": "一百万", "contract_date": "明天"},
     {"contract_amount_wan": "合同金额请填写数字（单位：万元）。",
      "contract_date": "请填写签约日期，格式如 2026-12-31。"}),
    ({"opportunity_id": "", "supplier_id": ""},
     {"opportunity_id": "请选择签约的机会，或填写机会编号。",
      "supplier_id": "请选择签约的供给方，或填写单位全称。"}),
    ({"opportunity_id": "", "opportunity_number": "JX-NOPE", "supplier_id": "", "supplier_name": "不存在的公司"},
     {"opportunity_id": "未找到该机会，请选择已发布的机会。",
      "supplier_id": "供给方应为已认证的企业或科研院所/服务机构。"}),
    ({"product_id": "999999"}, {"product_id": "所选产品不属于该供给方。"}),
])
def test_bad_signing_input_is_refused_at_its_fields(ctx, fair, ceremony, make, overrides,
                                                     errors):
    with pytest.raises(ValidationError) as refused:
        outcomes.record_signing(make.admin(), ceremony, signing_data(fair, **overrides))
    assert refused.value.errors == errors
    assert matches() == [] and links() == []


def test_a_department_is_not_a_supplier(ctx, fair, ceremony, make):
    with pytest.raises(ValidationError) as refused:
        outcomes.record_signing(make.admin(), ceremony,
                                signing_data(fair, supplier_id=str(fair["department"].id),
                                             product_id=""))
    assert refused.value.errors == {"supplier_id": "供给方应为已认证的企业或科研院所/服务机构。"}


def test_signings_are_recorded_by_organizers_at_a_signing_event_that_started(
        ctx, fair, ceremony, make):
    with pytest.raises(PermissionDenied):
        outcomes.record_signing(make.region_admin("360103"), ceremony, signing_data(fair))
    with pytest.raises(PermissionDenied):
        outcomes.record_signing(fair["head"], ceremony, signing_data(fair))
    with pytest.raises(IllegalTransition, match="只有“项目签约”活动"):
        outcomes.record_signing(make.admin(), fair["event"], signing_data(fair))
    upcoming = make.event(kind="signing")
    with pytest.raises(IllegalTransition, match="活动开始后才能登记签约项目。"):
        outcomes.record_signing(make.admin(), upcoming, signing_data(fair))
    assert matches() == [] and links() == []


# --- minutes -----------------------------------------------------------------------------
def test_minutes_are_recorded_after_the_start_and_audited(ctx, fair, make):
    admin, event = make.region_admin("360113"), fair["event"]
    with pytest.raises(IllegalTransition, match="活动开始后才能记录会议纪要。"):
        outcomes.record_minutes(admin, event, "纪要")
    with pytest.raises(PermissionDenied):
        outcomes.record_minutes(fair["head"], event, "纪要", now=LATER)
    with pytest.raises(PermissionDenied):
        outcomes.record_minutes(make.region_admin("360103"), event, "纪要", now=LATER)
    with pytest.raises(ValidationError, match="会议纪要不能超过 20000 个字"):
        outcomes.record_minutes(admin, event, "记" * 20001, now=LATER)
    assert event.minutes == ""
    outcomes.record_minutes(admin, event, "一、议程\r\n二、共识", now=LATER)
    assert event.minutes == "一、议程\n二、共识"
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "event.minutes"))
    assert (entry.before, entry.after) == ({"minutes": ""}, {"minutes": "一、议程\n二、共识"})
