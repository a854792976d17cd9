"""The asking organization sees its own questions, answered or still waiting (on the
opportunity's page and in 我的提问); the public and other organizations see only the
answered ones."""
import pytest

from marketplace.proposals import queries


@pytest.fixture
def asked(make):
    department, asker, other = make.org(kind="department"), make.org(), make.org()
    opportunity = make.opportunity(department, status="published", title="路内停车改造")
    waiting = make.question(opportunity, asker, "能否分期交付？")
    make.question(opportunity, other, "是否接受联合体？", answer="接受。")
    return opportunity, asker, other, waiting


def test_asker_sees_its_waiting_question_marked_on_the_opportunity(client, login_as, asked):
    opportunity, asker, _, _ = asked
    login_as(asker.users[0])
    html = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "能否分期交付？" in html and "待答复" in html and "本单位的提问" in html
    assert "是否接受联合体？" in html  # answered ones stay public


def test_others_and_the_public_do_not_see_a_waiting_question(client, login_as, make, asked):
    opportunity, _, other, _ = asked
    assert "能否分期交付？" not in client.get(
        f"/opportunities/{opportunity.id}").get_data(as_text=True)
    login_as(other.users[0])
    html = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "能否分期交付？" not in html and "是否接受联合体？" in html
    assert "能否分期交付？" not in client.get("/questions/mine").get_data(as_text=True)


def test_my_questions_lists_waiting_and_answered_ones_from_the_account_menu(
        client, login_as, make, asked):
    opportunity, asker, other, waiting = asked
    make.question(opportunity, asker, "质保期多长？", answer="三年。")
    login_as(make.member(asker))  # a colleague: the organization's questions
    home = client.get("/").get_data(as_text=True)
    assert 'href="/questions/mine"' in home.split('class="user-menu"', 1)[1].split("</div>")[0]
    html = client.get("/questions/mine").get_data(as_text=True)
    assert html.index("质保期多长？") < html.index("能否分期交付？")  # newest first
    assert "待答复" in html and "已答复" in html and "三年。" in html and "路内停车改造" in html
    assert "是否接受联合体？" not in html
    assert [q.id for q in queries.asked_by(asker.id)][-1] == waiting.id


def test_admins_ask_nothing_and_have_no_question_list(client, login_as, make):
    login_as(make.admin())
    assert client.get("/questions/mine").status_code == 403
    assert 'href="/questions/mine"' not in client.get("/").get_data(as_text=True)
