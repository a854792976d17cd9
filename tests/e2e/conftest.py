"""Fixtures for the browser tests: a live server on its own database, headless Chromium.

The live server runs the real app (CSRF on) in a background thread on a SQLite file of
its own, so these tests do not share the rolled-back transaction of the unit tests (the
autouse ``_transaction`` fixture in tests/conftest.py steps aside for tests that request
``live_server``).

Without Chromium or Playwright the tests are skipped; with REQUIRE_BROWSER=1 (CI) they
fail instead, so a broken CI image cannot silently skip them.
"""
import os
import re
import shutil
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db, upgrade_database

MISSING_BROWSER = ("需要 Chromium 与 Playwright：apt-get install chromium fonts-noto-cjk; "
                   "pip install -e '.[dev]'")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = "test-artifacts"
_REPORTS = pytest.StashKey[dict]()


@dataclass
class LiveServer:
    url: str
    app: Flask
    admin_email: str
    admin_password: str


def _chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


def _browser_unavailable() -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(MISSING_BROWSER, pytrace=False)
    pytest.skip(MISSING_BROWSER)


@contextmanager
def serving(populate: Callable[[], None] | None = None) -> Iterator[LiveServer]:
    """The app on a database of its own (migrated, reference data, a platform admin, then
    ``populate()`` in an app context), served from a background thread until the block
    ends."""
    from marketplace.accounts.services import create_platform_admin
    from marketplace.seeding.reference import load_reference

    tmp_dir = tempfile.mkdtemp(prefix="marketplace-e2e-")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_dir}/e2e.db",
                     WTF_CSRF_ENABLED=True,
                     DEMO_LOGINS_FILE=os.path.join(tmp_dir, "demo-logins.txt"),
                     SEARCH_INDEX_DIR=os.path.join(tmp_dir, "search-index"),
                     UPLOAD_DIR=os.path.join(tmp_dir, "uploads"),
                     IMPORT_DIR=os.path.join(tmp_dir, "imports"),
                     SEARCH_BACKGROUND_DRAIN=True)
    admin_email, admin_password = "admin@e2e.test.cn", "E2e-admin-passw0rd"
    with app.app_context():
        upgrade_database(app)
        if populate is not None:
            populate()
        else:
            load_reference()
        create_platform_admin(admin_email, "平台管理员", admin_password)
        db.session.commit()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app,
                         admin_email=admin_email, admin_password=admin_password)
    finally:
        # Stop the drain thread before the unit tests swap db.session for their own.
        app.extensions["search_drain_stop"].set()
        app.extensions["search_drain_thread"].join(timeout=30)  # its last pass, then files go
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(tmp_dir, ignore_errors=True)


@pytest.fixture(scope="package")
def live_server():
    with serving() as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    if not Path(_chromium_path()).exists():
        _browser_unavailable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item so ``page`` can see a failure."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture
def page(request, browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = request.node.stash.get(_REPORTS, {}).get("call")
    if report is not None and report.failed:
        out = request.config.rootpath / ARTIFACTS
        out.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        try:
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            (out / f"{name}.html").write_text(page.content(), encoding="utf-8")
        except Exception as error:  # a crashed page must not hide the test's own failure
            print(f"截图失败：{error}")
    context.close()
