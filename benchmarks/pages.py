"""What one page costs: SQL statements, CPU and wall time per request, page by page, for
N sequential requests through the WSGI app (no server, no network, one thread).

    .venv/bin/python benchmarks/pages.py --url postgresql://postgres@127.0.0.1/pages10k
                                         [--workdir DIR] [--requests 40] [--json]

--url names a PostgreSQL (or SQLite) database to read. An empty one is filled first as
benchmarks/load.py fills its own (migrations, reference data, 10,000 synthetic published
listings, member accounts, the search index rebuilt in --workdir/index, the accounts in
--workdir/plan.json); a filled one is reused with the same --workdir, so before/after
runs read the same rows. Rate limits are off; everything else is the
production configuration.

Each page kind is requested a few times to warm up, then --requests times in a row,
anonymous and signed in as a member of an enterprise (the session is made once through
the login form). Per kind: the statements one request issues (min–max), p50/p95 of the
request's CPU time (time.process_time: what it costs, whatever else runs on the
machine) and of its wall time. CPU is the figure to compare across runs on a busy
machine.

Progress goes to stderr; stdout gets a table, and with --json a last line holding one
JSON object.
"""
import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sqlalchemy as sa  # noqa: E402
from measure import as_autovacuum_leaves_it, percentile  # noqa: E402

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
QUERIES = ("停车", "智慧停车", "数字孪生", "虚拟电厂", "一网统管", "物联网", "人工智能", "VR")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def page_kinds(ids: dict, rng: random.Random) -> dict:
    """Page kind → a function giving the next URL to request."""
    def detail(kind, prefix):
        low, high = ids[kind]
        return lambda: f"{prefix}/{rng.randint(low, high)}"

    return {
        "home": lambda: "/",
        "opportunities": lambda: f"/opportunities/?page={rng.randint(1, 20)}",
        "products": lambda: f"/products/?page={rng.randint(1, 20)}",
        "opportunities filtered": lambda: "/opportunities/?region=360100&status=all",
        "results": lambda: "/results/",
        "events": lambda: "/events/",
        "releases": lambda: "/releases/",
        "search": lambda: f"/search?q={rng.choice(QUERIES)}",
        "opportunity detail": detail("opportunity", "/opportunities"),
        "product detail": detail("product", "/products"),
    }


def make_app(url: str, workdir: Path):
    from marketplace import create_app
    from marketplace.config import Config

    return create_app(Config, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="pages",
                      SEARCH_INDEX_DIR=str(workdir / "index"), SEARCH_BACKGROUND_DRAIN=False,
                      RATE_LIMITS=False)


def ensure_data(url: str, workdir: Path, listings: int) -> dict:
    """The plan (accounts, listing id ranges) of the database, filling it first if empty."""
    plan_file = workdir / "plan.json"
    engine = sa.create_engine(url)
    filled = sa.inspect(engine).has_table("opportunities")
    if filled:
        # A database filled by an earlier version of this script may never have been
        # vacuumed (autovacuum is off on the test server).
        as_autovacuum_leaves_it(engine)
    engine.dispose()
    if filled and plan_file.exists():
        return json.loads(plan_file.read_text("utf-8"))
    if filled:
        raise SystemExit(f"{url} holds data but {plan_file} is missing: pass the --workdir "
                         "it was filled with, or an empty database")
    import load  # its seed() makes the same database load.py measures

    workdir.mkdir(parents=True, exist_ok=True)
    plan = load.seed(url, workdir, listings, 20, 42)
    plan_file.write_text(json.dumps(plan, ensure_ascii=False), "utf-8")
    return plan


class StatementCounter:
    """Counts the SQL statements the app's engine runs."""

    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args):
        self.count += 1


def sign_in(client, plan: dict) -> None:
    account = next(a for a in plan["accounts"] if a["kind"] == "product")
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": account["email"],
                                           "password": plan["password"],
                                           "csrf_token": TOKEN.search(page).group(1)})
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed: {response.status_code}")


def measure(client, counter, next_url, requests: int, warmup: int = 3) -> dict:
    cpu, wall, statements = [], [], []
    for number in range(warmup + requests):
        url = next_url()
        before, started, cpu_started = counter.count, time.perf_counter(), time.process_time()
        response = client.get(url)
        response.get_data()
        if response.status_code != 200 or "全文检索暂时不可用" in response.get_data(as_text=True):
            raise SystemExit(f"GET {url}: {response.status_code} (or the degraded search)")
        if number >= warmup:
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            statements.append(counter.count - before)
    return {"statements_min": min(statements), "statements_max": max(statements),
            "cpu_p50_ms": round(percentile(cpu, 0.5) * 1000, 1),
            "cpu_p95_ms": round(percentile(cpu, 0.95) * 1000, 1),
            "wall_p50_ms": round(percentile(wall, 0.5) * 1000, 1),
            "wall_p95_ms": round(percentile(wall, 0.95) * 1000, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("PAGES_DATABASE_URL"), required=
                        not os.environ.get("PAGES_DATABASE_URL"))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/marketplace-pages"))
    parser.add_argument("--listings", type=int, default=10_000, help="when filling")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    plan = ensure_data(args.url, args.workdir, args.listings)
    app = make_app(args.url, args.workdir)
    from marketplace.extensions import db

    with app.app_context():
        counter = StatementCounter(db.engine)
    result = {"load_average": [round(x, 2) for x in os.getloadavg()], "pages": {}}
    for who in ("anonymous", "member"):
        client = app.test_client()
        if who == "member":
            sign_in(client, plan)
        kinds = page_kinds(plan["ids"], random.Random(args.seed))
        for name, next_url in kinds.items():
            figures = measure(client, counter, next_url, args.requests)
            result["pages"][f"{who}: {name}"] = figures
            log(f"{who}: {name}: {figures}")
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]

    print(f"load average {result['load_average']} → {result['load_average_after']}, "
          f"{args.requests} requests per page")
    print(f"{'page':34} {'SQL':>7} {'CPU p50':>8} {'CPU p95':>8} {'wall p50':>9} {'wall p95':>9}")
    for name, f in result["pages"].items():
        sql = (f"{f['statements_min']}" if f["statements_min"] == f["statements_max"]
               else f"{f['statements_min']}-{f['statements_max']}")
        print(f"{name:34} {sql:>7} {f['cpu_p50_ms']:>8.1f} {f['cpu_p95_ms']:>8.1f} "
              f"{f['wall_p50_ms']:>9.1f} {f['wall_p95_ms']:>9.1f}")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
