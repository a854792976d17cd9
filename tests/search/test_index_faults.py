"""The index under faults: a drain process killed at random points loses nothing, and the
site stays up on a damaged index until `flask search rebuild` repairs it.

(tests/search/test_index.py has the drain interrupted inside one process, the locked
index and the deleted index reported by `flask search check`.)
"""
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.listings.models import LISTING_MODELS
from marketplace.matching.models import RefreshTask
from marketplace.search.documents import doc_from_listing
from marketplace.search.drain import check, published_listings
from marketplace.search.index import document_fields
from marketplace.search.models import IndexTask
from marketplace.search import services as search_services
from marketplace.search.queries import SearchParams, search
from marketplace.search.whoosh_backend import WhooshBackend
from tests.factories import Factory

# About Whoosh's files (damaged segments, generation directories, its lock file); the
# postgres backend's faults are in test_index.py and test_pgbackend.py.
pytestmark = pytest.mark.whoosh_only

ROOT = Path(__file__).resolve().parents[2]
NO_DRIFT = {"missing": [], "orphaned": [], "no_index": []}
SEED = int(os.environ.get("FAULT_SEED", "13"))
TRIALS = 6
TOPICS = ("智慧停车诱导", "河湖水质监测", "虚拟电厂调度", "一网统管平台", "校园安全预警",
          "冷链物流追溯", "智能网联公交", "社区养老服务")


def _pending() -> tuple[int, int]:
    count = sa.func.count()
    return (db.session.scalar(sa.select(count).select_from(IndexTask)),
            db.session.scalar(sa.select(count).select_from(RefreshTask)))


def _pending_let_go() -> tuple[int, int]:
    """``_pending()``, then the session closed: on SQLite no transaction of ours may stand
    in the way of the drain process."""
    found = _pending()
    db.session.remove()
    return found


def stale(index: WhooshBackend) -> list[str]:
    """Index documents whose stored fields differ from what their row gives now."""
    ix, pipeline = index.open()
    with ix.searcher() as searcher:
        stored = {fields["key"]: fields for fields in searcher.all_stored_fields()}
    differing = []
    for item in published_listings():
        expected = document_fields(doc_from_listing(item), pipeline)
        found = stored.get(f"{item.kind}:{item.id}")
        if found is not None and any(found.get(k) != v for k, v in expected.items()
                                     if k in found):
            differing.append(f"{item.kind}:{item.id}")
    return differing


class Writes:
    """A stream of changes through the services: new published listings, edits of
    published ones (in place, as an approved revision lands), closures."""

    def __init__(self, rng: random.Random):
        self.rng, self.make = rng, Factory()
        self.orgs = {"opportunity": self.make.org(kind="department").id,
                     "product": self.make.org().id}

    def batch(self, size: int) -> None:
        from marketplace.accounts.models import Organization
        if self.rng.random() < 0.3:  # an admin's "重建索引": a rebuild, then every refresh
            search_services.request_reindex(self.make.admin())
            db.session.commit()
        for n in range(size):
            choice = self.rng.random()
            published = [i for model in LISTING_MODELS.values() for i in db.session.scalars(
                sa.select(model).where(model.status == "published"))]
            topic = self.rng.choice(TOPICS)
            if choice < 0.5 or len(published) < 10:
                kind = self.rng.choice(["opportunity", "product"])
                org = db.session.get(Organization, self.orgs[kind])
                self.make.listing(kind, org, "published", title=f"{topic}项目{n}",
                                  summary=f"{topic}的建设与运营。")
            elif choice < 0.85:
                item = self.rng.choice(published)
                item.title, item.summary = f"{topic}改版{n}", f"改为{topic}方向。"
                db.session.commit()
            else:
                item = self.rng.choice(published)
                listing_services.close(item.organization.users[0], item, "已签约")
                db.session.commit()


