"""Meeting requests and the pair scores from stored recommendations (real database)."""
import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.events import meeting_queries as queries
from marketplace.events import meetings
from marketplace.events.models import MeetingRequest
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests.events.meeting_world import Fair, recommend


def ask(fair, sender, recipient, reason="想了解停车平台的部署方案"):
    request = meetings.request_meeting(fair.user(sender), sender,
                                       {"recipient_id": str(recipient.id), "reason": reason})
    db.session.commit()
    return request


def requests_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(MeetingRequest.id)))


def notes_of(user, event: str) -> list[Notification]:
    return db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.event == event)).all()


# --- scores ------------------------------------------------------------------------------
def test_pair_score_is_the_best_recommendation_between_what_they_bring(make):
    fair = Fair(make, demand=1, supply=2, scores={(0, 0): 0.4})
    department, (first, second) = fair.departments[0], fair.enterprises
    better = make.listing("opportunity", department, "published", title="更匹配的需求")
    best = recommend(better, fair.products[0], 0.8, terms=("泊位", "诱导"))
    people = queries.participants(fair.event)
    recs = queries.pair_recommendations(people)
    d, s0, s1 = fair.demand[0].id, fair.supply[0].id, fair.supply[1].id
    # The department brought nothing: all its published opportunities stand for it.
    assert recs[(d, s0)].id == best.id and recs[(d, s0)].score == 0.8
    assert (d, s1) not in recs  # nothing recommended between them
    assert first and second


def test_what_a_registration_brings_narrows_its_pairs(make):
    fair = Fair(make, demand=1, supply=1, scores={(0, 0): 0.3})
    other = make.listing("opportunity", fair.departments[0], "published", title="另一需求")
    recommend(other, fair.products[0], 0.9)
    registration = fair.demand[0]
    registration.opportunities.append(fair.opportunities[0])  # it brings only this one
    db.session.commit()
    recs = queries.pair_recommendations(queries.participants(fair.event))
    assert recs[(registration.id, fair.supply[0].id)].score == 0.3


# --- requests ----------------------------------------------------------------------------
def test_request_notifies_the_recipient_and_is_audited(make):
    fair = Fair(make)
    request = ask(fair, fair.supply[0], fair.demand[0])
    assert request.status == "pending" and request.reason == "想了解停车平台的部署方案"
    head = fair.user(fair.demand[0])
    [note] = notes_of(head, "meeting_requested")
    assert fair.enterprises[0].name in note.title and "想了解停车平台" in note.body
    assert note.link == f"/events/registrations/{fair.demand[0].id}/meetings"
    assert db.session.scalar(sa.select(AuditLog).where(
        AuditLog.action == "meeting_request.create", AuditLog.object_id == request.id))


@pytest.mark.parametrize("case, message", [
    ("self", "不能向本单位发起约见"), ("same_side", "只能约见需求方"),
    ("unknown", "请选择本次活动已确认参会的单位"), ("huge", "请选择本次活动已确认参会的单位"),
    ("no_reason", "请填写约见事由"), ("long_reason", "约见事由"),
])
def test_bad_requests_are_refused_with_a_chinese_message_at_the_field(make, case, message):
    fair = Fair(make)
    sender = fair.supply[0]
    recipient = {"self": sender.id, "same_side": fair.supply[1].id, "unknown": 0,
                 "huge": 10**30}.get(case, fair.demand[0].id)
    reason = {"no_reason": "  ", "long_reason": "事" * 201}.get(case, "事由")
    with pytest.raises(ValidationError) as error:
        meetings.request_meeting(fair.user(sender), sender,
                                 {"recipient_id": str(recipient), "reason": reason})
    db.session.rollback()
    assert message in error.value.message
    assert error.value.field in ("recipient_id", "reason")
    assert requests_count() == 0


