"""Search and matching performance at 10k / 100k listings, against SQLite FTS5.

    .venv/bin/python benchmarks/search.py [--size 10000[,100000]] [--json] [--queries 200]
                                          [--seed 42] [--recommend 100] [--stored 100]

For each size: a throwaway app (SQLite database + index in a temporary directory), the
reference data, N synthetic published listings (benchmarks/synthetic.py, half
opportunities, half products), then the real code paths:

* rebuild        marketplace.search.drain.rebuild(index, processes=2) (load rows, segment
                 in 2 processes, write a new generation)
* keyword        marketplace.search.queries.search (facets, highlighting, rows loaded from
                 the database — what /search renders) over --queries realistic queries
* recommend      MatchEngine.recommend(doc, other kind) for --recommend random listings
* refresh        marketplace.matching.services.refresh (what the drain does per listing)
* stored read    marketplace.matching.queries.for_item, after refresh of --stored listings
* publish        a listing published through the ORM (the outbox writes its task), then
                 marketplace.sync.steps.sync_step() until it is searchable and has stored
                 recommendations; "add+commit" is the Whoosh part of that step
* cold start     a fresh interpreter: create_app() and one GET /search?q=停车 through the
                 test client, end to end, median of 3

and the same documents, segmented by the same pipeline, in an SQLite FTS5 table (one
column per weighted field, bm25 with the same field weights): build, keyword (AND of the
query terms, bm25, same page size), recommend (OR of the same key terms restricted to the
other kind, LIMIT 40 — the query alone, and "full": segmenting the listing, document
frequencies from fts5vocab, the query and the same pair scoring).

Progress goes to stderr; stdout gets the table, or with --json exactly one JSON object
(flat for one size; {"sizes": {"10000": {...}, ...}} for several).
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sqlalchemy as sa  # noqa: E402

import synthetic  # noqa: E402
from fts5 import Fts5Side  # noqa: E402
from measure import (PAGE_SIZE, Timings, cpu_seconds, directory_mb, log,  # noqa: E402
                     rss_mb, stopwatch, summary_ms)
from report import ratios, table, targets  # noqa: E402

FOLLOW_INTERVAL = 1.0   # `flask search sync --follow` polls every second

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


# -- one size ---------------------------------------------------------------------------------

class Run(Fts5Side):
    def __init__(self, size: int, seed: int, queries: int, recommend: int, stored: int,
                 workdir: Path):
        self.size, self.seed, self.workdir = size, seed, workdir
        self.query_count, self.recommend_count, self.stored_count = queries, recommend, stored
        self.result: dict = {"size": size, "seed": seed}
        self.db_path = workdir / "bench.db"
        self.index_dir = workdir / "index"

    # ---- setup -------------------------------------------------------------------------
    def create_app(self):
        from marketplace import create_app
        from marketplace.config import Config

        return create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{self.db_path}",
                          SEARCH_INDEX_DIR=str(self.index_dir), SECRET_KEY="bench",
                          SEARCH_BACKGROUND_DRAIN=False)

    def populate(self, corpus):
        """Reference data, organizations, releases and ``size`` published listings, with
        Core INSERTs (no outbox tasks: the rebuild is what indexes them)."""
        from flask import current_app

        from marketplace.accounts.models import Organization
        from marketplace.extensions import db, upgrade_database
        from marketplace.opportunities.models import Opportunity, opportunity_tags
        from marketplace.products.models import Product, product_tags
        from marketplace.releases.models import Release
        from marketplace.seeding.reference import load_reference
        from marketplace.taxonomy.models import Field, Region, Tag

        upgrade_database(current_app)
        load_reference()
        db.session.commit()
        regions = {code: name for code, name in db.session.execute(
            sa.select(Region.code, Region.name).where(Region.code.like("36%")))
            if name not in ("市辖区", "县")}
        generator = synthetic.Generator(corpus, sorted(regions), self.seed)
        now = datetime(2026, 1, 1)
        departments = [(oid, code) for oid, code in db.session.execute(
            sa.select(Organization.id, Organization.region_code)
            .where(Organization.kind == "department"))]
        taken = set(db.session.scalars(sa.select(Organization.name)))
        next_org = (db.session.scalar(sa.select(sa.func.max(Organization.id))) or 0) + 1
        org_rows = []
        for kind, names in (("department", generator.department_names(regions, 200)),
                            ("enterprise", generator.enterprise_names(regions, 400))):
            for name, code in names:
                if name in taken:
                    continue
                org_rows.append({"id": next_org, "name": name, "kind": kind,
                                 "region_code": code, "status": "verified",
                                 "verified_at": now, "description": ""})
                if kind == "department":
                    departments.append((next_org, code))
                next_org += 1
        db.session.execute(sa.insert(Organization.__table__), org_rows)
        enterprises = [(r["id"], r["region_code"]) for r in org_rows if r["kind"] == "enterprise"]
        releases = []
        for year in range(2022, 2027):
            for sequence in range(1, 5):
                day = datetime(year, 3 * sequence, 1)
                releases.append({"id": len(releases) + 1, "year": year, "sequence": sequence,
                                 "title": f"{year}年第{sequence}批应用场景清单",
                                 "status": "published", "published_at": day,
                                 "published_on": day.date()})
        db.session.execute(sa.insert(Release.__table__), releases)
        fields = dict(db.session.execute(sa.select(Field.name, Field.id)).all())
        tags = dict(db.session.execute(sa.select(Tag.name, Tag.id)).all())
        rows = {"opportunity": [], "product": []}
        tag_rows = {"opportunity": [], "product": []}
        counters: dict[tuple, int] = {}
        for number in range(self.size):
            kind = "opportunity" if number % 2 == 0 else "product"
            orgs = departments if kind == "opportunity" else enterprises
            item = generator.listing(kind, len(orgs))
            org_id, region = orgs[item.organization]
            year = item.published_at.year
            sequence = min(4, (item.published_at.month - 1) // 3 + 1)
            release_id = (year - 2022) * 4 + sequence
            batch = (kind, year, sequence)
            counters[batch] = counters.get(batch, 0) + 1
            prefix = "JH" if kind == "opportunity" else "CP"
            item_id = len(rows[kind]) + 1
            row = {"id": item_id, "title": item.title, "summary": item.summary,
                   "description": item.description, "status": "published",
                   "public_number": f"{prefix}-{year}-{sequence:02d}-{counters[batch]:05d}",
                   "organization_id": org_id, "field_id": fields[item.field],
                   "region_code": region, "release_id": release_id,
                   "published_at": item.published_at, "created_at": item.published_at,
                   "updated_at": item.published_at, "submitted_at": item.published_at,
                   "contact_name": "王先生", "contact_phone": "0791-86000000"}
            if kind == "opportunity":
                row.update(deadline=item.deadline, budget_wan=item.budget_wan,
                           timeline=item.timeline, cooperation_mode=item.cooperation_mode)
            else:
                row.update(scenarios=item.scenarios, maturity=item.maturity, cases=item.cases)
            rows[kind].append(row)
            column = "opportunity_id" if kind == "opportunity" else "product_id"
            tag_rows[kind] += [{column: item_id, "tag_id": tags[t]} for t in item.tags if t in tags]
        for kind, model, link in (("opportunity", Opportunity, opportunity_tags),
                                   ("product", Product, product_tags)):
            for start in range(0, len(rows[kind]), 5000):
                db.session.execute(sa.insert(model.__table__), rows[kind][start:start + 5000])
            for start in range(0, len(tag_rows[kind]), 20000):
                db.session.execute(sa.insert(link), tag_rows[kind][start:start + 20000])
        db.session.commit()
        self.generator, self.departments, self.enterprises = generator, departments, enterprises
        self.fields, self.tags = fields, tags

    # ---- Whoosh / app side ------------------------------------------------------------------
    def rebuild(self):
        from marketplace.extensions import db
        from marketplace.search.drain import rebuild
        from marketplace.search.runtime import search_index

        start, cpu = time.perf_counter(), cpu_seconds()
        result = rebuild(search_index(), processes=2)
        db.session.commit()
        elapsed = time.perf_counter() - start
        db.session.remove()
        self.result.update(rebuild_s=round(elapsed, 2),
                           rebuild_cpu_s=round(cpu_seconds() - cpu, 1),
                           rebuild_rate_per_s=round(len(result.indexed) / elapsed),
                           index_mb=directory_mb(self.index_dir))

    def keyword(self, queries):
        from marketplace.extensions import db
        from marketplace.search.queries import SearchParams, search
        from marketplace.search.runtime import search_index

        index = search_index()
        for q in queries[:5]:  # warm: the first query opens the index and its pipeline
            search(index, SearchParams(q=q), PAGE_SIZE)
        times, totals = Timings(), []
        for q in queries:
            db.session.remove()  # a request starts with an empty session
            with stopwatch(times):
                page = search(index, SearchParams(q=q), PAGE_SIZE)
            totals.append(page.total)
        db.session.remove()
        self.result.update(summary_ms(times, "keyword"))
        self.result["keyword_mean_hits"] = round(statistics.mean(totals))
        self.keyword_totals = totals

    def search_page(self, app, queries):
        """The whole /search page through the test client (templates, facet labels)."""
        client = app.test_client()
        times = Timings()
        for q in queries:
            with stopwatch(times):
                response = client.get("/search", query_string={"q": q})
            assert response.status_code == 200, response.status_code
        self.result.update(summary_ms(times, "search_page"))

    def sample_items(self, count, salt):
        from marketplace.listings.models import LISTING_MODELS

        rng = random.Random(self.seed * 1000 + salt)
        half = self.size // 2
        picked = []
        for n in range(count):
            kind = "opportunity" if n % 2 == 0 else "product"
            picked.append((kind, rng.randint(1, half)))
        return [(kind, item_id, LISTING_MODELS[kind]) for kind, item_id in picked]

    def recommend(self):
        from marketplace.extensions import db
        from marketplace.matching.services import OTHER_KIND
        from marketplace.search.documents import doc_from_listing
        from marketplace.search.engine import MatchEngine
        from marketplace.search.runtime import search_index

        engine = MatchEngine(search_index())
        docs = [doc_from_listing(db.session.get(model, item_id))
                for _, item_id, model in self.sample_items(self.recommend_count, 1)]
        db.session.remove()
        times, counts = Timings(), []
        for doc in docs:
            with stopwatch(times):
                matches = engine.recommend(doc, OTHER_KIND[doc.kind])
            counts.append(len(matches))
        self.result.update(summary_ms(times, "recommend"))
        self.result["recommend_mean_matches"] = round(statistics.mean(counts), 1)
        self.recommend_docs = docs

    def stored(self):
        from marketplace.extensions import db
        from marketplace.matching.queries import for_item
        from marketplace.matching.services import refresh
        from marketplace.search.engine import MatchEngine
        from marketplace.search.runtime import search_index

        engine = MatchEngine(search_index())
        sample = self.sample_items(self.stored_count, 2)
        refresh_times = Timings()
        for _, item_id, model in sample:
            item = db.session.get(model, item_id)
            with stopwatch(refresh_times):
                refresh(engine, item)
                db.session.commit()
        db.session.remove()
        read_times, counts = Timings(), []
        for _, item_id, model in sample:
            item = db.session.get(model, item_id)
            with stopwatch(read_times):
                rows = for_item(item)
                for row in rows:  # what the page shows: the partner's title and number
                    partner = row.product if item.kind == "opportunity" else row.opportunity
                    _ = (partner.title, partner.public_number, row.evidence)
            counts.append(len(rows))
            db.session.remove()
        self.result.update(summary_ms(refresh_times, "refresh"))
        self.result.update(summary_ms(read_times, "stored_read"))
        self.result["stored_mean_rows"] = round(statistics.mean(counts), 1)
        # `flask search rebuild` recomputes every listing's recommendations afterwards:
        self.result["refresh_all_estimate_s"] = round(
            statistics.mean(refresh_times) * self.size, 1)

    def publish(self, repeats=5):
        """Publish a new listing through the ORM (the outbox adds its task) and run the
        drain step until it is searchable and has its stored recommendations."""
        from marketplace.extensions import db
        from marketplace.listings.models import LISTING_MODELS
        from marketplace.matching.queries import for_item
        from marketplace.opportunities.models import Opportunity
        from marketplace.search.queries import SearchParams, search
        from marketplace.search.runtime import search_index
        from marketplace.sync import steps as sync_steps
        from marketplace.sync.steps import sync_step

        index = search_index()
        drain_times = []
        original = sync_steps.drain

        def timed_drain(*args, **kwargs):
            with stopwatch(drain_times):
                return original(*args, **kwargs)

        step_times, add_commit, recommended = [], [], []
        sync_steps.drain = timed_drain
        try:
            for n in range(repeats):
                kind = "opportunity" if n % 2 == 0 else "product"
                orgs = self.departments if kind == "opportunity" else self.enterprises
                item = self.generator.listing(kind, len(orgs))
                model = LISTING_MODELS[kind]
                marker = f"BX{self.seed}{n:03d}"
                org_id, region = orgs[item.organization]
                row = model(title=f"{item.title}（{marker}）", summary=item.summary,
                            description=item.description, status="approved",
                            organization_id=org_id, field_id=self.fields[item.field],
                            region_code=region)
                if model is Opportunity:
                    row.deadline, row.timeline = item.deadline, item.timeline
                else:
                    row.maturity, row.cases = item.maturity, item.cases
                    row.scenarios = item.scenarios
                db.session.add(row)
                db.session.commit()
                while sync_step().applied:  # settle the "approved" task first
                    pass
                row = db.session.get(model, row.id)
                row.status, row.published_at = "published", datetime.now()
                row.public_number = f"BENCH-{self.seed}-{n}"
                db.session.commit()          # the outbox task is in this transaction
                drains_before = len(drain_times)
                start = time.perf_counter()
                found = False
                for _ in range(10):
                    sync_step()
                    page = search(index, SearchParams(q=marker), PAGE_SIZE)
                    found = any(h.item.id == row.id and h.item.kind == kind for h in page.hits)
                    if found:
                        break
                step_times.append(time.perf_counter() - start)
                add_commit.append(drain_times[drains_before])
                assert found, "published listing never became searchable"
                recommended.append(len(for_item(db.session.get(model, row.id))))
                db.session.remove()
        finally:
            sync_steps.drain = original
        median_step = statistics.median(step_times)
        self.result.update(publish_visible_s=round(median_step, 3),
                           publish_visible_max_s=round(max(step_times), 3),
                           publish_visible_worst_s=round(max(step_times) + FOLLOW_INTERVAL, 3),
                           publish_recommendations=recommended,
                           add_commit_s=round(statistics.median(add_commit), 3))

    def cold_start(self, repeats=3):
        """A new interpreter until its first /search response is ready (not its exit:
        freeing a process's dictionaries takes a few tenths of a second)."""
        script = (
            "import json, time\n"
            "t0 = time.perf_counter()\n"
            "from marketplace import create_app\n"
            "app = create_app()\n"
            "t1 = time.perf_counter()\n"
            "r = app.test_client().get('/search', query_string={'q': '停车'})\n"
            "t2 = time.perf_counter()\n"
            "served = time.time()\n"
            "assert r.status_code == 200 and '停车' in r.get_data(as_text=True)\n"
            "status = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
            "mb = {k: int(status[k].split()[0]) / 1024 for k in ('VmRSS', 'RssAnon')}\n"
            "print(json.dumps({'app_s': t1 - t0, 'request_s': t2 - t1, 'served': served,\n"
            "                  **mb}))\n")
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{self.db_path}",
                   SEARCH_INDEX_DIR=str(self.index_dir), SECRET_KEY="bench",
                   SEARCH_BACKGROUND_DRAIN="0")
        runs = []
        for _ in range(repeats):
            start = time.time()
            out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                                 capture_output=True, text=True, check=True)
            inner = json.loads(out.stdout.strip().splitlines()[-1])
            runs.append((inner["served"] - start, inner))
        runs.sort(key=lambda r: r[0])
        total, inner = runs[len(runs) // 2]
        self.result.update(cold_start_s=round(total, 3),
                           cold_start_first_request_s=round(inner["request_s"], 3),
                           cold_start_create_app_s=round(inner["app_s"], 3),
                           worker_rss_mb=round(inner["VmRSS"], 1),
                           worker_rss_anon_mb=round(inner["RssAnon"], 1))

    # ---- all ----------------------------------------------------------------------------
    def run(self):
        self.result["load_average_start"] = round(os.getloadavg()[0], 2)
        corpus = synthetic.load_corpus()
        self.result["corpus"] = {"sentences": len(corpus.all_sentences),
                                 "seed_document_sentences": len(corpus.document_sentences)}
        queries = make_queries(corpus, self.query_count, self.seed)
        app = self.create_app()
        with app.app_context():
            started = time.perf_counter()
            log(f"{self.size}: populating the database")
            self.populate(corpus)
            self.result["populate_s"] = round(time.perf_counter() - started, 1)
            log(f"{self.size}: rebuild (Whoosh)")
            self.rebuild()
            log(f"{self.size}: rebuild {self.result['rebuild_s']} s; FTS5 build")
            self.fts_build()
            log(f"{self.size}: FTS5 build {self.result['fts5_build_s']} s; keyword queries")
            self.keyword(queries)
            self.fts_keyword(queries)
            self.search_page(app, queries[:50])
            log(f"{self.size}: keyword p95 {self.result['keyword_p95_ms']} ms "
                f"(FTS5 {self.result['fts5_keyword_p95_ms']} ms); recommendations")
            self.recommend()
            self.fts_recommend()
            log(f"{self.size}: recommend p95 {self.result['recommend_p95_ms']} ms "
                f"(FTS5 {self.result['fts5_recommend_p95_ms']} ms); stored recommendations")
            self.stored()
            log(f"{self.size}: stored read p95 {self.result['stored_read_p95_ms']} ms; publish")
            self.publish()
            self.result["rss_mb"], self.result["peak_rss_mb"] = rss_mb()
        log(f"{self.size}: cold start")
        self.cold_start()
        self.fts.close()
        self.result["total_s"] = round(time.perf_counter() - started, 1)
        self.result["load_average_end"] = round(os.getloadavg()[0], 2)
        self.result["ratios_to_fts5"] = ratios(self.result)
        self.result["targets"] = targets(self.result)
        log(f"{self.size}: done in {self.result['total_s']} s")
        return self.result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", action="append",
                        help="listings (repeatable or comma list; default 10000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--recommend", type=int, default=100, help="recommendation queries")
    parser.add_argument("--stored", type=int, default=100,
                        help="listings whose recommendations are stored and read")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for group in (args.size or ["10000"])
             for s in group.split(",") if s.strip()]
    results = {}
    for size in sizes:
        workdir = Path(tempfile.mkdtemp(prefix=f"search-bench-{size}-"))
        try:
            results[size] = Run(size, args.seed, args.queries, args.recommend, args.stored,
                                workdir).run()
        finally:
            if not args.keep:
                import shutil
                shutil.rmtree(workdir, ignore_errors=True)
            else:
                log(f"kept {workdir}")
        if not args.json:
            print(table(results[size]), flush=True)
            print(flush=True)
    if args.json:
        if len(results) == 1:
            print(json.dumps(next(iter(results.values())), ensure_ascii=False))
        else:
            print(json.dumps({"sizes": {str(k): v for k, v in results.items()}},
                             ensure_ascii=False))


if __name__ == "__main__":
    main()
