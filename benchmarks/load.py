"""A load test of the production shape: gunicorn (4 workers) + PostgreSQL + the drain,
driven by locust (headless) from 127.0.0.1.

    .venv/bin/python benchmarks/load.py [--listings 10000] [--users 200] [--run-time 75]
                                        [--ramp 60] [--workers 4] [--seed 42] [--json]

Setup: a throwaway PostgreSQL database on TEST_POSTGRES_URL's server (default
postgresql://postgres@127.0.0.1:5432/postgres), migrated, the reference data, --listings
synthetic published listings (benchmarks/synthetic.py, as benchmarks/search.py makes
them: Core INSERTs), a member account for each simulated user (half in departments, half
in enterprises, each organization owning some of the listings), the index rebuilt, the
planner statistics and visibility map made (VACUUM ANALYZE, as autovacuum would in
production: it is off on the test server). Then
`gunicorn -w 4 wsgi:app` and `flask search sync --follow` start, and locust runs
benchmarks/locust_users.py: --users users, 3–8 s think time, 70 % browse / search /
detail, 20 % edit, 10 % publish (new listing saved and submitted).

The users start (and sign in) evenly over --ramp seconds: a sign-in is a scrypt hash,
~100 ms of CPU by design, and 200 of them at once queued every page behind them. The
figures are those of the --run-time seconds after the last user started (locust's
--reset-stats); sign-ins are not among them.

Afterwards the drain is given up to a minute to empty the outbox, and the index is
compared with the database (`flask search check`'s service): index drift is the number of
published listings missing from the index plus documents with no published row.

Rate limits are off in the served app (every simulated user comes from 127.0.0.1, so the
per-address limits would answer 429 to the whole crowd); everything else is the
production configuration (scrypt password hashes, CSRF, sessions). Stored
recommendations are not precomputed for the seeded listings (that is hours of drain work
at 10k); detail pages read whatever rows exist.

Progress goes to stderr; stdout gets a summary, and with --json a last line holding one
JSON object. Everything made is removed afterwards.
"""
import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sqlalchemy as sa  # noqa: E402

from measure import as_autovacuum_leaves_it  # noqa: E402
from tests.databases import create_postgres, server_url  # noqa: E402

PASSWORD = "Load-test-passw0rd"
QUERIES = ["停车", "智慧停车", "数字孪生", "虚拟电厂", "一网统管", "物联网", "人工智能", "VR",
           "水质监测", "智慧水利", "养老服务", "应急管理", "5G", "无人机巡检", "冷链物流",
           "智慧校园", "城市大脑", "数据中台", "新能源", "智能网联"]
