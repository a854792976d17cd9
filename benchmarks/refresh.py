"""A full refresh of the stored recommendations at 10k / 100k listings, per search backend.

    .venv/bin/python benchmarks/refresh.py [--size 10000[,100000]] [--backend whoosh,postgres]
                                           [--processes 2] [--batch 1000] [--json]

For each size and backend: a throwaway app (SQLite + a Whoosh index in a temporary
directory for ``whoosh``; a throwaway PostgreSQL database on TEST_POSTGRES_URL's server
for ``postgres``), N synthetic published listings (``search.py``'s populate), a rebuild
(``drain.rebuild``), every listing queued (``services.queue_refresh_all``) and then what
`flask search refresh` runs: ``matching.bulk.Refresher(engine, processes).run()``. Timed:
the whole refresh, of which the corpus load (the index's term data, once), and the CPU
time of the benchmark process and its worker processes (not PostgreSQL's). Other
measurements call ``measure_full_refresh(app, processes, batch)`` on an app whose index
is built and whose refreshes are queued.

Progress goes to stderr; stdout gets one line per run, or with --json one JSON object.
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import synthetic  # noqa: E402
from measure import cpu_seconds, log, rss_mb  # noqa: E402
from populate import populate  # noqa: E402
from search import database  # noqa: E402
from side import SIDES, Side  # noqa: E402


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure_full_refresh(app, processes: int = 2, batch: int | None = None) -> dict:
    """Time ``Refresher.run`` over every queued listing of ``app`` (index built, refreshes
    queued): seconds, listings per second, of which the corpus load, CPU of this process."""
    from marketplace.extensions import db
    from marketplace.matching import bulk, services
    from marketplace.search.engine import MatchEngine
    from marketplace.search.runtime import search_index

    with app.app_context():
        queued = services.pending_refreshes()
        refresher = bulk.Refresher(MatchEngine(search_index()), processes, batch or bulk.BATCH)
        started, cpu, own = time.perf_counter(), cpu_seconds(), _own_cpu()
        corpus = refresher.corpus()
        loaded = time.perf_counter() - started
        done, last = 0, [time.perf_counter()]

        def progress(count):
            nonlocal done
            done += count
            log(f"  {done}/{queued} ({time.perf_counter() - last[0]:.1f} s this batch)")
            last[0] = time.perf_counter()

        refreshed = refresher.run(progress, corpus=corpus)
        elapsed = time.perf_counter() - started
        left = services.pending_refreshes()
        db.session.remove()
    return {"refresh_all_s": round(elapsed, 1), "refresh_corpus_s": round(loaded, 1),
            "refresh_listings": queued, "refreshed": refreshed, "left_queued": left,
            "refresh_rate_per_s": round(queued / elapsed, 1) if elapsed else None,
            # CPU of this process and its (finished) workers, and of this process alone:
            # on a shared machine the wall time says more about the others than about us.
            "refresh_cpu_s": round(cpu_seconds() - cpu, 1),
            "refresh_main_cpu_s": round(_own_cpu() - own, 1),
            "processes": processes, "batch": batch or bulk.BATCH}


def measure(size: int, seed: int, backend: str, workdir: Path, processes: int,
            batch: int | None) -> dict:
    """One full refresh of ``size`` listings on ``backend`` (a side of search.py: its
    database, populate and rebuild), every listing queued as after a rebuild."""
    from marketplace.extensions import db
    from marketplace.matching import services

    with database(backend, workdir, keep=False) as url:
        side = Side(backend, url, workdir, size, seed, recommend=0, stored=0)
        app = side.create_app()
        try:
            with app.app_context():
                started = time.perf_counter()
                log(f"{backend} {size}: populating the database")
                populate(size, seed, synthetic.load_corpus())
                side.result["populate_s"] = round(time.perf_counter() - started, 1)
                log(f"{backend} {size}: rebuild")
                side.rebuild()
                services.queue_refresh_all()
                db.session.commit()
                db.session.remove()
            log(f"{backend} {size}: rebuilt in {side.result['rebuild_s']} s; refresh")
            side.result.update(measure_full_refresh(app, processes, batch))
            side.result["rss_mb"], side.result["peak_rss_mb"] = rss_mb()
            side.result["load_average_end"] = round(os.getloadavg()[0], 2)
            return side.result
        finally:
            with app.app_context():
                db.engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10000", help="listings, comma list")
    parser.add_argument("--backend", default="whoosh,postgres",
                        help=f"comma list of {', '.join(SIDES)}")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = []
    for size in (int(s.replace("_", "")) for s in args.size.split(",")):
        for backend in args.backend.split(","):
            with tempfile.TemporaryDirectory(prefix=f"refresh-bench-{size}-") as workdir:
                result = measure(size, args.seed, backend, Path(workdir), args.processes,
                                 args.batch)
            results.append(result)
            if not args.json:
                print(f"{backend:8} {size:>7} listings: full refresh {result['refresh_all_s']} s "
                      f"({result['refresh_rate_per_s']} listings/s; corpus "
                      f"{result['refresh_corpus_s']} s; CPU {result['refresh_cpu_s']} s, of "
                      f"which this process {result['refresh_main_cpu_s']} s), rebuild "
                      f"{result['rebuild_s']} s, load average {result['load_average_end']}",
                      flush=True)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
