"""The province's 十百千 dashboard with 10,000 designations.

    .venv/bin/python benchmarks/dashboard.py [--designations 10000] [--repeat 5] [--json]

A temporary SQLite database is built with the app factory (migrations, `flask seed
reference` data), then --designations active designations (every kind, years 2022 to
this year, a few revoked) are spread over 江西省's regions, the province and its cities
included. The province dashboard (/programme/) is requested through the test client as a
platform administrator: one warm-up, then --repeat timed requests; the median is printed
with the number of SQL statements of one request (the same for 20 designations: the
page's cost in queries does not grow with them, tests/demonstrations/test_dashboards.py).
The public /progress page is timed the same way. Progress goes to stderr; with --json the
last line of stdout is one JSON object.
"""
import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(workdir: Path, count: int):
    import sqlalchemy as sa

    from marketplace import create_app
    from marketplace.accounts import services as accounts
    from marketplace.config import Config
    from marketplace.db import beijing_today
    from marketplace.demonstrations.models import DESIGNATION_KINDS, Designation
    from marketplace.extensions import db, upgrade_database
    from marketplace.seeding.reference import load_reference
    from marketplace.taxonomy.models import Region

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir / 'bench.db'}",
                     SEARCH_INDEX_DIR=str(workdir / "index"), SECRET_KEY="bench",
                     PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", SEARCH_BACKGROUND_DRAIN=False)
    with app.app_context():
        upgrade_database(app)
        load_reference()
        admin = accounts.create_platform_admin("bench@test.cn", "基准管理员", "Bench-password-1")
        codes = [r.code for r in db.session.scalars(
            sa.select(Region).where(Region.code.startswith("36"))) if not r.is_placeholder]
        rng, this_year = random.Random(9), beijing_today().year
        kinds = list(DESIGNATION_KINDS)
        rows = [{"region_code": rng.choice(codes), "kind": rng.choice(kinds),
                 "year": rng.randint(2022, this_year), "name": f"基准认定{i}",
                 "status": "revoked" if i % 50 == 0 else "active"} for i in range(count)]
        db.session.execute(sa.insert(Designation), rows)
        db.session.commit()
        user_id = admin.get_id()
        log(f"{count} designations over {len(codes)} regions of 江西省")
    return app, user_id


def timed(client, url: str, repeat: int) -> tuple[float, int]:
    """(median ms of ``repeat`` requests after a warm-up, SQL statements of one)."""
    from sqlalchemy import event

    from marketplace.extensions import db

    statements = []

    def executed(*args):
        statements.append(1)

    assert client.get(url).status_code == 200
    with client.application.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", executed)
    assert client.get(url).status_code == 200
    event.remove(engine, "before_cursor_execute", executed)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return statistics.median(times), len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designations", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as tmp:
        app, user_id = build(Path(tmp), options.designations)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user_id, True
        dashboard_ms, dashboard_sql = timed(client, "/programme/", options.repeat)
        public_ms, public_sql = timed(app.test_client(), "/progress", options.repeat)
    result = {"designations": options.designations, "repeat": options.repeat,
              "dashboard_median_ms": round(dashboard_ms, 1), "dashboard_statements": dashboard_sql,
              "progress_median_ms": round(public_ms, 1), "progress_statements": public_sql}
    print(f"province dashboard /programme/: {result['dashboard_median_ms']} ms median of "
          f"{options.repeat}, {dashboard_sql} SQL statements")
    print(f"public page /progress: {result['progress_median_ms']} ms median of "
          f"{options.repeat}, {public_sql} SQL statements")
    if options.json:
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
