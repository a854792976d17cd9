import re

import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.extensions import db
from marketplace.opportunities.models import Opportunity
from marketplace.taxonomy.queries import field_by_name, tag_by_name


def test_public_list_shows_only_published_items(client, make):
    department = make.org(kind="department")
    published = make.opportunity(department, status="published", title="公开的停车项目")
    make.opportunity(department, status="approved", title="尚未发布DRAFTTOKEN")
    html = client.get("/opportunities/").get_data(as_text=True)
    assert "公开的停车项目" in html and published.public_number in html
    assert "DRAFTTOKEN" not in html


def test_unpublished_detail_is_hidden_from_others_but_not_the_owner(client, make, login_as):
    department = make.org(kind="department")
    draft = make.opportunity(department)
    assert client.get(f"/opportunities/{draft.id}").status_code == 404
    login_as(make.org(kind="department").users[0])
    assert client.get(f"/opportunities/{draft.id}").status_code == 404
    login_as(department.users[0])
    assert client.get(f"/opportunities/{draft.id}").status_code == 200


def test_phone_is_masked_on_the_page_for_everyone(client, make, login_as):
    item = make.opportunity(make.org(kind="department"), status="published",
                            contact_phone="13812345678")
    for user in (None, make.org(status="pending").users[0], make.org().users[0]):
        if user:
            login_as(user)
        html = client.get(f"/opportunities/{item.id}").get_data(as_text=True)
        assert "138****5678" in html and "13812345678" not in html


def _reveal(client, item):
    return client.post(f"/opportunities/{item.id}/contact")


def _contact_views(item):
    return db.session.scalars(sa.select(AuditLog).filter_by(
        action="opportunity.contact_view", object_id=item.id)).all()


def test_a_verified_organization_sees_the_full_number_once_per_audited_look(
        client, make, login_as):
    item = make.opportunity(make.org(kind="department"), status="published",
                            contact_phone="13812345678")
    viewer = make.org().users[0]
    login_as(viewer)
    assert "查看完整号码" in client.get(f"/opportunities/{item.id}").get_data(as_text=True)
    response = _reveal(client, item)
    assert response.status_code == 200 and "13812345678" in response.get_data(as_text=True)
    _reveal(client, item)
    views = _contact_views(item)
    assert len(views) == 2 and {v.actor_id for v in views} == {viewer.id}
    assert all("13812345678" not in str(v.after or "") + v.summary for v in views)


def test_visitors_and_unverified_organizations_cannot_reveal(client, make, login_as):
    item = make.opportunity(make.org(kind="department"), status="published",
                            contact_phone="13812345678")
    assert _reveal(client, item).status_code in (302, 400, 401)
    login_as(make.org(status="pending").users[0])
    assert "查看完整号码" not in client.get(f"/opportunities/{item.id}").get_data(as_text=True)
    assert _reveal(client, item).status_code == 403
    assert _contact_views(item) == []


def test_without_consent_the_public_page_names_no_contact(client, make, login_as):
    department = make.org(kind="department")
    item = make.opportunity(department, status="published", contact_name="赵主任",
                            contact_phone="13812345678", contact_consent=False)
    for user in (None, make.org().users[0]):
        if user:
            login_as(user)
        html = client.get(f"/opportunities/{item.id}").get_data(as_text=True)
        assert "赵主任" not in html and "5678" not in html and "未同意公开" in html
        if user:
            assert _reveal(client, item).status_code == 403
    login_as(department.users[0])
    html = client.get(f"/opportunities/{item.id}").get_data(as_text=True)
    assert "赵主任" in html and "仅本单位和管理员可见" in html