def test_a_request_beyond_the_limit_is_refused_and_nothing_changes(make):
    fair = Fair(make, demand=3, supply=1, limit=2)
    sender = fair.supply[0]
    ask(fair, sender, fair.demand[0])
    ask(fair, sender, fair.demand[1])
    with pytest.raises(IllegalTransition, match="上限"):
        ask(fair, sender, fair.demand[2])
    db.session.rollback()
    assert requests_count() == 2


def test_accepting_beyond_ones_limit_is_refused(make):
    fair = Fair(make, demand=1, supply=2, limit=1)
    department = fair.demand[0]
    first = ask(fair, fair.supply[0], department)
    second = ask(fair, fair.supply[1], department)
    meetings.answer_request(fair.user(department), first, "accept")
    db.session.commit()
    with pytest.raises(IllegalTransition, match="上限"):
        meetings.answer_request(fair.user(department), second, "accept")
    db.session.rollback()
    assert db.session.get(MeetingRequest, second.id).status == "pending"


def test_duplicates_are_refused_and_asking_back_makes_a_mutual_request(make):
    fair = Fair(make)
    theirs = ask(fair, fair.supply[0], fair.demand[0])
    with pytest.raises(IllegalTransition, match="请等待对方回复"):
        ask(fair, fair.supply[0], fair.demand[0])
    db.session.rollback()
    ask(fair, fair.demand[0], fair.supply[0])  # both asked: mutual
    requests = queries.requests_of_event(fair.event)
    assert queries.must_have_pairs(requests, {fair.demand[0].id, fair.supply[0].id}) == [
        (fair.demand[0].id, fair.supply[0].id)]
    meetings.answer_request(fair.user(fair.supply[0]), requests[1], "accept")
    db.session.commit()
    with pytest.raises(IllegalTransition, match="双方会谈已约定"):
        meetings.withdraw(fair.user(fair.supply[0]), theirs)
        db.session.commit()
        ask(fair, fair.supply[0], fair.demand[0])
    db.session.rollback()
    assert requests_count() == 2


def test_answer_withdraw_and_ask_again(make):
    fair = Fair(make)
    sender, recipient = fair.supply[0], fair.demand[0]
    request = ask(fair, sender, recipient)
    meetings.withdraw(fair.user(sender), request)
    db.session.commit()
    assert request.status == "withdrawn"
    again = ask(fair, sender, recipient, "再次约见")
    assert again.id == request.id and again.status == "pending" and again.reason == "再次约见"
    meetings.answer_request(fair.user(recipient), again, "decline")
    db.session.commit()
    [note] = notes_of(fair.user(sender), "meeting_request_answered")
    assert "已谢绝" in note.title
    with pytest.raises(IllegalTransition, match="已谢绝"):
        ask(fair, sender, recipient)
    db.session.rollback()
    with pytest.raises(IllegalTransition):  # a declined request cannot be withdrawn
        meetings.withdraw(fair.user(sender), again)


def test_only_the_participants_own_users_act(make):
    fair = Fair(make)
    request = ask(fair, fair.supply[0], fair.demand[0])
    outsider = make.member(make.org("enterprise"))
    with pytest.raises(PermissionDenied):  # the sender cannot answer its own request
        meetings.answer_request(fair.user(fair.supply[0]), request, "accept")
    with pytest.raises(PermissionDenied):
        meetings.withdraw(fair.user(fair.demand[0]), request)
    with pytest.raises(PermissionDenied):  # organizers arrange, they do not ask
        meetings.request_meeting(fair.admin, fair.supply[1],
                                 {"recipient_id": str(fair.demand[0].id), "reason": "x"})
    with pytest.raises(PermissionDenied):
        meetings.request_meeting(outsider, fair.supply[1],
                                 {"recipient_id": str(fair.demand[0].id), "reason": "x"})
    db.session.rollback()
    assert requests_count() == 1


def test_no_requests_once_the_final_schedule_is_out(make):
    fair = Fair(make)
    fair.event.schedule_status = "final"
    db.session.commit()
    with pytest.raises(IllegalTransition, match="最终日程已发布"):
        ask(fair, fair.supply[0], fair.demand[0])