def _flask(env, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi.py", "search", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, **kwargs)


def _passes(drain: subprocess.Popen) -> "queue.Queue[str]":
    """The drain's report lines, one per committed pass that did something."""
    lines: queue.Queue[str] = queue.Queue()

    def read():
        for line in drain.stdout:
            lines.put(line)
    threading.Thread(target=read, daemon=True).start()
    return lines


def _after_passes(lines: "queue.Queue[str]", passes: int) -> int:
    """Wait until ``passes`` passes are reported, or the drain looks idle (no report for
    a while: a trial may hold less work); returns how many were."""
    seen = 0
    while seen < passes:
        try:  # the first pass waits for the process to start (and perhaps a rebuild)
            seen += "已处理" in lines.get(timeout=60.0 if seen == 0 else 3.0)
        except queue.Empty:
            break
    return seen


def test_a_drain_process_killed_at_random_points_loses_nothing(app_with, tmp_path):
    """TRIALS times: queue a batch of writes (sometimes an admin's full reindex), start
    `flask search sync --follow`, and SIGKILL it at a random point: after 0-2 committed
    passes plus a random delay (during its start, a rebuild, a pass or a refresh batch:
    wherever it lands). Then drain to the end: no listing missing from the index, none
    extra, none stale, no task left."""
    fault_app = app_with()
    rng = random.Random(SEED)
    env = dict(os.environ, DATABASE_URL=fault_app.config["SQLALCHEMY_DATABASE_URI"],
               SEARCH_INDEX_DIR=fault_app.config["SEARCH_INDEX_DIR"], SECRET_KEY="test",
               SEARCH_BACKGROUND_DRAIN="0", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    trials = []
    with fault_app.app_context():
        writes = Writes(rng)
        writes.batch(40)  # the first run also builds the index and refreshes everything
        for trial in range(TRIALS):
            if trial:
                writes.batch(rng.randint(10, 25))
            db.session.remove()  # no transaction of ours open while the drain writes
            drain = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi.py", "search", "sync",
                 "--follow", "--interval", "0.2"], cwd=ROOT, env=env, text=True,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            passes = _after_passes(_passes(drain), rng.randint(0, 2))
            time.sleep(rng.uniform(0.0, 1.5))
            drain.send_signal(signal.SIGKILL)
            drain.wait()
            drain.stdout.close()
            trials.append((trial, passes, _pending_let_go()))
        for _ in range(30):  # to completion: a pass takes 1000 tasks and 50 refreshes
            result = _flask(env, "sync")
            assert result.returncode == 0, result.stderr
            if _pending_let_go() == (0, 0):
                break
        assert _pending_let_go() == (0, 0), trials
        checked = _flask(env, "check")
        assert checked.returncode == 0 and "索引与数据库一致" in checked.stdout, \
            (checked.stdout, checked.stderr, trials, SEED)
        index = WhooshBackend(Path(fault_app.config["SEARCH_INDEX_DIR"]))
        assert check(index) == NO_DRIFT
        assert stale(index) == [], (trials, SEED)
    dialect = sa.make_url(env["DATABASE_URL"]).get_backend_name()
    print(f"drain kills on {dialect} (trial, passes seen, tasks left): {trials}")


# --- a damaged index: the site stays up, writes are queued, rebuild repairs -------------
def _segments(index):
    return list((index.root / index.current_name()).glob("*.seg"))


def _garbage(index):
    for path in _segments(index):
        path.write_bytes(b"garbage")


def _truncate(index):
    for path in _segments(index):
        with open(path, "r+b") as handle:
            handle.truncate(path.stat().st_size // 2)


def _delete_toc(index):
    for path in (index.root / index.current_name()).glob("*.toc"):
        path.unlink()


def _remove_dir(index):
    shutil.rmtree(index.root)


DAMAGE = {"garbage segment": _garbage, "truncated segment": _truncate,
          "table of contents deleted": _delete_toc, "index removed": _remove_dir}


@pytest.mark.parametrize("damage", [*DAMAGE, "lock held"])
def test_a_damaged_index_degrades_search_and_keeps_writes(app, client, make, index, sync,
                                                          login_as, damage):
    department = make.org(kind="department")
    item = make.opportunity(department, status="published", title="智慧停车诱导系统")
    sync()
    holder = None
    if damage == "lock held":
        ix, _ = index.open()
        holder = ix.writer()  # another process's writer, as far as the drain can tell
    else:
        DAMAGE[damage](index)
    try:
        page = client.get("/search?q=停车")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and f'href="/opportunities/{item.id}"' in text
        # A lock stops only writers: searching goes on as ever.
        assert ("全文检索暂时不可用" in text) == (holder is None)
        before = _pending()[0]
        owner = login_as(department.users[0])
        created = owner.post("/opportunities/new",
                             data=make.opportunity_data(title="故障期间新建的停车需求"))
        assert created.status_code == 302, created.status_code
        edited = owner.post(f"/opportunities/{item.id}/edit",
                            data=make.opportunity_data(title="智慧停车诱导系统二期"))
        assert edited.status_code == 302, edited.status_code
        assert _pending()[0] > before  # the writes are in, their index tasks queued
        if holder is not None:
            assert sync().locked and _pending()[0] > before
    finally:
        if holder is not None:
            holder.cancel()
    result = app.test_cli_runner().invoke(args=["search", "rebuild", "--processes", "1"])
    assert result.exit_code == 0, result.output
    sync()
    assert check(index) == NO_DRIFT and _pending()[0] == 0
    repaired = search(index, SearchParams(q="停车"))
    assert not repaired.degraded and [h.item.id for h in repaired.hits] == [item.id]
