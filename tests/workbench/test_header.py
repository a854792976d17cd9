"""The header's 工作台 and 通知 numbers are kept in the session for HEADER_COUNTS_SECONDS:
the user's own changes show at once, others' once that time has passed, and the pages
that list what they count always count afresh (workbench.header)."""
import pytest

from marketplace.extensions import db
from marketplace.notifications.services import notify
from marketplace.workbench import header
from tests.workbench.test_views import html_of

WORKBENCH_LINK = 'class="user-menu__workbench"'


def shown(client, url: str, link: str, name: str) -> str:
    """A header link's text after its name: " (n)" or nothing."""
    html = html_of(client.get(url))
    start = html.index(f">{name}", html.index(link)) + len(name) + 1
    return html[start:html.index("<", start)]


def pending_shown(client, url: str = "/events/") -> str:
    return shown(client, url, WORKBENCH_LINK, "工作台")


def unread_shown(client, url: str = "/events/") -> str:
    return shown(client, url, 'class="user-menu__notifications"', "通知")


def age_kept_counts(client, seconds: int) -> None:
    with client.session_transaction() as session:
        user_id, pending, unread, counted_at = session[header.KEPT]
        session[header.KEPT] = [user_id, pending, unread, counted_at - seconds]


@pytest.fixture
def department(make):
    department = make.org("department")
    make.opportunity(department, "draft")
    return department


def test_what_others_change_shows_once_the_kept_numbers_expire(
        client, make, login_as, department, app):
    login_as(department.users[0])
    assert pending_shown(client) == " (1)"
    make.opportunity(department, "returned")  # as a reviewer's return would
    assert pending_shown(client) == " (1)"  # kept
    age_kept_counts(client, app.config["HEADER_COUNTS_SECONDS"] - 2)
    assert pending_shown(client, "/opportunities/") == " (1)"
    age_kept_counts(client, 2)
    assert pending_shown(client) == " (2)"


def test_the_users_own_change_shows_on_the_next_page(client, make, login_as):
    department = make.org("department")
    draft = make.opportunity(department, "draft")
    login_as(department.users[0])
    assert pending_shown(client) == " (1)"
    response = client.post(f"/opportunities/{draft.id}/submit")
    assert response.status_code == 302
    assert pending_shown(client) == ""


def test_the_workbench_and_notifications_pages_count_afresh(
        client, make, login_as, department):
    user = department.users[0]
    login_as(user)
    assert pending_shown(client) == " (1)"
    returned = make.opportunity(department, "returned")
    assert pending_shown(client, "/workbench") == " (2)"
    assert pending_shown(client) == " (2)"  # and kept from there
    assert unread_shown(client) == " (1)"  # the return's notification
    notify("listing_approved", [user], item=returned)
    db.session.commit()
    assert unread_shown(client) == " (1)"
    assert unread_shown(client, "/notifications") == " (2)"
    assert unread_shown(client) == " (2)"


def test_nothing_is_kept_when_the_time_is_zero(client, make, login_as, department, app,
                                               monkeypatch):
    monkeypatch.setitem(app.config, "HEADER_COUNTS_SECONDS", 0)
    login_as(department.users[0])
    assert pending_shown(client) == " (1)"
    with client.session_transaction() as session:
        assert header.KEPT not in session
    make.opportunity(department, "returned")
    assert pending_shown(client) == " (2)"


@pytest.mark.parametrize("kept", [
    "junk", [1, 2, 3], [None, 0, 0, 0], "user of another", "from the future"])
def test_a_kept_value_not_this_users_or_not_sound_is_counted_afresh(
        client, make, login_as, department, kept):
    user = department.users[0]
    login_as(user)
    pending_shown(client)
    with client.session_transaction() as session:
        stored = session[header.KEPT]
        if kept == "user of another":
            kept = [user.id + 1, 7, 7, stored[3]]
        elif kept == "from the future":
            kept = [user.id, 7, 7, stored[3] + 3600]
        session[header.KEPT] = kept
    assert pending_shown(client) == " (1)"
