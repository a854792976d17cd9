"""Keyword search: Chinese, abbreviations, Traditional input, facets, sorting, no results."""
import pytest

from marketplace.search import services
from marketplace.search.queries import SearchParams, search
from marketplace.taxonomy.queries import field_by_name, tag_by_name


@pytest.fixture
def listings(ctx, make, sync):
    department, enterprise = make.org(kind="department"), make.org()
    wuhan = make.org(kind="department", region="420102")
    items = {
        "parking": make.opportunity(department, status="published",
                                    title="老城区智慧停车诱导系统", summary="缓解停车难。"),
        "vr": make.opportunity(department, status="published", title="虚拟现实实训基地建设",
                               summary="建设VR实训室，用于职业教育。",
                               field_id=str(field_by_name("教育就业").id),
                               tag_ids=[str(tag_by_name("VR+培训").id)]),
        "bim": make.product(enterprise, status="published", title="BIM+GIS城市信息模型平台",
                            summary="三维城市底座。", field_id=str(field_by_name("新型智慧城市").id),
                            tag_ids=[str(tag_by_name("BIM+GIS").id)]),
        "elderly": make.opportunity(wuhan, status="published", region_code="420102",
                                    title="社区居家养老服务信息平台", summary="为老年人提供上门服务。",
                                    field_id=str(field_by_name("社会保障").id),
                                    tag_ids=[str(tag_by_name("智慧养老").id)]),
        "grid": make.opportunity(department, status="published", title="一网统管城市运行中心",
                                 summary="整合城管、应急数据。",
                                 field_id=str(field_by_name("新型智慧城市").id),
                                 tag_ids=[str(tag_by_name("一网统管").id)]),
    }
    sync()
    return items


def found(index, **params):
    return [h.item for h in search(index, SearchParams(**params)).hits]


@pytest.mark.parametrize("query, expected", [
    ("停车", "parking"),            # two characters inside 智慧停车
    ("养老", "elderly"),
    ("城管", "grid"),
    ("一网统管", "grid"),
    ("VR 实训", "vr"),              # mixed, and VR ↔ 虚拟现实
    ("虛擬現實", "vr"),             # Traditional input
    ("BIM+GIS", "bim"),
    ("ｂｉｍ", "bim"),              # full-width Latin
])
def test_queries_find_their_listing(index, listings, query, expected):
    assert listings[expected] in found(index, q=query)


def test_matched_terms_are_highlighted(index, listings):
    hit = search(index, SearchParams(q="虛擬現實")).hits[0]
    assert ("虚拟现实", True) in [tuple(s) for s in hit.title]


def test_facets_count_and_filter(index, listings):
    page = search(index, SearchParams(q="城市"))
    assert dict(page.facets["kind"]) == {"opportunity": 1, "product": 1}
    assert found(index, q="城市", kind="product") == [listings["bim"]]
    assert found(index, q="养老", region="420000") == [listings["elderly"]]
    assert found(index, q="养老", region="360000") == []
    assert found(index, q="城市", field="数字治理") != []          # a field group
    assert found(index, q="实训", tag="VR+培训") == [listings["vr"]]


def test_sorting_and_paging(index, listings):
    page = search(index, SearchParams(q="城市", sort="newest"), per_page=1)
    assert page.total == 2 and page.pages == 2 and len(page.hits) == 1


def test_generic_words_alone_are_searched(index, listings):
    """The core words of government writing are stop-words for matching, yet a query of
    them alone finds what has them (issue 11)."""
    for q in ("系统", "平台 系统", "智慧", "建设"):
        page = search(index, SearchParams(q=q))
        assert not page.empty_query and page.total > 0, q
    assert "老城区智慧停车诱导系统" in {hit.item.title for hit in
                                search(index, SearchParams(q="系统")).hits}


def test_generic_words_searched_alone_are_marked_in_the_results(index, listings):
    hits = {hit.item.title: hit for hit in search(index, SearchParams(q="系统")).hits}
    title = hits["老城区智慧停车诱导系统"].title
    assert ("系统", True) in title and "".join(text for text, _ in title) == "老城区智慧停车诱导系统"


