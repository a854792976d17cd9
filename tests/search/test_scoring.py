"""The pair score's parts and the "nothing fits" decision, on a real index of the backend
under test."""
import pytest

from marketplace.matching.cli import DEFAULT_LANGUAGE
from marketplace.search import recommend
from marketplace.search.documents import Doc
from marketplace.search.drain import write_generation
from marketplace.search.text import read_language_files

NEED = Doc(key="opportunity:1", kind="opportunity", title="老旧小区电动自行车充电隐患治理",
           summary="居民在楼道给电动自行车充电，火灾隐患突出。",
           description="希望阻止电动自行车进电梯，建设集中充电棚，起火初期及时报警。",
           field="公共安全", tags=["智慧社区"])
SHORT = Doc(key="product:1", kind="product", title="电动自行车阻梯与集中充电",
            summary="电梯识别电动自行车并阻止上楼；小区集中充电棚。", field="公共安全")
LONG = Doc(key="product:2", kind="product", title="社区综合治理",
           summary="网格巡查、事件上报、矛盾调解、人口管理、出租屋管理、志愿服务、"
                   "党建宣传、物业考评、停车秩序、垃圾分类督导。",
           description="网格员巡查发现问题随手拍上报，街道派单处置，居民满意度回访。"
                       "也可统计电动自行车停放点。" * 3, field="新型智慧城市")
REPEATED = Doc(key="product:3", kind="product", title="电动自行车 电动自行车 电动自行车",
               summary="电动自行车电动自行车电动自行车电动自行车。", field="交通出行")
OTHER = [Doc(key=f"product:{10 + i}", kind="product", title=title, summary=title)
         for i, title in enumerate(("规模化生猪养殖智能饲喂", "中小学智慧课堂互动教学",
                                    "医保基金智能审核", "景区分时预约与客流监测"))]


@pytest.fixture
def scored(index):
    """Each product's score parts against NEED, over an index of all the documents."""
    write_generation(index, [NEED, SHORT, LONG, REPEATED, *OTHER],
                     read_language_files(DEFAULT_LANGUAGE))
    pipeline = index.pipeline()
    need_terms = recommend.field_terms(NEED, pipeline)
    with index.reader() as reader:
        idf = recommend.Idf.of(reader)
        return {doc.key: recommend.components(NEED, need_terms, doc,
                                              recommend.field_terms(doc, pipeline), idf)
                for doc in (SHORT, LONG, REPEATED, *OTHER)}


def test_key_term_bm25_favours_the_product_about_the_need(scored):
    short, long = scored["product:1"]["key_bm25"], scored["product:2"]["key_bm25"]
    assert 0 < long < short < 1


def test_repeating_one_key_term_saturates(scored):
    # Only 电动自行车 (and the words inside it), however often: less than the product
    # that also has 充电, 电梯, 集中 …, and far from the whole need.
    repeated = scored["product:3"]["key_bm25"]
    assert 0 < repeated < scored["product:1"]["key_bm25"]
    assert repeated < 0.5


def test_key_term_bm25_is_the_same_whichever_side_asks(index):
    write_generation(index, [NEED, SHORT, LONG], read_language_files(DEFAULT_LANGUAGE))
    pipeline = index.pipeline()
    need_terms, short_terms = (recommend.field_terms(d, pipeline) for d in (NEED, SHORT))
    with index.reader() as reader:
        idf = recommend.Idf.of(reader)
        one = recommend.pair_score(NEED, need_terms, SHORT, short_terms, idf)
        other = recommend.pair_score(SHORT, short_terms, NEED, need_terms, idf)
    assert one[0] == pytest.approx(other[0]) and one[1]["key_bm25"] > 0


def test_evidence_names_shared_words_not_the_field_both_are_filed_under(index):
    need = Doc(**{**NEED.__dict__, "field_group": "数字治理"})
    short = Doc(**{**SHORT.__dict__, "field_group": "数字治理"})
    write_generation(index, [need, short, LONG], read_language_files(DEFAULT_LANGUAGE))
    pipeline = index.pipeline()
    need_terms, short_terms = (recommend.field_terms(d, pipeline) for d in (need, short))
    with index.reader() as reader:
        _, basis = recommend.pair_score(need, need_terms, short, short_terms,
                                        recommend.Idf.of(reader))
    shown = recommend.evidence(need, need_terms, short, short_terms, basis, pipeline)["terms"]
    assert {"公共安全", "数字治理"} <= set(basis["shared"]) and basis["same_field"]
    assert "自行车" in shown and "充电" in shown
    assert not {"公共安全", "数字治理", "公共", "安全", "治理"} & set(shown)


def test_structured_signals_never_make_a_match_without_shared_text(scored):
    parts = dict(scored["product:1"], text=0.0)
    assert parts["same_field"] and recommend.combine(parts) == 0.0
    assert recommend.band(0.0) is None


def test_a_clear_leader_is_listed_and_a_flat_field_is_not():
    weights = recommend.WEIGHTS
    best = weights.weak - weights.margin * 0.1  # reaches weak only with a lead of 0.1
    leader = [best, best - 0.3, best - 0.3, best - 0.35, best - 0.35, best - 0.4]
    flat = [best, best - 0.02, best - 0.03, best - 0.03, best - 0.04, best - 0.05]
    assert recommend.evidence_of_fit(leader) > weights.weak > recommend.evidence_of_fit(flat)
    assert any(recommend.kept(leader)) and not any(recommend.kept(flat))
    assert recommend.kept([]) == []


def test_a_listed_item_keeps_matches_relative_to_its_best():
    weights = recommend.WEIGHTS
    strong = [1.2, 0.9, 0.5, 0.3, 0.2, 0.1]   # 0.2 and 0.1 are below floor × 1.2
    assert recommend.kept(strong) == [True, True, True, True, False, False]
    modest = [0.75, 0.3, 0.2, 0.16, 0.1, 0.1]  # the same 0.16 is listed under a modest best
    assert recommend.evidence_of_fit(modest) >= weights.weak
    assert recommend.kept(modest)[:4] == [True] * 4
