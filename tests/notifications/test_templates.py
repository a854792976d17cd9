"""Every event's template renders Chinese text from realistic context, and notify()
writes the in-app notification and the outbox e-mail."""
import re
from datetime import timedelta

import pytest

from marketplace.db import beijing_today
from marketplace.extensions import db
from marketplace.matching.pairings import advance
from marketplace.notifications.models import EVENTS
from marketplace.notifications.services import notify
from tests.notifications.conftest import clear_messages, inbox, outbox

HAN = re.compile(r"[\u4e00-\u9fff]")


def _listing_returned(w):
    w.opportunity.return_reason = "请补充预算明细"
    return w.dept_user, {"item": w.opportunity}, ["被退回", "请补充预算明细", "智慧停车"]


def _listing_approved(w):
    return w.ent_user, {"item": w.product}, ["已通过审核", "产品", "城市级智慧停车管理平台"]


def _listing_published(w):
    return (w.dept_user, {"item": w.opportunity},
            ["已公开发布", w.opportunity.public_number, "推荐可能对接的产品"])


def _question_asked(w):
    return (w.dept_user, {"question": w.make.question(w.opportunity, w.enterprise),
                          "opportunity": w.opportunity},
            ["收到新的提问", "停车场数据接口采用什么协议"])


def _question_answered(w):
    question = w.make.question(w.opportunity, w.enterprise, answer="采用 HTTPS + JSON 接口，详见附件。")
    return (w.ent_user, {"question": question, "opportunity": w.opportunity},
            ["得到答复", "问：停车场数据接口", "答：采用 HTTPS"])


def _proposal_submitted(w):
    proposal = w.make.proposal(w.opportunity, w.enterprise, "submitted")
    return (w.dept_user, {"proposal": proposal, "opportunity": w.opportunity},
            ["收到新的揭榜方案", "江西云数科技有限公司", "280 万元", "泊位感知方案"])


def _proposal_decided(w):
    proposal = w.make.proposal(w.opportunity, w.enterprise, "not_selected", reason="报价超出预算")
    return (w.ent_user, {"proposal": proposal, "opportunity": w.opportunity},
            ["未入选", "原因：报价超出预算"])


def _match_stage_changed(w):
    match = w.make.pairing(w.opportunity, w.enterprise, "signed", contract_amount_wan="250")
    return (w.dept_user, {"match": match},
            ["进入「已签约」", "江西云数科技有限公司", "合同金额：250 万元"])


def _signing_awaiting_confirmation(w):
    match = w.make.pairing(w.opportunity, w.enterprise, "signing", contract_amount_wan="250")
    return (w.ent_user, {"match": match, "recorder": w.department},
            ["签约待确认", "南昌市红谷滩区数据局登记了", "合同金额：250 万元", "提出异议"])


def _signing_disputed(w):
    match = w.make.pairing(w.opportunity, w.enterprise, "negotiating")
    return (w.dept_user, {"match": match, "reason": "金额应为 230 万元",
                          "disputer": w.enterprise},
            ["签约登记有异议", "江西云数科技有限公司提出了异议", "异议原因：金额应为 230 万元",
             "退回“洽谈中”"])


def _deadline_approaching(w):
    w.opportunity.deadline = beijing_today() + timedelta(days=2)
    return (w.ent_user, {"opportunity": w.opportunity, "days": 2},
            ["还有 2 天截止", "仍是草稿"])


def _reminder(w):
    w.opportunity.deadline = beijing_today() - timedelta(days=30)
    return (w.dept_user, {"kind": "outcome", "items": [w.opportunity], "days": 28},
            ["请登记 1 条已截止机会的对接结果", w.opportunity.public_number, "超过 28 天",
             f"/opportunities/{w.opportunity.id}"])


def _digest(w):
    from marketplace.notifications.models import Subscription

    sub = Subscription(user_id=w.ent_user.id, frequency="weekly")
    return (w.ent_user, {"opportunities": [w.opportunity], "subscription": sub},
            ["每周新机会摘要：1 条", w.opportunity.title, "南昌市红谷滩区数据局",
             "300 万元", f"/opportunities/{w.opportunity.id}", "/settings/subscription"])


def _registration_changed(w):
    event = w.make.event(kind="salon", title="元宇宙场景沙龙")
    registration = w.make.registration(event, w.enterprise, names=("张三", "李四"),
                                       user=w.ent_user)
    return (w.ent_user, {"registration": registration, "event": event, "action": "create"},
            ["报名已提交", "「元宇宙场景沙龙」", "场景沙龙", "已确认", "张三、李四"])


def _meeting_request(w, status="pending"):
    from marketplace.events.models import MeetingRequest
    event = w.make.event(title="数字经济供需对接会")
    sender = w.make.registration(event, w.enterprise)
    recipient = w.make.registration(event, w.department)
    request = MeetingRequest(event_id=event.id, sender_id=sender.id, recipient_id=recipient.id,
                             reason="介绍泊位感知方案", status=status)
    return event, request


def _meeting_requested(w):
    event, request = _meeting_request(w)
    return (w.dept_user, {"request": request, "event": event, "sender": w.enterprise,
                          "recipient": w.department},
            ["江西云数科技有限公司", "数字经济供需对接会", "约见事由：介绍泊位感知方案"])


