"""The workbench page and the header's 工作台 link: where users land after login, what the
page links to, what an empty section says, and who is sent to the login page."""
from urllib.parse import urlparse

from tests.factories import PASSWORD
from tests.workbench.test_administrators import undeliverable


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_login_lands_on_the_workbench_unless_a_safe_next_says_otherwise(client, make):
    user = make.org().users[0]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/workbench"
    assert client.get("/login").headers["Location"] == "/workbench"  # already signed in
    client.post("/logout")
    response = client.post("/login?next=/events/", data={"email": user.email,
                                                         "password": PASSWORD})
    assert response.headers["Location"] == "/events/"


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/workbench")
    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    assert location.path == "/login" and "next=%2Fworkbench" in location.query


def test_department_page_links_to_where_the_work_is_done(client, make, login_as):
    department = make.org("department")
    need = make.opportunity(department, "published")
    returned = make.opportunity(department, "returned", title="退回待改的停车诱导")
    question = make.question(need, make.org(), "数据接口采用什么协议？")
    proposal = make.proposal(need, make.org(), "submitted")
    login_as(department.users[0])
    html = html_of(client.get("/workbench"))
    assert "<h1>工作台</h1>" in html and "共 <strong>3</strong> 项待办" in html
    assert f'href="/opportunities/{returned.id}"' in html and "退回原因：请补充预算明细" in html
    assert f'href="/opportunities/{need.id}#questions"' in html and question.text in html
    assert f'href="/opportunities/{need.id}/proposals"' in html
    assert f"{proposal.organization.name}的方案" in html
    assert "没有进行中的对接。" in html and "7 天内没有揭榜截止的机会。" in html
    assert "为本单位产品推荐的新机会" not in html  # a supplier's section


def test_header_link_carries_the_pending_count_on_every_page(client, make, login_as):
    department = make.org("department")
    make.opportunity(department, "draft")
    make.opportunity(department, "returned")
    login_as(department.users[0])
    html = html_of(client.get("/opportunities/"))
    assert '<a href="/workbench" class="user-menu__workbench">工作台 (2)' in html
    assert "工作台 (2)" in html_of(client.get("/events/"))


def test_header_link_without_a_number_when_nothing_waits(client, make, login_as):
    login_as(make.org().users[0])
    html = html_of(client.get("/workbench"))
    assert 'aria-current="page">工作台</a>' in html and "暂无待办事项" in html


def test_enterprise_page_shows_its_proposals_and_events(client, make, login_as):
    department, enterprise = make.org("department"), make.org()
    proposal = make.proposal(make.opportunity(department, "published"), enterprise, "draft")
    event = make.event(title="智慧城市场景沙龙")
    make.registration(event, enterprise)
    login_as(enterprise.users[0])
    html = html_of(client.get("/workbench"))
    assert f'href="/proposals/{proposal.id}"' in html and "草稿" in html
    assert f'href="/events/{event.id}"' in html and "智慧城市场景沙龙" in html
    assert "近 30 天没有为本单位产品推荐的新机会。" in html


def test_unverified_organization_is_told_why_its_workbench_is_empty(client, make, login_as):
    login_as(make.org(status="pending").users[0])
    html = html_of(client.get("/workbench"))
    assert "单位通过认证后" in html and "work-section" not in html


def test_platform_admin_page(client, make, login_as):
    department = make.org("department")
    item = make.opportunity(department, "submitted")
    message = undeliverable(department.users[0], make.opportunity(department, "published"))
    login_as(make.admin())
    html = html_of(client.get("/workbench"))
    assert f'href="/admin/review/opportunity/{item.id}"' in html
    assert message.subject in html and 'href="/admin/reminders#mail-title"' in html
    assert "没有长期无进展的对接。" in html and "进度落后的十百千目标" in html


def test_region_admin_page_has_no_platform_sections(client, make, login_as):
    here = make.opportunity(make.org("department"), "submitted", region_code="360113")
    there = make.opportunity(make.org("department"), "submitted", region_code="360103")
    login_as(make.region_admin("360113"))
    html = html_of(client.get("/workbench"))
    assert f"/admin/review/opportunity/{here.id}" in html
    assert f"/admin/review/opportunity/{there.id}" not in html
    assert "无法投递的邮件" not in html and "长期无进展的对接" not in html
    assert "/admin/reminders" not in html  # a page it may not open is not linked