KINDS = ("browse", "search", "detail", "edit form", "edit save", "publish form",
         "publish create", "publish submit", "login form", "login")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(url: str, workdir: Path, listings: int, users: int, seed_value: int) -> dict:
    """Migrate, load reference data and the listings, make the accounts, rebuild the
    index; returns the plan the locust users read."""
    import synthetic
    from populate import populate

    from marketplace import create_app
    from marketplace.accounts.models import User
    from marketplace.config import Config
    from marketplace.extensions import db
    from marketplace.opportunities.models import Opportunity
    from marketplace.products.models import Product
    from marketplace.search.drain import rebuild
    from marketplace.search.runtime import search_index
    from marketplace.taxonomy.queries import field_by_name, tag_by_name
    from werkzeug.security import generate_password_hash

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="load",
                     SEARCH_INDEX_DIR=str(workdir / "index"), SEARCH_BACKGROUND_DRAIN=False)
    with app.app_context():
        started = time.perf_counter()
        # migrates, loads the reference data too and moves the sequences on
        populate(listings, seed_value, synthetic.load_corpus())
        log(f"seeded {listings} listings in {time.perf_counter() - started:.0f} s")
        password_hash = generate_password_hash(PASSWORD)  # the production method (scrypt)
        accounts = []
        sides = (("opportunity", Opportunity), ("product", Product))
        owners = {kind: db.session.execute(  # the organizations with most listings first
            sa.select(model.organization_id, sa.func.count()).group_by(model.organization_id)
            .order_by(sa.func.count().desc(), model.organization_id)).all()
            for kind, model in sides}
        for number in range(users):
            kind, model = sides[number % 2]
            org_id = owners[kind][(number // 2) % len(owners[kind])][0]
            own = db.session.scalars(sa.select(model.id).where(
                model.organization_id == org_id).order_by(model.id).limit(20)).all()
            email = f"load{number}@load.test.cn"
            db.session.add(User(email=email, name=f"负载用户{number}", organization_id=org_id,
                                org_role="member", password_hash=password_hash))
            accounts.append({"email": email, "kind": kind, "own": own})
        db.session.commit()
        started = time.perf_counter()
        rebuild(search_index(), processes=2)
        db.session.commit()
        log(f"index rebuilt in {time.perf_counter() - started:.0f} s")
        as_autovacuum_leaves_it(db.engine)
        ids = {kind: [db.session.scalar(sa.select(sa.func.min(model.id))),
                      db.session.scalar(sa.select(sa.func.max(model.id)))]
               for kind, model in sides}
        plan = {"accounts": accounts, "password": PASSWORD, "ids": ids, "queries": QUERIES,
                "field_id": str(field_by_name("交通出行").id),
                "tag_ids": [str(tag_by_name("智慧停车").id)], "region_code": "360113"}
        db.session.remove()
        db.engine.dispose()
    return plan


def drift(url: str, workdir: Path, patience: float = 60.0) -> dict:
    """Wait (up to ``patience`` s) for the drain to empty the outbox, then compare."""
    from marketplace import create_app
    from marketplace.config import Config
    from marketplace.extensions import db
    from marketplace.search.drain import check
    from marketplace.search.models import IndexTask
    from marketplace.search.runtime import search_index

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="load",
                     SEARCH_INDEX_DIR=str(workdir / "index"), SEARCH_BACKGROUND_DRAIN=False)
    with app.app_context():
        give_up = time.monotonic() + patience
        while True:
            pending = db.session.scalar(sa.select(sa.func.count(IndexTask.id)))
            db.session.remove()
            if not pending or time.monotonic() > give_up:
                break
            time.sleep(1)
        found = check(search_index())
        db.session.remove()
        db.engine.dispose()
    return {"pending_index_tasks": pending, "missing": len(found["missing"]),
            "orphaned": len(found["orphaned"]),
            "index_drift": len(found["missing"]) + len(found["orphaned"])}


def read_stats(prefix: Path) -> dict:
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
    kinds = {}
    for row in rows:
        if not int(row["Request Count"]):
            continue
        kinds[row["Name"]] = {
            "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]),
            "rps": round(float(row["Requests/s"]), 2)}
    return kinds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--run-time", type=int, default=75, help="seconds of load")
    parser.add_argument("--ramp", type=int, default=60,
                        help="seconds over which the users start and sign in (not measured)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    # The machine's load before anything starts: on a shared machine, what else ran.
    load_before = [round(x, 2) for x in os.getloadavg()]
    url, drop = create_postgres(server_url(), "marketplace_load")
    workdir = Path(tempfile.mkdtemp(prefix="marketplace-load-"))
    processes = []
    try:
        plan = seed(url, workdir, args.listings, args.users, args.seed)
        (workdir / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), "utf-8")
        port = free_port()
        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="load-test-secret",
                   SEARCH_INDEX_DIR=str(workdir / "index"), UPLOAD_DIR=str(workdir / "up"),
                   RATE_LIMITS="0", SEARCH_BACKGROUND_DRAIN="0", LOAD_PLAN=str(workdir / "plan.json"))
        bin_dir = Path(sys.executable).parent
        processes.append(subprocess.Popen(
            [str(bin_dir / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
             "--timeout", "60", "wsgi:app"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=open(workdir / "gunicorn.log", "w")))
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi.py", "search", "sync", "--follow"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=open(workdir / "drain.log", "w")))
        host = f"http://127.0.0.1:{port}"
        for _ in range(120):  # gunicorn's workers import the app
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        for _ in range(2 * args.workers):  # warm up: every worker has imported the app
            urllib.request.urlopen(f"{host}/search?q=%E5%81%9C%E8%BD%A6",
                                   timeout=120).read()
        log(f"gunicorn ({args.workers} workers) on {host}; locust: {args.users} users, "
            f"{args.run_time} s")
        prefix = workdir / "locust"
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks/locust_users.py"),
             "--headless", "-u", str(args.users), "-r", f"{args.users / args.ramp:.3f}",
             "-t", f"{args.ramp + args.run_time}s", "--reset-stats", "--host", host,
             "--csv", str(prefix),
             "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=open(workdir / "locust.log", "w"))
        kinds = read_stats(prefix)
        if "Aggregated" not in kinds:
            for name in ("locust.log", "gunicorn.log"):
                log(f"== {name}\n" + (workdir / name).read_text("utf-8")[-3000:])
            raise SystemExit("locust made no requests")
        total = kinds.pop("Aggregated")
        processes[0].send_signal(signal.SIGTERM)
        processes[0].wait(timeout=60)
        result = {"listings": args.listings, "users": args.users, "run_time_s": args.run_time,
                  "ramp_s": args.ramp, "workers": args.workers, "think_time_s": [3, 8],
                  "load_average_before": load_before,
                  "load_average": [round(x, 2) for x in os.getloadavg()],
                  "requests": total["requests"], "failures": total["failures"],
                  "error_rate": round(total["failures"] / max(1, total["requests"]), 4),
                  "rps": total["rps"], "p50_ms": total["p50_ms"], "p95_ms": total["p95_ms"],
                  "kinds": kinds, **drift(url, workdir)}
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
        drop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False)
    print(f"{result['listings']} listings, {result['users']} users, {result['run_time_s']} s: "
          f"{result['requests']} requests, {result['rps']} req/s, error rate "
          f"{result['error_rate']:.2%}, index drift {result['index_drift']}, load average "
          f"{result['load_average_before']} before, {result['load_average']} at the end")
    print(f"{'kind':16} {'requests':>8} {'fail':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for name in KINDS:
        if name in result["kinds"]:
            k = result["kinds"][name]
            print(f"{name:16} {k['requests']:>8} {k['failures']:>5} {k['p50_ms']:>8.0f} "
                  f"{k['p95_ms']:>8.0f}")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
