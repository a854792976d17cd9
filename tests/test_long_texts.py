"""Long texts state their limit and are refused whole when over it: a Chinese message at
the field, nothing saved, nothing silently cut (no HTML maxlength on a long text, no
truncation in a service)."""
import re

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Organization
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.opportunities.models import Opportunity
from marketplace.proposals.models import Proposal, Question
from marketplace.releases import services as releases
from marketplace.releases.models import Release
from tests.factories import PASSWORD, valid_uscc


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_listing_form_states_limits_and_cuts_nothing(client, make, login_as):
    login_as(make.org(kind="department").users[0])
    html = client.get("/opportunities/new").get_data(as_text=True)
    description = re.search(r"<textarea[^>]*id=\"description\"[^>]*>", html).group(0)
    assert 'data-maxlength="10000"' in description and "maxlength=\"10000\"" not in \
        description.replace("data-maxlength", "")
    assert "description-limit" in description and "最多 10000 字" in html
    assert "最多 300 字" in html  # the summary too
    assert "js/textlimit.js" in html


def test_over_long_description_is_refused_at_its_field_and_nothing_saved(
        client, make, login_as):
    login_as(make.org(kind="department").users[0])
    before = _count(Opportunity)
    response = client.post("/opportunities/new", data=make.opportunity_data(
        description="停" * 10001))
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="description-error">([^<]+)</p>', html)
    assert error and error.group(1) == "详细描述不能超过 10000 个字（当前 10001 个）。"
    assert "停" * 10001 in html  # the text is given back whole, to be shortened
    assert _count(Opportunity) == before


def test_line_breaks_count_once_like_the_service_counts_them(client, make, login_as):
    login_as(make.org(kind="department").users[0])
    text = ("停" * 99 + "\r\n") * 100  # 10,000 characters once \r\n is one
    response = client.post("/opportunities/new", data=make.opportunity_data(
        title="换行计数", description=text.strip()))
    assert response.status_code == 302
    saved = db.session.scalar(sa.select(Opportunity).where(Opportunity.title == "换行计数"))
    assert len(saved.description) == 9999 and "\r" not in saved.description


@pytest.fixture
def call(make):
    department, enterprise = make.org(kind="department"), make.org()
    return make.opportunity(department, status="published"), enterprise


def test_over_long_proposal_is_refused_whole(client, make, login_as, call):
    opportunity, enterprise = call
    login_as(enterprise.users[0])
    response = client.post(f"/opportunities/{opportunity.id}/propose", data={
        "summary": "方案", "approach": "实" * 10001, "timeline": "90 天"})
    assert "实施方案不能超过 10000 个字（当前 10001 个）。" in response.get_data(as_text=True)
    assert _count(Proposal) == 0


def test_over_long_question_is_refused_with_a_message(client, make, login_as, call):
    opportunity, enterprise = call
    login_as(enterprise.users[0])
    response = client.post(f"/opportunities/{opportunity.id}/questions",
                           data={"text": "问" * 1001})
    html = response.get_data(as_text=True)
    assert response.status_code == 400  # the page again, the message at the question
    assert re.search(r'<p class="field-error" id="question-text-error">您的问题不能超过 1000 个字'
                     r"（当前 1001 个）。</p>", html)
    assert "问" * 1001 + "</textarea>" in html
    assert _count(Question) == 0


def test_over_long_answer_is_refused_at_its_question_and_nothing_saved(
        client, make, login_as, call):
    opportunity, enterprise = call
    question = make.question(opportunity, enterprise)
    other = make.question(opportunity, enterprise, text="是否支持国产数据库？")
    login_as(opportunity.organization.users[0])
    response = client.post(f"/questions/{question.id}/answer", data={"answer": "答" * 2001})
    html = response.get_data(as_text=True)
    assert response.status_code == 400  # the page again, the message under this answer
    assert re.search(rf'<p class="field-error" id="answer-{question.id}-error">答复不能超过 '
                     r"2000 个字（当前 2001 个）。</p>", html)
    assert "答" * 2001 + "</textarea>" in html
    assert f'id="answer-{other.id}-error"' not in html  # the other question's form is clean
    db.session.expire_all()
    assert question.answer == "" and not question.is_answered


def test_registration_description_is_refused_not_cut(client):
    response = client.post("/register", data={
        "name": "简介过长科技有限公司", "kind": "enterprise", "region_code": "360103",
        "uscc": valid_uscc(8555), "user_name": "张三", "email": "long@test.cn",
        "password": PASSWORD, "description": "简" * 2001})
    assert "单位简介不能超过 2000 个字" in response.get_data(as_text=True)
    assert not db.session.scalar(sa.select(Organization.id).where(
        Organization.name == "简介过长科技有限公司"))


def test_release_description_is_refused_by_the_service_not_cut(ctx, make):
    before = _count(Release)
    with pytest.raises(ValidationError) as refused:
        releases.create_release(make.admin(), {"year": "2026", "description": "说" * 2001})
    assert refused.value.field == "description" and "说明不能超过 2000 个字" in refused.value.message
    assert _count(Release) == before