def _meeting_request_answered(w):
    event, request = _meeting_request(w, "accepted")
    return (w.ent_user, {"request": request, "event": event, "sender": w.enterprise,
                         "recipient": w.department},
            ["南昌市红谷滩区数据局」已接受", "优先安排"])


def _schedule_published(w):
    from marketplace.events.models import Registration
    event, request = _meeting_request(w)
    registration = db.session.get(Registration, request.sender_id)
    return (w.ent_user, {"event": event, "stage": "最终日程", "change": "",
                         "registration": registration},
            ["数字经济供需对接会发布了最终日程", "江西云数科技有限公司", ".ics"])


CASES = {
    "registration_changed": _registration_changed,
    "listing_returned": _listing_returned, "listing_approved": _listing_approved,
    "listing_published": _listing_published, "question_asked": _question_asked,
    "question_answered": _question_answered, "proposal_submitted": _proposal_submitted,
    "proposal_decided": _proposal_decided, "match_stage_changed": _match_stage_changed,
    "signing_awaiting_confirmation": _signing_awaiting_confirmation,
    "signing_disputed": _signing_disputed,
    "deadline_approaching": _deadline_approaching, "reminder": _reminder,
    "digest": _digest, "meeting_requested": _meeting_requested,
    "meeting_request_answered": _meeting_request_answered,
    "schedule_published": _schedule_published,
}


def test_every_event_has_a_case():
    assert set(CASES) == set(EVENTS)


def _assert_clean(text: str):
    assert HAN.search(text)
    for leak in ("None", "Undefined", "{{", "{%", "\n\n\n"):
        assert leak not in text, (leak, text)


@pytest.mark.parametrize("event", sorted(CASES))
def test_notify_renders_chinese_notification_and_email(world, event):
    user, context, expected = CASES[event](world)
    clear_messages()  # what arranging the case sent
    assert notify(event, [user], link="/notifications", **context) == 1

    [note] = inbox(user, event)
    [mail] = outbox(user)
    assert mail.subject == f"【场景对接平台】{note.title}"
    assert mail.body == note.body and mail.to_address == user.email
    assert mail.sent_at is None and mail.attempts == 0
    text = f"{note.title}\n{note.body}"
    _assert_clean(text)
    assert "\n" not in note.title
    assert note.body.startswith(f"{user.name}，您好：")
    for fragment in expected:
        assert fragment in text, (fragment, text)
    # Ends with the link, then the footer saying where e-mail is switched off.
    assert "查看详情：http://127.0.0.1:5000/notifications" in note.body
    assert note.body.rstrip().endswith("http://127.0.0.1:5000/settings/notifications")
    assert "通知设置" in note.body.splitlines()[-1]


@pytest.mark.parametrize("event", sorted(CASES))
def test_no_link_no_url_line(world, event):
    user, context, _ = CASES[event](world)
    clear_messages()
    notify(event, [user], **context)
    [note] = inbox(user, event)
    assert "查看详情" not in note.body and note.link == ""
    _assert_clean(note.body)


@pytest.mark.parametrize("status, expected", [
    ("shortlisted", "已入围"), ("selected", "已被发布单位选定"), ("not_selected", "未入选")])
def test_proposal_decided_wording_per_status(world, status, expected):
    proposal = world.make.proposal(world.opportunity, world.enterprise, status)
    # The service requires a reason to decline; the template must still read well without
    # one (a blank reason), so that branch is checked on a reason blanked here.
    proposal.decline_reason = ""
    clear_messages()
    notify("proposal_decided", [world.ent_user], proposal=proposal,
           opportunity=world.opportunity)
    [note] = inbox(world.ent_user)
    assert expected in note.body and proposal.status_label in note.title
    assert "原因" not in note.body  # no decline reason given


def test_stale_match_reminder_and_terminated_stage(world):
    match = world.make.pairing(world.opportunity, world.enterprise, "contacted",
                               changed_days_ago=40)
    clear_messages()
    notify("reminder", [world.dept_user], kind="stale_match", items=[match], days=30)
    [note] = inbox(world.dept_user)
    assert note.title == "1 个对接已超过 30 天没有进展"
    assert "当前「已对接」" in note.body and f"/matches/{match.id}" in note.body
    advance(world.dept_user, match, "terminated", {"termination_reason": "需求已取消"})
    clear_messages()  # advance told the enterprise already; render it once more here
    notify("match_stage_changed", [world.ent_user], match=match)
    [note] = inbox(world.ent_user)
    assert "终止原因：需求已取消" in note.body


def test_deadline_today_wording(world):
    world.opportunity.deadline = beijing_today()
    notify("deadline_approaching", [world.ent_user], opportunity=world.opportunity, days=0)
    assert "揭榜今天截止" in inbox(world.ent_user)[0].title


def test_notify_each_active_user_once(world, make):
    colleague = make.member(world.enterprise)
    retired = make.member(world.enterprise)
    retired.active = False
    count = notify("listing_approved", [world.ent_user, colleague, world.ent_user, retired,
                                        None], item=world.product)
    assert count == 2
    assert {m.user_id for m in outbox()} == {world.ent_user.id, colleague.id}


def test_unknown_event_is_a_programming_error(world):
    with pytest.raises(ValueError):
        notify("no_such_event", [world.ent_user])
    db.session.rollback()