def test_generic_words_beside_content_words_only_add_to_the_score(index, listings):
    with_generic = search(index, SearchParams(q="停车 系统"))
    alone = search(index, SearchParams(q="停车"))
    assert with_generic.total == alone.total and not with_generic.partial
    assert with_generic.hits[0].item.title == "老城区智慧停车诱导系统"


def test_a_query_without_words_and_nothing_found(index, listings):
    assert search(index, SearchParams(q="！！ ……")).empty_query
    none = search(index, SearchParams(q="量子通信"))
    assert none.total == 0


def test_suggestions_are_only_those_that_find_something(index, listings):
    page = search(index, SearchParams(q="智慧停"))
    assert page.total or page.suggestions
    for q in ("量子通信", "智慧停", "养老院"):
        for suggestion in search(index, SearchParams(q=q)).suggestions:
            assert search(index, SearchParams(q=suggestion)).total > 0, (q, suggestion)


def test_partial_results_when_no_item_has_every_term(index, listings):
    page = search(index, SearchParams(q="诱导 老年人"))
    assert page.partial and page.total == 2


def test_search_page_renders(client, listings):
    html = client.get("/search?q=停车").get_data(as_text=True)
    assert "<mark>停车</mark>" in html and "老城区智慧" in html
    assert client.get("/search?q=" + "长" * 500).status_code == 200
    assert client.get("/search?page=abc&sort=evil&kind=<x>&q=停车").status_code == 200


def test_language_changes_take_effect_after_reindex(index, listings, make, sync):
    admin = make.admin()
    assert found(index, q="车位") == []
    services.replace_language(admin, "synonym", "停车,车位\nvr,虚拟现实")
    assert found(index, q="车位") == []          # not before the reindex
    services.request_reindex(admin)
    sync()
    assert listings["parking"] in found(index, q="车位")


def test_language_lines_are_validated(ctx, make):
    admin = make.admin()
    with pytest.raises(services.ValidationError, match="第 2 行"):
        services.replace_language(admin, "synonym", "vr,虚拟现实\n孤单")
    with pytest.raises(services.ValidationError, match="词频为数字"):
        services.replace_language(admin, "dictionary", "红谷滩区 很多 ns")


@pytest.mark.whoosh_only  # Whoosh's facet table files
def test_facet_tables_are_stored_with_a_rebuild_and_read_by_a_new_process(
        index, listings, monkeypatch):
    from marketplace.extensions import db
    from marketplace.search import facets
    from marketplace.search.drain import rebuild
    from marketplace.search.whoosh_backend import WhooshBackend

    params = [SearchParams(q=q) for q in ("城市", "养老", "平台 停车", "实训")]
    expected = [search(index, p).facets for p in params]
    monkeypatch.setattr(facets, "STORE_MIN_DOCS", 1)
    rebuild(index)
    db.session.commit()
    stored = list((index.root / index.current_name()).glob("facets-*.json"))
    assert len(stored) == 1

    def not_again(reader):
        raise AssertionError("the stored tables were not used")

    fresh = WhooshBackend(index.root)  # as a new worker: nothing cached
    with monkeypatch.context() as patch:
        patch.setattr(facets, "_segment_tables", not_again)
        assert [search(fresh, p).facets for p in params] == expected
    # A damaged file is built again (and replaced), with the same counts.
    stored[0].write_text('{"kind": {"values": [], "codes": [0]}}', encoding="utf-8")
    assert [search(WhooshBackend(index.root), p).facets for p in params] == expected
    with monkeypatch.context() as patch:
        patch.setattr(facets, "_segment_tables", not_again)
        assert [search(WhooshBackend(index.root), p).facets for p in params] == expected


def test_a_title_is_marked_for_each_query_and_anew_once_edited(index, listings):
    """Marked ranges are kept by text and terms (search.highlight): another query marks
    other words of the same title, an edited title is marked as it now reads."""
    def title(q):
        return next(hit.title for hit in search(index, SearchParams(q=q)).hits
                    if hit.item.id == listings["parking"].id)

    assert [text for text, marked in title("停车") if marked] == ["停车"]
    assert [text for text, marked in title("诱导") if marked] == ["诱导"]
    assert [text for text, marked in title("停车") if marked] == ["停车"]  # asked again
    listings["parking"].title = "老城区停车场诱导屏"  # the row as the page reads it
    assert "".join(text for text, _ in title("停车")) == "老城区停车场诱导屏"
