"""The look-alike pages: both review pages of two districts' twins, decisions taken from
the review page and from the duplicates report, what the public and the owner then see."""
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings.models import ListingLink

XIHU, JIANGAN = "360103", "420102"


def parking(make, status, region="360113"):
    return make.opportunity(make.org("department", region=region), status,
                            region_code=region)


def _mark(client, kind, item, other, decision, back="review", note=""):
    return client.post(f"/admin/duplicates/{kind}/mark", data={
        "item_id": item.id, "other_id": other.id, "decision": decision, "note": note,
        "back": back})


def _links() -> list[ListingLink]:
    return db.session.scalars(sa.select(ListingLink)).all()


def test_twins_submitted_in_one_week_show_on_both_review_pages(client, make, index, sync,
                                                              login_as):
    first, second = parking(make, "submitted"), parking(make, "submitted", JIANGAN)
    sync()
    login_as(make.admin())
    for item, other in ((first, second), (second, first)):
        html = client.get(f"/admin/review/opportunity/{item.id}").get_data(as_text=True)
        assert "相似度" in html and f"/admin/review/opportunity/{other.id}" in html
        assert other.organization.name in html and "标记重复并退回" in html


def test_related_from_the_review_page_links_both_public_pages(client, make, index, sync,
                                                             login_as):
    first, second = parking(make, "published"), parking(make, "published", XIHU)
    sync()
    login_as(make.admin())
    response = _mark(client, "opportunity", first, second, "related")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/review/opportunity/{first.id}")
    client.post("/logout")
    for item, other in ((first, second), (second, first)):
        html = client.get(f"/opportunities/{item.id}").get_data(as_text=True)
        assert "相关清单" in html and f'href="/opportunities/{other.id}"' in html


def test_a_duplicate_from_the_report_returns_the_newer_with_a_link(client, make, index, sync,
                                                                  login_as):
    published, pending = parking(make, "published"), parking(make, "submitted", XIHU)
    sync()
    login_as(make.admin())
    html = client.get("/admin/duplicates?list=opportunity").get_data(as_text=True)
    assert "第 1 组 · 2 条" in html and pending.organization.name in html
    response = _mark(client, "opportunity", published, pending, "duplicate", back="report",
                     note="请与红谷滩区联合发布")
    assert response.status_code == 302 and "/admin/duplicates" in response.headers["Location"]
    db.session.refresh(pending)
    assert pending.status == "returned" and published.public_number in pending.return_reason
    assert "暂无待处理" in client.get("/admin/duplicates").get_data(as_text=True)
    login_as(pending.organization.users[0])
    own = client.get(f"/opportunities/{pending.id}").get_data(as_text=True)
    assert "请与红谷滩区联合发布" in own and f'href="/opportunities/{published.id}"' in own


def test_not_duplicates_stops_the_suggestion_until_taken_back(client, make, index, sync,
                                                               login_as):
    first, second = parking(make, "submitted"), parking(make, "submitted", XIHU)
    sync()
    login_as(make.admin())
    _mark(client, "opportunity", first, second, "dismissed")
    html = client.get(f"/admin/review/opportunity/{first.id}").get_data(as_text=True)
    assert "未发现高度相似" in html and "已处理的相似清单" in html and "不重复" in html
    [link] = _links()
    response = client.post(f"/admin/duplicates/links/{link.id}/unlink",
                           data={"back": "review", "item_id": first.id})
    assert response.headers["Location"].endswith(f"/admin/review/opportunity/{first.id}")
    assert _links() == []
    html = client.get(f"/admin/review/opportunity/{first.id}").get_data(as_text=True)
    assert "标记重复并退回" in html


def test_a_refused_decision_shows_its_message_at_the_pair_and_changes_nothing(
        client, make, index, sync, login_as):
    first, second = parking(make, "submitted"), parking(make, "submitted", XIHU)
    sync()
    login_as(make.admin())
    response = _mark(client, "opportunity", first, second, "duplicate", note="长" * 201)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="note-{first.id}-{second.id}-error"' in html and "说明不能超过 200 个字" in html
    response = _mark(client, "opportunity", first, first, "related", back="report")
    assert response.status_code == 400 and "不能把一条机会与它自己关联" in response.get_data(as_text=True)
    db.session.refresh(second)
    assert _links() == [] and second.status == "submitted"


def test_a_region_administrator_is_confined_to_its_subtree(client, make, index, sync,
                                                          login_as):
    inside, outside = parking(make, "submitted"), parking(make, "submitted", XIHU)
    also_inside = parking(make, "submitted")
    sync()
    login_as(make.region_admin("360113"))
    html = client.get("/admin/duplicates").get_data(as_text=True)
    assert "第 1 组 · 2 条" in html and outside.organization.name not in html
    assert _mark(client, "opportunity", inside, outside, "related").status_code == 404
    assert _mark(client, "opportunity", inside, also_inside, "related").status_code == 302
    assert len(_links()) == 1


def test_the_report_filters_by_list_and_region(client, make, index, sync, login_as):
    parking(make, "submitted"), parking(make, "submitted", JIANGAN)
    sync()
    login_as(make.admin())
    assert "第 1 组" in client.get("/admin/duplicates?region=420100").get_data(as_text=True)
    assert "第 1 组" not in client.get("/admin/duplicates?region=360103").get_data(as_text=True)
    products = client.get("/admin/duplicates?list=product").get_data(as_text=True)
    assert "重复线索：产品清单" in products and "暂无待处理的相似产品清单" in products
    unknown = client.get("/admin/duplicates?list=x&region=999999").get_data(as_text=True)
    assert "重复线索：机会清单" in unknown and "第 1 组" in unknown
