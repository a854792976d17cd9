"""A generation written by several processes must hold what a serial build holds: the same
documents under the same numbers, the same postings and so the same scores."""
import random

import pytest
from whoosh.collectors import TopCollector
from whoosh.query import Term

from marketplace.search import whoosh_backend
from marketplace.search.documents import Doc
from marketplace.search.text import LanguageData

# About the segments of a Whoosh generation.
pytestmark = pytest.mark.whoosh_only

PHRASES = ["智慧停车诱导系统", "居家养老服务平台", "城管执法记录仪", "VR实训教学", "北斗高精度定位",
           "数字孪生水利", "虚拟电厂调度", "物联网水表", "一网统管城市运行", "AI质检"]


def documents(count):
    rng = random.Random(11)
    return [Doc(key=f"{kind}:{n}", kind=kind, title=rng.choice(PHRASES),
                summary="，".join(rng.sample(PHRASES, 2)),
                description="。".join(rng.choices(PHRASES, k=rng.randint(1, 12))),
                cases="。".join(rng.choices(PHRASES, k=8)) if kind == "product" else "",
                field="智慧城市", field_group="数字治理", tags=rng.sample(["停车", "养老", "AI"], 2),
                region="360102", organization=f"单位{n % 7}")
            for n, kind in ((n, "opportunity" if n < count // 2 else "product")
                            for n in range(count))]


def build(root, docs, processes, monkeypatch, part_docs):
    monkeypatch.setattr(whoosh_backend, "PART_DOCS", part_docs)
    index = whoosh_backend.WhooshBackend(root)
    index.write_generation(docs, LanguageData(), processes=processes)
    ix, _ = index.open()
    return ix


def listing(ix, field, term):
    with ix.searcher() as searcher:
        collector = TopCollector(limit=5000, usequality=False, replace=0)
        searcher.search_with_collector(Term(field, term), collector)
        return [(hit.docnum, hit["key"], round(hit.score, 9)) for hit in collector.results()]


def test_parallel_build_equals_serial(tmp_path, monkeypatch):
    docs = documents(1200)
    serial = build(tmp_path / "serial", docs, 1, monkeypatch, part_docs=5000)
    # Several parts, more than the processes; and several parts in one process.
    parallel = build(tmp_path / "parallel", docs, 2, monkeypatch, part_docs=400)
    in_parts = build(tmp_path / "in_parts", docs, 1, monkeypatch, part_docs=400)
    assert len(serial._segments()) == 1
    assert len(parallel._segments()) == 4  # two parts per process
    assert len(in_parts._segments()) == 3  # one per PART_DOCS
    for other in (parallel, in_parts):
        with serial.searcher() as one, other.searcher() as several:
            assert list(one.all_stored_fields()) == list(several.all_stored_fields())
            assert several.doc_count() == 1200
        for field, term in (("all", "停车"), ("all", "vr"), ("all", "北斗"), ("t_title", "养老"),
                            ("t_cases", "孪生"), ("org", "单位")):
            assert listing(other, field, term) == listing(serial, field, term) != []


def test_parts_are_consecutive_and_hold_about_the_same_text():
    docs = documents(1000)  # products (the second half) carry cases: more text each
    parts = whoosh_backend._parts(docs, 2)
    assert parts[0][0] == 0 and parts[-1][1] == len(docs)
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
    sizes = [sum(len("".join(d.texts().values())) for d in docs[start:stop])
             for start, stop in parts]
    assert parts[0][1] > 500 and abs(sizes[0] - sizes[1]) < 0.01 * sum(sizes)
    assert whoosh_backend._parts(docs[:3], 8) == [(0, 1), (1, 2), (2, 3)]


def test_an_empty_generation(tmp_path, monkeypatch):
    ix = build(tmp_path / "empty", [], 2, monkeypatch, part_docs=400)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 0
