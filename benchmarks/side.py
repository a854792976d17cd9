"""One search backend on one database, measured by benchmarks/search.py through the app's
own code paths (see benchmarks/README.md, "The figures")."""
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from measure import (PAGE_SIZE, Timings, cpu_seconds, directory_mb, stopwatch,
                     summary_ms)
from populate import Population

ROOT = Path(__file__).resolve().parents[1]
FOLLOW_INTERVAL = 1.0   # `flask search sync --follow` polls every second
PROCESSES = 2           # `flask search rebuild --processes`' default
# Which search backend on which database each side name measures.
SIDES = {"whoosh": ("whoosh", "sqlite"), "postgres": ("postgres", "postgresql"),
         "whoosh-pg": ("whoosh", "postgresql")}


class Side:
    """``name`` (a key of SIDES) on ``database_url``, index files under ``workdir``."""

    def __init__(self, name: str, database_url: str, workdir: Path, size: int, seed: int,
                 recommend: int, stored: int):
        self.name, self.database_url, self.size, self.seed = name, database_url, size, seed
        self.backend, database = SIDES[name]
        self.index_dir = workdir / "index"
        self.recommend_count, self.stored_count = recommend, stored
        self.result: dict = {"backend": self.backend, "database": database}
        self.population: Population | None = None

    def create_app(self):
        from marketplace import create_app
        from marketplace.config import Config

        return create_app(Config, SQLALCHEMY_DATABASE_URI=self.database_url,
                          SEARCH_BACKEND=self.backend, SEARCH_INDEX_DIR=str(self.index_dir),
                          SECRET_KEY="bench", SEARCH_BACKGROUND_DRAIN=False)

    def index_mb(self) -> float:
        """Size on disk: the index directory, or the backend's tables with their indexes
        (every partition of the postings)."""
        if self.backend == "whoosh":
            return directory_mb(self.index_dir)
        from marketplace.extensions import db

        size = db.session.scalar(sa.text(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "WHERE c.relkind = 'r' AND (c.relname IN ('search_documents', 'search_terms', "
            "'search_generations') OR c.relname LIKE 'search_postings%')"))
        return round(int(size or 0) / 2**20, 1)

    def full_refresh(self, app):
        """Every stored recommendation refreshed as after a rebuild (`flask search
        refresh`: the bulk refresh, ``refresh.measure_full_refresh``): ``full_refresh_s``,
        target 30 min at 100k."""
        from refresh import measure_full_refresh

        from marketplace.extensions import db
        from marketplace.matching import services

        services.queue_refresh_all()
        db.session.commit()
        measured = measure_full_refresh(app, PROCESSES)
        self.result.update(measured, full_refresh_s=measured["refresh_all_s"])

    def rebuild(self):
        from marketplace.extensions import db
        from marketplace.search.drain import rebuild
        from marketplace.search.runtime import search_index

        start, cpu = time.perf_counter(), cpu_seconds()
        result = rebuild(search_index(), processes=PROCESSES)
        db.session.commit()
        elapsed = time.perf_counter() - start
        db.session.remove()
        self.result.update(rebuild_s=round(elapsed, 2),
                           rebuild_cpu_s=round(cpu_seconds() - cpu, 1),
                           rebuild_rate_per_s=round(len(result.indexed) / elapsed),
                           index_mb=self.index_mb())

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
                population = self.population
                orgs = population.departments if kind == "opportunity" else population.enterprises
                item = self.population.generator.listing(kind, len(orgs))
                model = LISTING_MODELS[kind]
                marker = f"BX{self.seed}{n:03d}"
                org_id, region = orgs[item.organization]
                row = model(title=f"{item.title}（{marker}）", summary=item.summary,
                            description=item.description, status="approved",
                            organization_id=org_id, field_id=self.population.fields[item.field],
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
            "served, cpu = time.time(), time.process_time()\n"
            "assert r.status_code == 200 and '停车' in r.get_data(as_text=True)\n"
            "status = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
            "mb = {k: int(status[k].split()[0]) / 1024 for k in ('VmRSS', 'RssAnon')}\n"
            "print(json.dumps({'app_s': t1 - t0, 'request_s': t2 - t1, 'served': served,\n"
            "                  'cpu_s': cpu,\n"
            "                  **mb}))\n")
        env = dict(os.environ, DATABASE_URL=self.database_url, SEARCH_BACKEND=self.backend,
                   SEARCH_INDEX_DIR=str(self.index_dir), SECRET_KEY="bench",
                   SEARCH_BACKGROUND_DRAIN="0")
        # A deployed worker starts from compiled modules; with PYTHONDONTWRITEBYTECODE set
        # (as on this machine) every start compiled ~190 modules again (~0.2 s).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", "marketplace"], cwd=ROOT,
                       env=env, check=True)
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
                           cold_start_cpu_s=round(inner["cpu_s"], 3),
                           cold_start_first_request_s=round(inner["request_s"], 3),
                           cold_start_create_app_s=round(inner["app_s"], 3),
                           worker_rss_mb=round(inner["VmRSS"], 1),
                           worker_rss_anon_mb=round(inner["RssAnon"], 1))

