"""Concurrent page reads on SQLite while the search drain writes: GET requests in DEFERRED
transactions (now) against every transaction taking the write lock (before).

    .venv/bin/python benchmarks/sqlite_readers.py [--readers 4] [--think 0.2] [--duration 10]
                                                  [--drain-interval 1] [--touch-interval 0.1]
                                                  [--immediate | --deferred] [--json]

One demo database is built in a temporary directory the way `make run` builds it
(migrations, `flask seed reference`, `flask seed demo`, the first drain passes that build
the index and the stored recommendations). Each mode then runs on its own copy of it,
with an app like the embedded one, for --duration seconds:

* --readers threads, each with its own test client, GET the public pages in turn
  (listing pages, search, listing details), --think seconds apart, timing each request;
* the search drain runs `sync_step()` in another thread every --drain-interval seconds
  (each pass its own app context and commit, as the background drain of `make run`);
* a third thread keeps tasks coming: every --touch-interval seconds it touches one
  published listing (updated_at, one commit), so that the drain reindexes it and
  recomputes its stored recommendations.

"immediate" sets SQLITE_DEFERRED_READS = False (every transaction BEGIN IMMEDIATE, the
behaviour before), "deferred" is the default configuration. Both run by default and the
ratios are printed. Progress goes to stderr; stdout gets the table, or with --json exactly
one JSON object.
"""
import argparse
import itertools
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sqlalchemy as sa  # noqa: E402

from measure import log, percentile  # noqa: E402

MODES = ("immediate", "deferred")
SEARCH_QUERY = "停车"


def drain_step():
    """One pass of the search drain (the one place that knows where it lives)."""
    from marketplace.sync.steps import sync_step

    return sync_step()


def create_app(workdir: Path, mode: str):
    from marketplace import create_app as factory
    from marketplace.config import Config

    return factory(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir / 'bench.db'}",
                   SEARCH_INDEX_DIR=str(workdir / "index"), SECRET_KEY="bench",
                   DEMO_LOGINS_FILE=str(workdir / "demo-logins.txt"),
                   # nobody logs in here: a cheap hash keeps the seeding quick
                   PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
                   SEARCH_BACKGROUND_DRAIN=False,
                   SQLITE_DEFERRED_READS=(mode == "deferred"))


# -- the demo database ------------------------------------------------------------------------

def build_demo(workdir: Path) -> None:
    """Migrations, reference and demo data, then drain passes until nothing is pending:
    what `make run` does before it serves."""
    from marketplace.extensions import db, upgrade_database
    from marketplace.seeding.demo import load_demo
    from marketplace.seeding.reference import load_reference

    workdir.mkdir()
    app = create_app(workdir, "deferred")
    with app.app_context():
        upgrade_database(app)
        load_reference()
        load_demo()
        db.session.commit()
        db.session.remove()
    for _ in range(20):
        with app.app_context():
            result = drain_step()
        if not (result.applied or result.refreshed or result.rebuilt):
            break
    with app.app_context():
        db.engine.dispose()  # the last connection checkpoints the WAL into the file


def published(app) -> dict[str, list[int]]:
    from marketplace.extensions import db
    from marketplace.listings.models import LISTING_MODELS

    with app.app_context():
        ids = {kind: list(db.session.scalars(sa.select(model.id).where(
            model.status == "published").order_by(model.id)))
               for kind, model in LISTING_MODELS.items()}
        db.session.remove()
    return ids


def page_urls(ids: dict[str, list[int]]) -> list[str]:
    return ["/opportunities/", "/products/", f"/search?q={SEARCH_QUERY}",
            f"/opportunities/{ids['opportunity'][0]}", f"/products/{ids['product'][0]}"]


# -- one mode ---------------------------------------------------------------------------------

class Counter:
    """Successes and failures of one kind of work, counted from several threads."""

    def __init__(self):
        self.done = self.errors = 0
        self.first_error = ""
        self._lock = threading.Lock()

    def succeeded(self) -> None:
        with self._lock:
            self.done += 1

    def failed(self, error: Exception) -> None:
        with self._lock:
            self.errors += 1
            self.first_error = self.first_error or f"{type(error).__name__}: {error}"[:200]


