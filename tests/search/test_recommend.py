"""Stored recommendations both ways, with evidence; look-alikes; nothing padded."""
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.matching import queries
from marketplace.matching.models import Recommendation
from marketplace.opportunities import services as opportunities
from marketplace.taxonomy.queries import field_by_name, tag_by_name


def parking_pair(make):
    department, enterprise = make.org(kind="department"), make.org()
    need = make.opportunity(department, status="published")
    answer = make.product(enterprise, status="published",
                          title="路内泊位智慧停车诱导与共享平台",
                          summary="路内外泊位感知、停车诱导屏、错时共享泊位预约。",
                          description="地磁与高位视频识别泊位，诱导屏实时发布空余车位，"
                                      "支持商圈停车场泊位共享和无感支付。")
    return need, answer


def unrelated_product(make):
    return make.product(make.org(), status="published", title="规模化生猪养殖智能饲喂系统",
                        summary="按体重精准下料。", description="猪舍环境与饲喂数据采集，疫病预警。",
                        field_id=str(field_by_name("现代农业").id),
                        tag_ids=[str(tag_by_name("物联网").id)], scenarios="养殖场",
                        cases="2025年在某养殖场部署。")


def test_publishing_stores_recommendations_both_ways(ctx, make, index, sync):
    need, answer = parking_pair(make)
    noise = unrelated_product(make)
    sync()
    recs = queries.for_item(need)
    assert [r.product_id for r in recs] == [answer.id]          # the pig feeder is not padded in
    rec = recs[0]
    assert rec.band in ("strong", "medium") and "停车" in "".join(rec.evidence["terms"])
    assert queries.for_item(answer)[0].opportunity_id == need.id
    assert queries.for_item(noise) == []
    fields = rec.evidence["fields"]
    assert "标题" in fields[f"opportunity:{need.id}"] and "标题" in fields[f"product:{answer.id}"]


def test_detail_pages_show_evidence_or_say_nothing_fits(client, make, index, sync):
    need, answer = parking_pair(make)
    lonely = make.opportunity(make.org(kind="department"), status="published",
                              title="量子密钥分发政务外网试点", summary="量子通信。",
                              description="在政务外网部署量子密钥分发设备。",
                              field_id=str(field_by_name("政府运行").id),
                              tag_ids=[str(tag_by_name("信息安全").id)])
    sync()
    html = client.get(f"/opportunities/{need.id}").get_data(as_text=True)
    assert "推荐产品" in html and answer.public_number in html and "<mark>" in html
    assert "共同关键词" in html and "匹配度" in html
    assert "暂无高度匹配的产品" in client.get(f"/opportunities/{lonely.id}").get_data(as_text=True)
    product_page = client.get(f"/products/{answer.id}").get_data(as_text=True)
    assert "可对接的机会" in product_page and need.public_number in product_page


def test_closed_opportunities_drop_out_of_product_pages(ctx, make, index, sync):
    need, answer = parking_pair(make)
    sync()
    from marketplace.listings import services as listing_services
    listing_services.close(need.organization.users[0], need, "已对接")
    db.session.commit()
    sync()
    assert queries.for_item(answer) == []
    assert db.session.scalar(sa.select(sa.func.count(Recommendation.id)).where(
        Recommendation.opportunity_id == need.id)) == 0


def test_an_approved_edit_refreshes_the_evidence(ctx, make, index, sync):
    need, answer = parking_pair(make)
    sync()
    revision = opportunities.update(need.organization.users[0], need, make.opportunity_data(
        title="城区智慧停车诱导屏建设", summary="建设停车诱导屏。"))
    from marketplace.listings import services as listing_services
    listing_services.decide_revision(make.admin(), revision, "approve")
    db.session.commit()
    sync()
    rec = queries.for_item(need)[0]
    assert "城区智慧停车诱导屏建设" in "".join(t for t, _ in rec.evidence["snippets"][
        f"opportunity:{need.id}"]["title"])


def test_look_alikes_flag_the_same_need_from_another_district(client, make, index, sync,
                                                                engine, login_as):
    first, _ = parking_pair(make)
    sync()
    twin = make.opportunity(make.org(kind="department", region="420102"), status="submitted",
                            region_code="420102")
    found = queries.look_alikes(engine, twin)
    assert [other.id for other, *_ in found] == [first.id]
    login_as(make.admin())
    html = client.get(f"/admin/review/opportunity/{twin.id}").get_data(as_text=True)
    assert "相似清单" in html and first.public_number in html


def test_dashboard_lists_recommendations_for_the_organizations_items(client, make, index,
                                                                      sync, login_as):
    need, answer = parking_pair(make)
    sync()
    login_as(need.organization.users[0])
    html = client.get("/opportunities/mine").get_data(as_text=True)
    assert "为本单位需求推荐的产品" in html and answer.title in html


def test_match_export_writes_ranked_refs(app, make, index, sync, tmp_path):
    need, answer = parking_pair(make)
    lonely = make.opportunity(make.org(kind="department"), status="published",
                              title="量子密钥分发政务外网试点", summary="量子通信。",
                              description="在政务外网部署量子密钥分发设备。",
                              field_id=str(field_by_name("政府运行").id), tag_ids=[])
    sync()
    out = tmp_path / "matches.json"
    result = app.test_cli_runner().invoke(args=["match", "export", "--top", "5",
                                                "--output", str(out)])
    assert result.exit_code == 0, result.output
    import json
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data[lonely.public_number] == []
    first = data[need.public_number][0]
    assert first["ref"] == answer.public_number and first["band"] in ("strong", "medium")
    assert first["evidence"] and isinstance(first["score"], float)
    reverse = app.test_cli_runner().invoke(args=["match", "export", "--products"])
    assert json.loads(reverse.output)[answer.public_number][0]["ref"] == need.public_number


def test_owner_sees_look_alikes_before_publication(client, make, index, sync, login_as):
    first, _ = parking_pair(make)
    sync()
    department = make.org(kind="department", region="420102")
    twin = make.opportunity(department, region_code="420102")
    login_as(department.users[0])
    html = client.get(f"/opportunities/{twin.id}").get_data(as_text=True)
    assert "已有相似的机会清单" in html and first.public_number in html
