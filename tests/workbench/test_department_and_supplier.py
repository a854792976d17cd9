"""The workbench of an organization's users: a department's drafts, questions, proposals
to decide on, pairings and deadlines; an enterprise's recommended opportunities,
proposals, pairings and events. Each section lists the organization's own things only,
and the header's number counts what waits (not the informational sections)."""
from datetime import timedelta

import pytest

from marketplace.db import beijing_today
from marketplace.events import services as events
from marketplace.matching import signing
from marketplace.proposals import services as proposals
from marketplace.workbench import queries
from marketplace.workbench.queries import Section
from tests.search.test_recommend import parking_pair


def by_key(user) -> dict[str, Section]:
    return {section.key: section for section in queries.sections(user)}


def ids(section: Section) -> list[int]:
    return [item.id for item in section.items]


@pytest.fixture
def departments(make):
    """A department of 红谷滩区 (the one watched) and another department."""
    return make.org("department"), make.org("department", region="360103")


# --- a department ---------------------------------------------------------------------
def test_drafts_and_returned_opportunities_returned_first(ctx, make, departments):
    mine, other = departments
    draft = make.opportunity(mine, title="停车诱导草稿")
    returned = make.opportunity(mine, "returned", title="停车诱导退回")
    make.opportunity(mine, "submitted")
    make.opportunity(mine, "published")
    make.opportunity(other, "draft")
    section = by_key(mine.users[0])["unfinished_opportunity"]
    assert ids(section) == [returned.id, draft.id]
    assert section.count == section.pending == 2


def test_questions_to_answer_of_its_own_published_opportunities(ctx, make, departments):
    mine, other = departments
    supplier = make.org()
    need, elsewhere = make.opportunity(mine, "published"), make.opportunity(other, "published")
    open_question = make.question(need, supplier, "是否接受联合体？")
    make.question(need, supplier, "预算含运维吗？", answer="含三年运维。")
    theirs = make.question(elsewhere, supplier)
    section = by_key(mine.users[0])["questions"]
    assert ids(section) == [open_question.id] and section.pending == 1
    assert ids(by_key(other.users[0])["questions"]) == [theirs.id]


def test_proposals_to_decide_on_are_sent_or_shortlisted_ones(ctx, make, departments):
    mine, other = departments
    need, elsewhere = make.opportunity(mine, "published"), make.opportunity(other, "published")
    sent = make.proposal(need, make.org(), "submitted")
    shortlisted = make.proposal(need, make.org(), "shortlisted")
    make.proposal(need, make.org(), "draft")             # not sent: the department cannot see it
    make.proposal(need, make.org(), "not_selected")      # decided
    make.proposal(elsewhere, make.org(), "submitted")    # another department's to decide
    section = by_key(mine.users[0])["undecided"]
    assert ids(section) == [sent.id, shortlisted.id] and section.pending == 2


def test_pairings_under_way_on_either_side(ctx, make, departments):
    mine, other = departments
    supplier = make.org()
    need = make.opportunity(mine, "published")
    negotiating = make.pairing(need, supplier, "negotiating")
    make.pairing(need, make.org(), "delivered")
    make.pairing(need, make.org(), "terminated")
    make.pairing(make.opportunity(other, "published"), make.org(), "contacted")
    assert ids(by_key(mine.users[0])["pairings"]) == [negotiating.id]
    assert ids(by_key(supplier.users[0])["pairings"]) == [negotiating.id]


def test_deadlines_this_week_are_shown_but_not_counted_as_waiting(ctx, make, departments):
    mine, other = departments
    today = beijing_today()
    soon = make.opportunity(mine, "published", deadline=(today + timedelta(days=3)).isoformat())
    make.opportunity(mine, "published", deadline=(today + timedelta(days=7)).isoformat())
    make.opportunity(other, "published", deadline=(today + timedelta(days=2)).isoformat())
    head = mine.users[0]
    section = by_key(head)["deadlines"]
    assert ids(section) == [soon.id] and section.count == 1 and section.pending == 0
    assert queries.header_counts(head).pending == 0


def test_header_number_is_the_sum_of_what_waits(ctx, make, departments):
    mine, _ = departments
    need = make.opportunity(mine, "published",
                            deadline=(beijing_today() + timedelta(days=1)).isoformat())
    make.opportunity(mine, "returned")
    make.question(need, make.org())
    make.proposal(need, make.org(), "submitted")
    make.pairing(need, make.org(), "contacted")
    head = mine.users[0]
    assert queries.header_counts(head).pending == 4
    assert sum(s.pending for s in queries.sections(head)) == 4


def test_a_department_has_no_supplier_sections(ctx, make, departments):
    assert set(by_key(departments[0].users[0])) == {
        "unfinished_opportunity", "questions", "undecided", "deadlines", "signings", "pairings",
        "events"}


# --- an enterprise --------------------------------------------------------------------
def test_new_opportunities_recommended_for_its_products(ctx, make, index, sync):
    need, answer = parking_pair(make)
    rival = make.org()
    sync()
    enterprise = answer.organization.users[0]
    section = by_key(enterprise)["recommended"]
    [(opportunity, recommendations)] = section.items
    assert opportunity.id == need.id and [r.product_id for r in recommendations] == [answer.id]
    assert section.pending == 1 and queries.header_counts(enterprise).pending == 1
    assert by_key(rival.users[0])["recommended"].items == []
    # Once answered (a proposal, even a draft) it no longer waits as a recommendation.
    proposals.create_proposal(enterprise, need, make.proposal_data())
    assert by_key(enterprise)["recommended"].items == []


def test_proposals_and_their_state_drafts_first_without_withdrawn(ctx, make):
    department, enterprise = make.org("department"), make.org()
    first, second, third = (make.opportunity(department, "published") for _ in range(3))
    sent = make.proposal(first, enterprise, "submitted")
    draft = make.proposal(second, enterprise, "draft")
    make.proposal(third, enterprise, "withdrawn")
    make.proposal(first, make.org(), "submitted")       # another enterprise's
    section = by_key(enterprise.users[0])["proposals"]
    assert ids(section) == [draft.id, sent.id]
    assert section.count == 2 and section.pending == 1   # the draft waits to be sent


def test_upcoming_events_it_registered_for(ctx, make):
    enterprise, other = make.org(), make.org()
    coming, past, cancelled = make.event(), make.event(title="已结束的沙龙"), make.event()
    registration = make.registration(coming, enterprise)
    make.registration(past, enterprise)
    make.age_event(past, days=20)
    events.cancel(enterprise.users[0], make.registration(cancelled, enterprise))
    make.registration(coming, other)
    section = by_key(enterprise.users[0])["events"]
    assert ids(section) == [registration.id] and section.pending == 0


def test_unverified_organization_has_no_sections(ctx, make):
    pending = make.org(status="pending")
    assert queries.sections(pending.users[0]) == []
    assert queries.header_counts(pending.users[0]).pending == 0


def test_a_signing_the_other_side_recorded_waits_for_confirmation(ctx, make, departments):
    department, _ = departments
    supplier = make.org()
    match = make.pairing(make.opportunity(department, "published"), supplier, "negotiating")
    assert not by_key(supplier.users[0])["signings"].items
    signing.record(department.users[0], match, {
        "contract_date": beijing_today().isoformat(), "contract_amount_wan": "120"})
    waiting = by_key(supplier.users[0])["signings"]
    assert ids(waiting) == [match.id] and waiting.pending == 1
    assert not by_key(department.users[0])["signings"].items  # the recorder waits, not acts
    assert queries.header_counts(supplier.users[0]).pending >= 1
