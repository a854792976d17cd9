import re

import sqlalchemy as sa

from marketplace.accounts.models import Organization, User
from marketplace.demonstrations.models import DemonstrationTarget, Indicator
from marketplace.extensions import db
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.releases.models import Release
from marketplace.seeding.demo import load_demo, logins_file
from marketplace.seeding.reference import load_reference
from marketplace.taxonomy.models import Region


def count(query):
    return db.session.scalar(query)


def test_reference_data_is_loaded_and_idempotent(ctx):
    assert db.session.get(Region, "360113").full_name == "江西省南昌市红谷滩区"
    assert db.session.get(Region, "420102").full_name == "湖北省武汉市江岸区"
    assert set(load_reference().values()) == {0}  # a second run adds nothing


def test_departments_named_in_the_plans_are_verified(ctx):
    names = set(db.session.scalars(sa.select(Organization.name).where(
        Organization.kind == "department")))
    assert "红谷滩区科学技术和经济信息化局" in names
    assert any(n.startswith("西湖区") for n in names) and any(n.startswith("江岸区") for n in names)


def test_shi_bai_qian_targets_come_from_the_documents(ctx):
    province = {t.kind: t.target for t in db.session.scalars(
        sa.select(DemonstrationTarget).where(DemonstrationTarget.region_code == "360000",
                                             DemonstrationTarget.source == "seed 001"))}
    assert province == {"zone": 50, "project": 300, "enterprise": 3000}
    xihu = db.session.scalar(sa.select(DemonstrationTarget).where(
        DemonstrationTarget.region_code == "360103", DemonstrationTarget.kind == "project",
        DemonstrationTarget.targets_by_year.is_not(None)))
    assert xihu.targets_by_year == {"2022": 1, "2023": 2, "2024": 3, "2025": 4}
    assert count(sa.select(sa.func.count(Indicator.id))
                 .where(Indicator.region_code == "360103")) == 14


def test_demo_data_goes_through_the_services(ctx):
    result = load_demo()
    published = lambda model: count(sa.select(sa.func.count(model.id)).where(  # noqa: E731
        model.status.in_(("published", "closed"))))
    assert count(sa.select(sa.func.count(Opportunity.id))) >= 30
    assert count(sa.select(sa.func.count(Product.id))) >= 60
    assert published(Opportunity) >= 15 and published(Product) >= 30
    releases = db.session.scalars(sa.select(Release).order_by(Release.sequence)).all()
    assert [r.status for r in releases] == ["published", "published"]
    numbers = db.session.scalars(sa.select(Opportunity.public_number)
                                 .where(Opportunity.public_number.is_not(None))).all()
    assert all(re.fullmatch(r"JH-2026-0[12]-\d{3}", n) for n in numbers)
    # Logins are generated, printed and stored outside the code, never fixed.
    text = logins_file().read_text(encoding="utf-8")
    for _, email, password in result["logins"]:
        assert email in text and password in text and len(password) >= 12
    assert count(sa.select(sa.func.count(User.id)).where(User.is_platform_admin)) == 1
    from marketplace.matching.models import Match
    from marketplace.proposals.models import Proposal, Question
    assert count(sa.select(sa.func.count(Question.id)).where(Question.answered_at.is_not(None))) >= 1
    assert count(sa.select(sa.func.count(Proposal.id))) >= 2
    assert set(db.session.scalars(sa.select(Match.stage))) >= {"signed", "contacted"}


def test_demo_programme_has_designations_in_three_districts_over_two_years(ctx):
    from marketplace.demonstrations.models import Designation, IndicatorValue
    from marketplace.demonstrations.queries import Tally

    load_demo()
    active = db.session.scalars(sa.select(Designation).where(
        Designation.status == "active")).all()
    assert {d.region_code for d in active} >= {"360113", "360103", "420102"}
    assert {d.year for d in active} == {2025, 2026}
    from_pairing = [d for d in active if d.match_id is not None]
    assert len(from_pairing) == 1 and from_pairing[0].match.stage == "signed"
    assert count(sa.select(sa.func.count(Designation.id)).where(
        Designation.status == "revoked")) == 1
    assert count(sa.select(sa.func.count(IndicatorValue.id))) >= 5
    province = db.session.get(Region, "360000")
    assert Tally().count(province, "project") == len(
        [d for d in active if d.kind == "project" and d.region_code.startswith("36")])


def test_every_demo_login_has_its_own_password(ctx):
    logins = load_demo()["logins"]
    passwords = [password for _, _, password in logins]
    assert len(set(passwords)) == len(passwords) == len(logins)


def test_demo_events_a_past_matchmaking_day_and_an_open_salon(ctx, index):
    from marketplace.db import utcnow
    from marketplace.events.models import (
        Attendee, Event, EventPairing, Meeting, MeetingRating)
    from marketplace.seeding.demo_events import run_demo_day

    load_demo()
    db.session.commit()
    run_demo_day()
    past = db.session.scalar(sa.select(Event).where(Event.kind == "matchmaking"))
    assert past.ends_at < utcnow() and past.schedule_status == "final"
    kinds = set(db.session.scalars(sa.select(Meeting.kind).where(Meeting.event_id == past.id)))
    assert kinds == {"request", "suggested"}  # asked for, and filled from the matches
    checked = db.session.scalar(sa.select(sa.func.count(Attendee.id)).where(
        Attendee.checked_in_at.is_not(None)))
    attendees = sum(len(r.attendees) for r in past.registrations)
    assert 0 < checked < attendees  # someone stayed away
    assert count(sa.select(sa.func.count(MeetingRating.id))) >= 3
    assert count(sa.select(sa.func.count(EventPairing.id)).where(
        EventPairing.event_id == past.id)) >= 1
    assert past.minutes
    salon = db.session.scalar(sa.select(Event).where(Event.kind == "salon"))
    assert salon.registration_opens_at < utcnow() < salon.registration_closes_at


def test_departments_name_their_source_document_by_title(ctx):
    department = db.session.scalar(sa.select(Organization).where(
        Organization.name == "红谷滩区科学技术和经济信息化局"))
    assert department.description == (
        "来源：《红谷滩区深入推进数字经济“一号发展工程” 全力打造全省数字经济创新发展高地行动方案》")
    assert not db.session.scalar(sa.select(sa.func.count(Organization.id)).where(
        Organization.description.contains("seed 0")))