class Load:
    """The threads of one mode and what they measure."""

    def __init__(self, app, ids: dict[str, list[int]], args):
        self.app, self.ids, self.args = app, ids, args
        self.stop = threading.Event()
        self.latencies, self.pass_durations, self.applied = [], [], []
        self.reads, self.passes, self.touches = Counter(), Counter(), Counter()

    def reader(self, offset: int) -> None:
        client = self.app.test_client()
        urls = page_urls(self.ids)
        for url in itertools.islice(itertools.cycle(urls), offset, None):
            if self.stop.wait(self.args.think):
                return
            start = time.perf_counter()
            status = client.get(url).status_code
            self.latencies.append(time.perf_counter() - start)
            if status == 200:
                self.reads.succeeded()
            else:
                self.reads.failed(RuntimeError(f"GET {url} answered {status}"))

    def drainer(self) -> None:
        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                with self.app.app_context():
                    self.applied.append(drain_step().applied)
                self.pass_durations.append(time.perf_counter() - start)
                self.passes.succeeded()
            except Exception as error:  # noqa: BLE001 - counted; the next pass retries
                self.passes.failed(error)
            self.stop.wait(self.args.drain_interval)

    def toucher(self) -> None:
        from marketplace.db import utcnow
        from marketplace.extensions import db
        from marketplace.listings.models import LISTING_MODELS

        listings = itertools.cycle([(kind, item_id) for kind, found in self.ids.items()
                                    for item_id in found])
        while not self.stop.wait(self.args.touch_interval):
            kind, item_id = next(listings)
            try:
                with self.app.app_context():
                    db.session.get(LISTING_MODELS[kind], item_id).updated_at = utcnow()
                    db.session.commit()
                self.touches.succeeded()
            except Exception as error:  # noqa: BLE001 - counted, the benchmark goes on
                self.touches.failed(error)

    def run(self) -> float:
        """Every thread for --duration seconds; the seconds they actually ran."""
        threads = [threading.Thread(target=self.reader, args=(n,))
                   for n in range(self.args.readers)]
        threads += [threading.Thread(target=self.drainer), threading.Thread(target=self.toucher)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(self.args.duration)
        self.stop.set()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    def figures(self, elapsed: float) -> dict:
        return {
            "reads": self.reads.done, "reads_per_s": round(self.reads.done / elapsed, 1),
            "read_p50_ms": round(percentile(self.latencies, 0.5) * 1000, 1),
            "read_p95_ms": round(percentile(self.latencies, 0.95) * 1000, 1),
            "read_errors": self.reads.errors,
            "drain_passes_per_s": round(self.passes.done / elapsed, 2),
            "drain_pass_p50_ms": round(percentile(self.pass_durations, 0.5) * 1000, 1),
            "drain_tasks_applied": sum(self.applied), "drain_errors": self.passes.errors,
            "touches_per_s": round(self.touches.done / elapsed, 2),
            "touch_errors": self.touches.errors,
            "first_error": (self.reads.first_error or self.passes.first_error
                            or self.touches.first_error),
        }


def run_mode(seed_dir: Path, workdir: Path, mode: str, args) -> dict:
    from marketplace.extensions import db

    shutil.copytree(seed_dir, workdir)
    app = create_app(workdir, mode)
    ids = published(app)
    client = app.test_client()
    for url in page_urls(ids):  # warm up: templates compiled, the index opened
        assert client.get(url).status_code == 200, url
    load = Load(app, ids, args)
    log(f"{mode}: {args.readers} readers, the drain and the toucher for {args.duration} s")
    figures = load.figures(load.run())
    with app.app_context():
        db.engine.dispose()
    return figures


# -- report -----------------------------------------------------------------------------------

ROWS = [("reads/s", "reads_per_s"), ("read p50 ms", "read_p50_ms"),
        ("read p95 ms", "read_p95_ms"), ("read errors", "read_errors"),
        ("drain passes/s", "drain_passes_per_s"), ("drain pass p50 ms", "drain_pass_p50_ms"),
        ("drain tasks applied", "drain_tasks_applied"), ("drain errors", "drain_errors"),
        ("touches/s", "touches_per_s"), ("touch errors", "touch_errors")]


def ratios(results: dict) -> dict:
    before, after = results["immediate"], results["deferred"]

    def ratio(key, inverse=False):
        a, b = (before[key], after[key]) if inverse else (after[key], before[key])
        return round(a / b, 2) if b else None

    return {"reads_per_s_ratio": ratio("reads_per_s"),
            "read_p50_speedup": ratio("read_p50_ms", inverse=True),
            "read_p95_speedup": ratio("read_p95_ms", inverse=True),
            "drain_passes_ratio": ratio("drain_passes_per_s")}


def table(results: dict, summary: dict) -> str:
    modes = list(results)
    lines = [f"{'':22}" + "".join(f"{mode:>12}" for mode in modes)]
    for label, key in ROWS:
        lines.append(f"{label:22}" + "".join(f"{results[m][key]:>12}" for m in modes))
    for mode in modes:
        if results[mode]["first_error"]:
            lines.append(f"{mode} first error: {results[mode]['first_error']}")
    lines += [f"{key}: {value}" for key, value in summary.items()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per mode")
    parser.add_argument("--think", type=float, default=0.2,
                        help="seconds each reader waits between two requests")
    parser.add_argument("--drain-interval", type=float, default=1.0,
                        help="seconds between two drain passes (the background drain's 1 s)")
    parser.add_argument("--touch-interval", type=float, default=0.1,
                        help="seconds between two listings touched")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--immediate", action="store_true",
                      help="only the old behaviour: every transaction BEGIN IMMEDIATE")
    only.add_argument("--deferred", action="store_true", help="only the new behaviour")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    modes = ["immediate"] if args.immediate else ["deferred"] if args.deferred else MODES

    with tempfile.TemporaryDirectory(prefix="sqlite-readers-") as tmp:
        seed_dir = Path(tmp) / "seed"
        log("building the demo database (migrations, reference and demo data, index)")
        build_demo(seed_dir)
        results = {mode: run_mode(seed_dir, Path(tmp) / mode, mode, args) for mode in modes}
    summary = {"readers": args.readers, "duration_s": args.duration, "think_s": args.think,
               "drain_interval_s": args.drain_interval, "touch_interval_s": args.touch_interval}
    if len(results) == 2:
        summary.update(ratios(results))
    if args.json:
        print(json.dumps({**summary, "modes": results}, ensure_ascii=False))
    else:
        print(table(results, summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
