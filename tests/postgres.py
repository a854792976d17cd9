"""Run the test suite against PostgreSQL in a fresh, throwaway database.

    python -m tests.postgres [--search-backend postgres] [pytest args…]

TEST_POSTGRES_URL names the server (default postgresql://postgres@127.0.0.1:5432/postgres,
trust auth). Where no server answers, the run is skipped with a message, or fails when
REQUIRE_POSTGRES=1 (CI). The database is dropped afterwards. ``--search-backend postgres``
runs the tests with the search index in the database too (TEST_SEARCH_BACKEND, read by
tests/conftest.py); Whoosh otherwise.
"""
import os
import subprocess
import sys

from tests.databases import create_postgres, server_url

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
    server = server_url()
    try:
        test_url, drop = create_postgres(server, "marketplace_test")
    except Exception as error:  # noqa: BLE001 - any connection failure means "no server"
        print(f"{HINT}\n({type(error).__name__}: {str(error).splitlines()[0]})")
        return 1 if os.environ.get("REQUIRE_POSTGRES") == "1" else 0
    print(f"== PostgreSQL test run on {server.host}:{server.port}/"
          f"{test_url.rsplit('/', 1)[-1]}, search backend {search_backend}", flush=True)
    try:
        return subprocess.call([sys.executable, "-m", "pytest", *pytest_args],
                               env={**os.environ, "TEST_DATABASE_URL": test_url,
                                    "TEST_SEARCH_BACKEND": search_backend})
    finally:
        drop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
