"""The duplicate score and its threshold on real-looking Chinese listings: the three
labelled matching sets (tests/data/matching*) were written by different people, so the
same product or need appears in two of them in other words — those are look-alikes —
while within one set every listing was written to be a different one."""
from dataclasses import replace
from pathlib import Path

import pytest

from marketplace.config import Config
from marketplace.matching.cli import DEFAULT_LANGUAGE, field_groups
from marketplace.matching.evaluation import load_set
from marketplace.search.drain import write_generation
from marketplace.search.engine import MatchEngine
from marketplace.search.text import read_language_files
from marketplace.search.whoosh_backend import WhooshBackend
from tests.conftest import SEARCH_BACKEND

DATA = Path(__file__).resolve().parents[1] / "data"
SETS = ("matching", "matching_b", "matching_c")
THRESHOLD = Config.LOOKALIKE_THRESHOLD
# The same thing written up twice (set:ref pairs), from products to needs.
TWINS = [
    ("matching_b:B-P076", "matching_c:C-P022"),  # 虫情测报灯与孢子捕捉物联网
    ("matching:P126", "matching_b:B-P046"),      # 疫情防控一体化平台
    ("matching_b:B-P039", "matching_c:C-P021"),  # 植保无人机统防统治服务
    ("matching:P068", "matching_b:B-P014"),      # 虚拟电厂负荷聚合
    ("matching_b:B-P092", "matching_c:C-P133"),  # 城市运行“一网统管”平台
    ("matching:P058", "matching_c:C-P129"),      # 协同办公 OA
    ("matching:Q29", "matching_b:B-Q25"),        # 5G+AR 设备远程运维
    ("matching:Q26", "matching_b:B-Q07"),        # 社区养老助餐点结算
]


@pytest.fixture(scope="module")
def listings():
    """Every listing of the three sets, keyed ``set:ref``."""
    groups = field_groups()
    docs = []
    for name in SETS:
        labelled = load_set(DATA / name, groups)
        docs += [replace(doc, key=f"{name}:{doc.key}")
                 for doc in labelled.opportunities + labelled.products]
    return docs


@pytest.fixture(scope="module")
def whoosh_corpus(listings, tmp_path_factory):
    index = WhooshBackend(tmp_path_factory.mktemp("lookalikes"))
    write_generation(index, listings, read_language_files(DEFAULT_LANGUAGE))
    return MatchEngine(index), {doc.key: doc for doc in listings}


@pytest.fixture
def corpus(request, listings):
    """The listings in one index of the backend under test: a Whoosh index built once for
    the module; the postgres backend's rows, written per test (they roll back with it)."""
    if SEARCH_BACKEND == "whoosh":
        return request.getfixturevalue("whoosh_corpus")
    request.getfixturevalue("ctx")
    index = request.getfixturevalue("index")
    write_generation(index, listings, read_language_files(DEFAULT_LANGUAGE))
    return MatchEngine(index), {doc.key: doc for doc in listings}


def _found(engine, docs, key, limit=10):
    return {s.key: s for s in engine.look_alikes(docs[key], [], THRESHOLD, limit)}


@pytest.mark.parametrize("first,second", TWINS, ids=[a for a, _ in TWINS])
def test_the_same_listing_written_twice_is_a_look_alike_both_ways(corpus, first, second):
    engine, docs = corpus
    there, back = _found(engine, docs, first), _found(engine, docs, second)
    assert second in there and first in back
    assert there[second].score == back[first].score >= THRESHOLD  # symmetric
    assert there[second].terms  # the words shown as evidence


@pytest.mark.parametrize("name", SETS)
def test_listings_written_to_be_different_stay_below_the_threshold(corpus, name):
    engine, docs = corpus
    for key in (k for k in docs if k.startswith(f"{name}:")):
        same_set = [k for k in _found(engine, docs, key, limit=40)
                    if k.startswith(f"{name}:")]
        assert same_set == [], (key, same_set)


def test_listings_under_review_are_compared_with_each_other(corpus):
    """Peers (not in the index) are found like indexed listings, with the same score."""
    engine, docs = corpus
    first, second = TWINS[0]
    peer_doc = replace(docs[second], key="product:999001")
    found = engine.look_alikes(docs[first], engine.peers([peer_doc]), THRESHOLD)
    scores = {s.key: s.score for s in found}
    assert scores["product:999001"] == scores[second]



def test_peers_are_segmented_again_only_when_their_document_changes(corpus):
    """Kept between batches (lookalikes.KeptPeers): the same listing under review is the
    same Peer until its text changes; a changed one is compared as it now reads."""
    engine, docs = corpus
    first, second = TWINS[0]
    twin = replace(docs[second], key="product:999002")
    other = replace(docs[TWINS[3][0]], key="product:999003")
    kept = engine.peers([twin, other])
    again = engine.peers([replace(twin), other])  # equal documents, new objects
    assert [a is b for a, b in zip(kept, again)] == [True, True]
    rewritten = replace(twin, title="社区食堂助餐结算", summary="老年人助餐补贴结算。",
                        description="按人次结算社区养老助餐补贴。", tags=[])
    changed = engine.peers([rewritten, other])
    assert changed[0] is not kept[0] and changed[1] is kept[1]
    assert changed[0].terms != kept[0].terms
    scores = {s.key: s.score for s in engine.look_alikes(docs[first], kept, THRESHOLD)}
    assert "product:999002" in scores
    scores = {s.key: s.score for s in engine.look_alikes(docs[first], changed, THRESHOLD)}
    assert "product:999002" not in scores
