"""Reminders: outcome after N days, stale pairings, deadlines approaching; throttling."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.db import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.reminders import queries
from marketplace.reminders.models import ReminderLog
from marketplace.reminders.services import send_reminders
from tests.notifications.conftest import clear_messages, inbox, outbox

TODAY = beijing_today()


@pytest.fixture
def days(app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTCOME_REMINDER_DAYS", 28)
    monkeypatch.setitem(app.config, "STALE_MATCH_DAYS", 30)
    monkeypatch.setitem(app.config, "DEADLINE_REMINDER_DAYS", 3)


def _age_logs(days_ago: int) -> None:
    db.session.execute(sa.update(ReminderLog).values(
        sent_at=utcnow() - timedelta(days=days_ago)))


# --- outcomes ----------------------------------------------------------------------------
def test_outcome_reminder_after_the_configured_days(world, make, days):
    colleague = make.member(world.department)
    second = make.opportunity(world.department, "published", title="第二条逾期机会")
    recent = make.opportunity(world.department, "published", title="刚截止的机会")
    clear_messages()
    world.opportunity.deadline = TODAY - timedelta(days=28)
    second.deadline = TODAY - timedelta(days=60)
    recent.deadline = TODAY - timedelta(days=27)

    assert queries.overdue_outcomes() == [second, world.opportunity]
    result = send_reminders()
    assert result.outcome == 2
    for user in (world.dept_user, colleague):
        [note] = inbox(user, "reminder")  # one message listing both
        assert note.title == "请登记 2 条已截止机会的对接结果"
        assert "第二条逾期机会" in note.body and world.opportunity.title in note.body
        assert "刚截止的机会" not in note.body and note.link == "/opportunities/mine"
    assert len(outbox()) == 2
    assert inbox(world.ent_user) == []


def test_outcome_reminder_is_not_repeated_within_the_interval(world, days):
    world.opportunity.deadline = TODAY - timedelta(days=40)
    assert send_reminders().outcome == 1
    clear_messages()
    assert send_reminders().outcome == 0  # the next day's run
    _age_logs(27)
    assert send_reminders().outcome == 0
    _age_logs(29)
    assert send_reminders().outcome == 1  # still no outcome a full interval later
    assert len(inbox(world.dept_user, "reminder")) == 1


def test_closed_opportunities_need_no_outcome_reminder(world, make, days):
    closed = make.opportunity(world.department, "closed")
    closed.deadline = TODAY - timedelta(days=60)
    assert queries.overdue_outcomes() == [] and send_reminders().outcome == 0


def test_interval_is_configurable(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTCOME_REMINDER_DAYS", 7)
    world.opportunity.deadline = TODAY - timedelta(days=8)
    assert send_reminders().outcome == 1


# --- stale pairings ----------------------------------------------------------------------
def test_stale_match_reminds_both_sides(world, make, days):
    stale = make.pairing(world.opportunity, world.enterprise, "negotiating", changed_days_ago=31)
    other = make.org("enterprise")
    make.pairing(world.opportunity, other, "contacted", changed_days_ago=5)  # moving along
    done = make.org("enterprise")
    make.pairing(world.opportunity, done, "delivered", changed_days_ago=90)
    ended = make.org("enterprise")
    make.pairing(world.opportunity, ended, "terminated", changed_days_ago=90)
    clear_messages()

    assert queries.stale_matches() == [stale]
    assert send_reminders().stale_match == 1
    for user in (world.dept_user, world.ent_user):
        [note] = inbox(user, "reminder")
        assert note.title == "1 个对接已超过 30 天没有进展"
        assert note.link == f"/matches/{stale.id}"
    for org in (other, done, ended):
        assert inbox(org.users[0]) == []
    clear_messages()
    assert send_reminders().stale_match == 0  # throttled
    _age_logs(31)
    assert send_reminders().stale_match == 1


def test_stale_matches_grouped_per_organization(world, make, days):
    second = make.opportunity(world.department, "published", title="第二个机会")
    make.pairing(world.opportunity, world.enterprise, "contacted", changed_days_ago=40)
    make.pairing(second, world.enterprise, "signed", changed_days_ago=45)
    clear_messages()
    send_reminders()
    [note] = inbox(world.ent_user, "reminder")
    assert note.title.startswith("2 个对接") and note.link == "/matches/"


# --- deadlines ---------------------------------------------------------------------------
def test_deadline_approaching_for_draft_proposals_once(world, make, days):
    world.opportunity.deadline = TODAY + timedelta(days=2)
    drafting = make.org("institute")
    make.proposal(world.opportunity, world.enterprise, "draft")
    make.proposal(world.opportunity, drafting, "submitted")  # already in
    later = make.opportunity(world.department, "published", title="下个月截止")
    later.deadline = TODAY + timedelta(days=20)
    third = make.org("enterprise")
    make.proposal(later, third, "draft")
    clear_messages()

    assert send_reminders().deadline == 1
    [note] = inbox(world.ent_user, "deadline_approaching")
    assert "还有 2 天截止" in note.title and note.link == f"/opportunities/{world.opportunity.id}"
    assert inbox(drafting.users[0]) == [] and inbox(third.users[0]) == []
    assert send_reminders().deadline == 0  # once per proposal, ever
    assert len(inbox(world.ent_user, "deadline_approaching")) == 1


def test_deadline_today_counts_and_past_deadlines_do_not(world, make, days):
    world.opportunity.deadline = TODAY
    make.proposal(world.opportunity, world.enterprise, "draft")
    expired = make.opportunity(world.department, "published", title="已过截止")
    other = make.org("enterprise")
    make.proposal(expired, other, "draft")  # drafted while it was open
    expired.deadline = TODAY - timedelta(days=1)
    clear_messages()
    assert send_reminders().deadline == 1
    assert "今天截止" in inbox(world.ent_user)[0].title


def test_cli_reminders(world, app, days):
    world.opportunity.deadline = TODAY - timedelta(days=30)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["notify", "reminders"])
    assert result.exit_code == 0, result.output
    assert "结果登记提醒 1 条机会" in result.output


# --- the page and its button -------------------------------------------------------------
def test_page_speaks_words_not_commands(world, client, make, login_as, days):
    login_as(make.admin())
    html = client.get("/admin/reminders").get_data(as_text=True)
    assert "flask" not in html and "<code>" not in html
    assert "系统每天自动向相关单位发送一次提醒" in html and "立即发送提醒" in html


def test_button_sends_the_reminders_once_and_audits_it(world, client, make, login_as, days):
    world.opportunity.deadline = TODAY - timedelta(days=30)
    admin = make.admin()
    login_as(admin)
    clear_messages()
    response = client.post("/admin/reminders/send", follow_redirects=True)
    assert "提醒已发送：结果登记提醒 1 条机会" in response.get_data(as_text=True)
    assert len(inbox(world.dept_user, "reminder")) == 1
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "reminders.send"))
    assert entry.actor_id == admin.id and entry.after["outcome"] == 1
    client.post("/admin/reminders/send")  # again: nothing is reminded twice
    assert len(inbox(world.dept_user, "reminder")) == 1