def test_consent_is_recorded_from_the_form_and_shown_in_the_edit_form(client, make, login_as):
    department = make.org(kind="department")
    login_as(department.users[0])
    form = make.opportunity_data(contact_consent="y")
    response = client.post("/opportunities/new", data=form)
    assert response.status_code == 302
    item = db.session.scalars(sa.select(Opportunity).order_by(Opportunity.id.desc())).first()
    assert item.contact_consent is True
    edit = client.get(f"/opportunities/{item.id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*\bchecked\b[^>]*id="contact_consent"', edit)
    form.pop("contact_consent")
    client.post(f"/opportunities/{item.id}/edit", data=form)
    db.session.refresh(item)
    assert item.contact_consent is False


def test_landline_masking(client, make):
    item = make.product(make.org(), status="published", contact_phone="0791-83881234")
    html = client.get(f"/products/{item.id}").get_data(as_text=True)
    assert "0791-****1234" in html and "83881234" not in html


def test_filters_by_region_including_subregions_field_and_tag(client, make):
    hgt = make.org(kind="department", region="360113")
    wuhan = make.org(kind="department", region="420102")
    make.opportunity(hgt, status="published", title="红谷滩停车", region_code="360113")
    make.opportunity(wuhan, status="published", title="江岸停车", region_code="420102",
                     field_id=str(field_by_name("金融服务").id),
                     tag_ids=[str(tag_by_name("智慧养老").id)])

    def titles(query):
        html = client.get(f"/opportunities/?{query}").get_data(as_text=True)
        return set(re.findall(r'class="listing-item__title"[^>]*>([^<]+)<', html))

    assert titles("region=360000") == {"红谷滩停车"}          # province includes its districts
    assert titles("region=420100") == {"江岸停车"}            # city includes its districts
    production_group = field_by_name("金融服务").parent_id
    assert titles(f"field={production_group}") == {"江岸停车"}  # a group includes its fields
    assert titles(f"tag={tag_by_name('智慧养老').id}") == {"江岸停车"}
    assert titles("status=closed") == set()
    assert client.get("/opportunities/?page=999&field=abc&status=<script>").status_code == 200


def test_create_form_shows_errors_next_to_fields_and_saves_nothing(client, make, login_as):
    department = make.org(kind="department")
    login_as(department.users[0])
    before = db.session.scalar(sa.select(sa.func.count(Opportunity.id)))
    response = client.post("/opportunities/new", data=make.opportunity_data(
        title="", contact_phone="123"))
    html = response.get_data(as_text=True)
    assert 'id="title-error"' in html and "请填写标题" in html
    assert db.session.scalar(sa.select(sa.func.count(Opportunity.id))) == before


def test_create_submit_through_the_views(client, make, login_as):
    department = make.org(kind="department")
    login_as(department.users[0])
    response = client.post("/opportunities/new", data=make.opportunity_data(title="视图创建"))
    assert response.status_code == 302
    item = db.session.scalar(sa.select(Opportunity).where(Opportunity.title == "视图创建"))
    client.post(f"/opportunities/{item.id}/submit")
    db.session.refresh(item)
    assert item.status == "submitted"
    illegal = client.post(f"/opportunities/{item.id}/submit", follow_redirects=True)
    assert "不能变为" in illegal.get_data(as_text=True)


def test_edit_form_is_prefilled(client, make, login_as):
    department = make.org(kind="department")
    item = make.opportunity(department)
    login_as(department.users[0])
    html = client.get(f"/opportunities/{item.id}/edit").get_data(as_text=True)
    assert 'value="智慧停车诱导与泊位共享系统"' in html
    assert re.search(rf'value="{tag_by_name("智慧停车").id}"\s+checked', html)


def test_home_page_counts_and_latest(client, make):
    make.product(make.org(), status="published", title="首页可见的产品")
    html = client.get("/").get_data(as_text=True)
    assert "首页可见的产品" in html and "最新发布批次" in html


def test_mine_lists_only_own_items(client, make, login_as):
    a, b = make.org(kind="department"), make.org(kind="department")
    make.opportunity(a, title="A的需求")
    make.opportunity(b, title="B的需求")
    login_as(a.users[0])
    html = client.get("/opportunities/mine").get_data(as_text=True)
    assert "A的需求" in html and "B的需求" not in html


def test_status_filter_uses_each_lists_own_words(client, make):
    opportunities = client.get("/opportunities/").get_data(as_text=True)
    products = client.get("/products/").get_data(as_text=True)
    statuses = lambda html: re.findall(  # noqa: E731
        r'<option value="(\w+)"[^>]*>([^<]+)</option>', html.split('id="f-status"')[1].split("</select>")[0])
    assert statuses(opportunities) == [("published", "征集中"), ("closed", "已关闭"), ("all", "全部")]
    assert statuses(products) == [("published", "在架"), ("closed", "已下架"), ("all", "全部")]
    assert "征集中" not in products.split('id="f-status"')[1].split("</select>")[0]
    closed = make.product(make.org(), status="closed", title="已下架的旧产品")
    assert closed.title in client.get("/products/?status=closed").get_data(as_text=True)
