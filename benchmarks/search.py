"""Search and matching performance at 10k / 100k listings: each search backend beside
SQLite FTS5, in one run.

    .venv/bin/python benchmarks/search.py [--size 10000[,100000]] [--backend whoosh,postgres]
                                          [--json] [--queries 200] [--recommend 100]
                                          [--stored 100] [--seed 42] [--keep]

For each size and each backend: a throwaway app on a database of its own (``whoosh``:
SQLite file + Whoosh index in a temporary directory; ``postgres``: a throwaway PostgreSQL
database on TEST_POSTGRES_URL's server, default postgresql://postgres@127.0.0.1:5432;
``whoosh-pg``: the Whoosh index with PostgreSQL as the app's database, to separate the
search difference from the database one), the reference data, N synthetic published
listings (benchmarks/synthetic.py, half opportunities, half products), then the real
code paths (benchmarks/side.py):

* rebuild        marketplace.search.drain.rebuild(backend, processes=2)
* keyword        marketplace.search.queries.search (facets, highlighting, rows loaded from
                 the database — what /search renders) over --queries realistic queries
* search page    GET /search through the test client
* recommend      MatchEngine.recommend(doc, other kind) for --recommend random listings
* refresh        marketplace.matching.services.refresh (what the drain does per listing)
* stored read    marketplace.matching.queries.for_item, after refresh of --stored listings
* publish        a listing published through the ORM (the outbox writes its task), then
                 marketplace.sync.steps.sync_step() until it is searchable and has stored
                 recommendations; "add+commit" is the backend's part of that step
* cold start     a fresh interpreter: create_app() and one GET /search?q=停车 through the
                 test client, end to end, median of 3

and, once per size, the same documents segmented by the same pipeline in an SQLite FTS5
table (benchmarks/fts5.py): build, keyword, recommend.

Progress goes to stderr; stdout gets the table, or with --json exactly one JSON object
({"sizes": {"10000": {...}, ...}}, each size with "backends": {"whoosh": {...}, ...}).
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import synthetic  # noqa: E402
from fts5 import Fts5  # noqa: E402
from measure import log, rss_mb  # noqa: E402
from populate import populate  # noqa: E402
from report import ratios, table, targets  # noqa: E402
from side import SIDES, Side  # noqa: E402

from tests.databases import create_postgres, server_url  # noqa: E402

# Hand-written queries as people type them: two-character words, abbreviations, place
# names, Traditional input, two- and three-word combinations.
QUERIES = [
    "停车", "养老", "医疗", "教育", "园区", "社区", "菜场", "城管", "电梯", "消防", "直播",
    "监测", "预警", "视频", "巡逻", "农业", "文旅", "景区", "招商", "审批", "政务", "水利",
    "防汛", "应急", "交通", "公交", "物流", "能耗", "储能", "充电", "溯源", "安防", "校园",
    "VR", "AR", "5G", "AI", "BIM", "GIS", "IoT", "MEC", "OCR", "XR", "NB-IoT", "5g",
    "智慧停车", "智慧养老", "智慧社区", "智慧园区", "智慧菜场", "智慧城管", "智慧校园",
    "一网通办", "一网统管", "数字孪生", "区块链", "云计算", "大数据", "物联网", "人工智能",
    "元宇宙", "虚拟电厂", "无人机", "机器人", "数字人", "边缘计算", "北斗", "工业互联网",
    "智慧停車", "數字孿生", "醫療", "養老服務", "區塊鏈", "雲計算", "智慧園區", "無人機",
    "停车 南昌", "VR 培训", "VR 教育", "5G 园区", "养老 监测", "电梯 安全", "河湖 巡查",
    "无人机 巡检", "数字孪生 城市", "AI 审批", "消防 预警", "菜场 溯源", "直播 电商",
    "社区 巡逻 机器人", "老旧小区 改造", "城市 生命线", "充电桩 运营", "独居老人 监护",
    "红谷滩区 元宇宙", "政务服务 智能", "医保 基金 监管", "食品 安全 追溯", "排水 管网 监测",
    "VR全景 文旅", "5G专网 工厂", "AI视觉 质检", "智慧停车 泊位 诱导", "景区 客流 预警",
]


# -- queries --------------------------------------------------------------------------------

def make_queries(corpus: synthetic.Corpus, count: int, seed: int) -> list[str]:
    """The hand-written queries, then random one- to three-word combinations of title
    words (two characters or more) until ``count``."""
    rng = random.Random(seed)
    words = sorted({w for parts in corpus.title_parts.values() for tokens, _ in parts
                    for w in tokens if len(w) >= 2 and w.strip()})
    queries = list(QUERIES)
    while len(queries) < count:
        queries.append(" ".join(rng.sample(words, rng.choice((1, 1, 2, 2, 2, 3)))))
    rng.shuffle(queries)
    return queries[:count]


# -- one size -------------------------------------------------------------------------------

@contextmanager
def database(side: str, workdir: Path, keep: bool):
    """The URL of an empty database for ``side``: an SQLite file in ``workdir``, or a
    throwaway PostgreSQL database (dropped afterwards unless ``keep``)."""
    if SIDES[side][1] == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    url, drop = create_postgres(server_url(), "searchbench")
    try:
        yield url
    finally:
        if keep:
            log(f"kept {url}")
        else:
            drop()


def measure_side(side: Side, corpus, queries, fts: Fts5 | None, result: dict,
                 full_refresh: bool = True) -> None:
    """Every figure of one backend; the FTS5 side is built and measured alongside the
    first backend (``fts``), on its database and pipeline; the full refresh unless
    ``full_refresh`` is false (it is the longest part at 100k)."""
    from marketplace.extensions import db

    size, name = side.size, side.name
    app = side.create_app()
    with app.app_context():
        started = time.perf_counter()
        log(f"{size} {name}: populating the {side.result['database']} database")
        side.population = populate(size, side.seed, corpus)
        side.result["populate_s"] = round(time.perf_counter() - started, 1)
        log(f"{size} {name}: rebuild")
        side.rebuild()
        log(f"{size} {name}: rebuild {side.result['rebuild_s']} s; keyword queries")
        if fts is not None:
            log(f"{size}: FTS5 build")
            fts.fts_build()
        side.keyword(queries)
        if fts is not None:
            fts.fts_keyword(queries)
        side.search_page(app, queries[:50])
        log(f"{size} {name}: keyword p95 {side.result['keyword_p95_ms']} ms; recommendations")
        side.recommend()
        if fts is not None:
            fts.fts_recommend(side.recommend_docs)
        log(f"{size} {name}: recommend p95 {side.result['recommend_p95_ms']} ms; stored")
        side.stored()
        if full_refresh:
            log(f"{size} {name}: full refresh")
            side.full_refresh(app)
        log(f"{size} {name}: stored read p95 {side.result['stored_read_p95_ms']} ms; publish")
        side.publish()
        side.result["rss_mb"], side.result["peak_rss_mb"] = rss_mb()
        db.session.remove()
        db.engine.dispose()
    log(f"{size} {name}: cold start")
    side.cold_start()
    side.result["total_s"] = round(time.perf_counter() - started, 1)
    side.result["ratios_to_fts5"] = ratios(side.result, result)
    side.result["targets"] = targets(side.name, side.result, result)


def run_size(size: int, sides: list[str], args) -> dict:
    result = {"size": size, "seed": args.seed, "load_average_start": round(os.getloadavg()[0], 2),
              "backends": {}}
    corpus = synthetic.load_corpus()
    result["corpus"] = {"sentences": len(corpus.all_sentences),
                        "seed_document_sentences": len(corpus.document_sentences)}
    queries = make_queries(corpus, args.queries, args.seed)
    workdir = Path(tempfile.mkdtemp(prefix=f"search-bench-{size}-"))
    fts = Fts5(workdir, result)
    try:
        for name in sides:
            sidedir = workdir / name
            sidedir.mkdir()
            with database(name, sidedir, args.keep) as url:
                side = Side(name, url, sidedir, size, args.seed, args.recommend, args.stored)
                measure_side(side, corpus, queries, fts if name == sides[0] else None, result,
                             full_refresh=not args.no_full_refresh)
                side.result["load_average_end"] = round(os.getloadavg()[0], 2)
                result["backends"][name] = side.result
        result["fts5_database"] = SIDES[sides[0]][1]
    finally:
        if getattr(fts, "fts", None) is not None:
            fts.fts.close()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result["load_average_end"] = round(os.getloadavg()[0], 2)
    log(f"{size}: done")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", action="append",
                        help="listings (repeatable or comma list; default 10000)")
    parser.add_argument("--backend", default="whoosh,postgres",
                        help=f"comma list of {', '.join(SIDES)} (default whoosh,postgres)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--recommend", type=int, default=100, help="recommendation queries")
    parser.add_argument("--stored", type=int, default=100,
                        help="listings whose recommendations are stored and read")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-full-refresh", action="store_true",
                        help="leave out the full refresh of every stored recommendation")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory and the PostgreSQL databases")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for group in (args.size or ["10000"])
             for s in group.split(",") if s.strip()]
    sides = [s.strip() for s in args.backend.split(",") if s.strip()]
    unknown = [s for s in sides if s not in SIDES]
    if unknown or not sides:
        parser.error(f"--backend: unknown {unknown}; choose from {', '.join(SIDES)}")
    results = {}
    for size in sizes:
        results[size] = run_size(size, sides, args)
        if not args.json:
            print(table(results[size]), flush=True)
            print(flush=True)
    if args.json:
        print(json.dumps({"sizes": {str(k): v for k, v in results.items()}},
                         ensure_ascii=False))


if __name__ == "__main__":
    main()
