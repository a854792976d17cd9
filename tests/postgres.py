"""Run the test suite against PostgreSQL in a fresh, throwaway database.

    python -m tests.postgres [--search-backend postgres] [pytest args…]

TEST_POSTGRES_URL names the server (default postgresql://postgres@127.0.0.1:5432/postgres,
trust auth). Where no server answers, the run is skipped with a message, or fails when
REQUIRE_POSTGRES=1 (CI). The database is dropped afterwards. ``--search-backend postgres``
runs the tests with the search index in the database too (TEST_SEARCH_BACKEND, read by
tests/conftest.py); Whoosh otherwise.
"""
import os
import secrets
import subprocess
import sys

import sqlalchemy as sa

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HINT = ("PostgreSQL 不可用，跳过 PostgreSQL 测试。安装并启动 PostgreSQL（apt-get install "
        "postgresql），或设置 TEST_POSTGRES_URL 指向可建库的服务器。")


def _search_backend(args: list[str]) -> tuple[str, list[str]]:
    """(the backend named by ``--search-backend NAME``, the other arguments)."""
    if "--search-backend" in args:
        at = args.index("--search-backend")
        return args[at + 1], args[:at] + args[at + 2:]
    return os.environ.get("TEST_SEARCH_BACKEND", "whoosh"), args


def main(args: list[str]) -> int:
    search_backend, pytest_args = _search_backend(args)
    server_url = sa.make_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_URL))
    name = f"marketplace_test_{secrets.token_hex(4)}"
    try:
        engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as error:  # noqa: BLE001 - any connection failure means "no server"
        print(f"{HINT}\n({type(error).__name__}: {str(error).splitlines()[0]})")
        return 1 if os.environ.get("REQUIRE_POSTGRES") == "1" else 0
    test_url = server_url.set(database=name).render_as_string(hide_password=False)
    print(f"== PostgreSQL test run on {server_url.host}:{server_url.port}/{name}, "
          f"search backend {search_backend}", flush=True)
    try:
        return subprocess.call([sys.executable, "-m", "pytest", *pytest_args],
                               env={**os.environ, "TEST_DATABASE_URL": test_url,
                                    "TEST_SEARCH_BACKEND": search_backend})
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
