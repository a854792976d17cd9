"""Two web nodes on one PostgreSQL (issue 14, part 3; docs/deployment.md section 3).

Real processes and real HTTP: two waitress processes with their own index, upload and
import directories but the same DATABASE_URL, SECRET_KEY and SEARCH_BACKEND=postgres, and
one drain (`flask search sync --follow`). A listing published through node A is found by
search and recommended on node B within 3 s; a second drain started by mistake beside the
first neither corrupts nor duplicates anything.
"""
import os
import re
import time
from datetime import date
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.taxonomy.queries import field_by_name, tag_by_name
from tests.factories import Factory
from tests.nodes import ROOT, Visitor, drain, flask, free_port, stop, web_node

pytestmark = pytest.mark.postgres_database

INTERVAL = 0.2  # the drain's pause between passes (docs/deployment.md)
DEGRADED = "全文检索暂时不可用"  # the search page's notice when it answers without the index
POLL, POLLS = 0.1, 30  # node B is asked every 0.1 s, up to 3 s: the requirement


def _node_env(url: str, tmp_path, name: str) -> dict:
    node = tmp_path / name
    return dict(os.environ, DATABASE_URL=url, SECRET_KEY="two-nodes-secret",
                SEARCH_BACKEND="postgres", SEARCH_BACKGROUND_DRAIN="0",
                SEARCH_INDEX_DIR=str(node / "index"), UPLOAD_DIR=str(node / "uploads"),
                IMPORT_DIR=str(node / "imports"), REQUIRE_ADMIN_TOTP="0",
                # the test asks node B's search page many times a second
                LIMIT_SEARCH="10000 per minute", PYTHONPATH=str(ROOT),
                PYTHONUNBUFFERED="1", PGAPPNAME=f"marketplace-{name}")


def _accounts(app) -> dict:
    """An admin, a department and an enterprise (made through the services), and the ids
    the listing forms post."""
    with app.app_context():
        make = Factory()
        admin, department, enterprise = make.admin(), make.org("department"), make.org()
        found = {"admin": admin.email, "department": department.users[0].email,
                 "enterprise": enterprise.users[0].email,
                 "traffic": str(field_by_name("交通出行").id),
                 "parking": str(tag_by_name("智慧停车").id),
                 "iot": str(tag_by_name("物联网").id)}
        db.session.remove()
    return found


def _opportunity(ids: dict, title: str) -> dict:
    return {"title": title, "summary": "建设城区停车诱导屏和泊位共享平台。",
            "description": "覆盖核心商圈 20 个停车场，实时采集泊位数据并对外发布，智慧停车。",
            "field_id": ids["traffic"], "tag_ids": [ids["parking"], ids["iot"]],
            "region_code": "360113", "budget_wan": "300", "cooperation_mode": "采购服务",
            "deadline": date(date.today().year + 1, 6, 30).isoformat(),
            "timeline": "签约后 6 个月内完成", "contact_name": "王先生",
            "contact_phone": "13812345678", "contact_consent": "y"}


def _product(ids: dict, title: str) -> dict:
    return {"title": title, "summary": "路内外停车一体化管理，智慧停车诱导与泊位共享。",
            "description": "基于地磁和视频桩的泊位感知，支持停车诱导和无感支付。",
            "field_id": ids["traffic"], "tag_ids": [ids["parking"]], "region_code": "360100",
            "maturity": "成熟", "scenarios": "城市道路停车", "cases": "2025年在某区部署。",
            "contact_name": "李经理", "contact_phone": "0791-83881234",
            "contact_consent": "y"}


def _create(owner: Visitor, kind: str, fields: dict) -> int:
    """A draft through the 新建 form, sent to review; returns its id."""
    endpoint = {"opportunity": "opportunities", "product": "products"}[kind]
    owner.get(f"/{endpoint}/new")
    url, page = owner.post(f"/{endpoint}/new", fields)
    assert "已保存为草稿" in page, page[:3000]
    item_id = int(re.search(rf"/{endpoint}/(\d+)$", url).group(1))
    _, page = owner.post(f"/{endpoint}/{item_id}/submit", {})
    assert "已提交审核" in page
    return item_id


def _approve_and_publish(admin: Visitor, items: list[tuple[str, int]]) -> None:
    """审核通过, then one release holding them, published (the shortest path to the
    public lists)."""
    for kind, item_id in items:
        _, page = admin.post(f"/admin/review/{kind}/{item_id}", {"decision": "approve"})
        assert "已审核通过" in page, page[:3000]
    url, page = admin.post("/admin/releases/", {"year": str(date.today().year),
                                                "region_code": "", "title": "", "description": ""})
    assert "批次已创建" in page, page[:3000]
    release = int(re.search(r"/admin/releases/(\d+)$", url).group(1))
    for kind, item_id in items:
        _, page = admin.post(f"/admin/releases/{release}/items", {"kind": kind, "ids": item_id})
        assert "已加入批次" in page, page[:3000]
    _, page = admin.post(f"/admin/releases/{release}/publish", {
        "published_on": date.today().isoformat(), "confirmed": "yes"})
    assert "批次已发布" in page, page[:3000]


def _found(results: str, path: str) -> bool:
    """Whether a search results page links to ``path``, answered from the index (a node
    without it answers from the database, with the notice: a node on the wrong backend
    must not pass)."""
    return _links(results, path) and DEGRADED not in results


def _links(page: str, path: str) -> bool:
    """Whether ``page`` links to ``path`` (titles may be split by highlighting)."""
    return f'href="{path}"' in page


def _recommended(page: str, path: str) -> bool:
    """Whether the recommendations section of a detail page links to ``path``."""
    section = page.split('id="recs-title"', 1)
    return len(section) == 2 and _links(section[1].split("</section>", 1)[0], path)


def _seen_on(node: Visitor, query: str, detail: str, partner: str) -> int:
    """How many polls of 0.1 s until node B's search for ``query`` finds ``detail`` and
    that page lists ``partner`` among its recommendations (POLLS + 1: not within 3 s)."""
    for poll in range(1, POLLS + 1):
        _, results = node.get(f"/search?q={quote(query)}")
        if _found(results, detail) and _recommended(node.get(detail)[1], partner):
            return poll
        time.sleep(POLL)
    return POLLS + 1


def _seen_later(node: Visitor, opportunity: int) -> dict:
    """For a failure's message: what node B shows a while later."""
    time.sleep(5)
    _, results = node.get(f"/search?q={quote('停车诱导屏')}")
    _, page = node.get(f"/opportunities/{opportunity}")
    return {"search finds it": _found(results, f"/opportunities/{opportunity}"),
            "recommendations": page.split('id="recs-title"', 1)[-1][:1500]}


def _pending(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (conn.scalar(sa.text("SELECT count(*) FROM search_tasks")),
                conn.scalar(sa.text("SELECT count(*) FROM recommendation_refreshes")))


def _wait_drained(engine, timeout: float = 60.0) -> tuple[int, int]:
    ends = time.monotonic() + timeout
    while (left := _pending(engine)) != (0, 0) and time.monotonic() < ends:
        time.sleep(0.2)
    return left


def _wait_connected(engine, name: str, timeout: float = 60.0) -> bool:
    """Whether a process with application name ``name`` holds a connection."""
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        # a connection per look: pg_stat_activity is a snapshot per transaction
        with engine.connect() as conn:
            if conn.scalar(sa.text("SELECT count(*) FROM pg_stat_activity "
                                   "WHERE application_name = :n"), {"n": name}):
                return True
        time.sleep(0.2)
    return False


def _index_state(engine) -> dict:
    """The active index generations, their document keys and the published listings."""
    with engine.connect() as conn:
        keys = conn.scalars(sa.text(
            "SELECT d.key FROM search_documents d JOIN search_generations g "
            "ON g.id = d.generation_id WHERE g.active")).all()
        published = conn.scalars(sa.text(
            "SELECT 'opportunity:' || id FROM opportunities WHERE status = 'published' "
            "UNION ALL SELECT 'product:' || id FROM products WHERE status = 'published'"
        )).all()
        generations = conn.scalar(sa.text(
            "SELECT count(*) FROM search_generations WHERE active"))
    return {"keys": sorted(keys), "published": sorted(published),
            "active_generations": generations}


def _wait_for_index(engine, timeout: float = 120.0) -> bool:
    """Whether the drain has built the index (it builds one it finds missing)."""
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if _index_state(engine)["active_generations"]:
            return True
        time.sleep(0.2)
    return False


def _edit_published_product(owner: Visitor, admin: Visitor, engine, item_id: int,
                            fields: dict) -> None:
    """An edit of a published product: a revision, which lands when an admin approves it."""
    owner.get(f"/products/{item_id}/edit")
    _, page = owner.post(f"/products/{item_id}/edit", fields)
    assert "修改已提交审核" in page, page[:3000]
    with engine.connect() as conn:
        revision = conn.scalar(sa.text(
            "SELECT id FROM listing_revisions WHERE listing_kind = 'product' "
            "AND listing_id = :id AND status = 'pending'"), {"id": item_id})
    _, page = admin.post(f"/admin/revisions/{revision}", {"decision": "approve"})
    assert "修改已生效" in page, page[:3000]


def test_published_on_node_a_is_found_and_recommended_on_node_b(app_with, tmp_path):
    """Node A publishes an opportunity and a matching product; node B finds the opportunity
    by search and lists the product among its recommendations within 3 s. Then, with a
    second drain started by mistake beside the first, three more listings are published
    and one is edited: `flask search check` finds no drift, the index holds each published
    listing once, no task is left."""
    app = app_with()
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    assert database.startswith("postgresql")
    ids = _accounts(app)
    engine = sa.create_engine(database)
    ports = free_port(), free_port()
    envs = {name: _node_env(database, tmp_path, name)
            for name in ("node-a", "node-b", "drain-1", "drain-2")}
    processes = []
    try:
        for name, port in zip(("node-a", "node-b"), ports):
            processes.append(web_node(envs[name], port)[0])
        first, first_lines = drain(envs["drain-1"], INTERVAL)
        processes.append(first)
        node_a, node_b = (f"http://127.0.0.1:{port}" for port in ports)
        admin, department, enterprise = Visitor(node_a), Visitor(node_a), Visitor(node_a)
        reader = Visitor(node_b)
        for visitor in (admin, reader):
            visitor.wait_until_up()
        assert _wait_for_index(engine), "the drain built no index"
        admin.sign_in(ids["admin"], Factory.password)
        department.sign_in(ids["department"], Factory.password)
        enterprise.sign_in(ids["enterprise"], Factory.password)

        # --- one drain: published on A, searchable and recommended on B ------------------
        opportunity = _create(department, "opportunity", _opportunity(ids, "城区停车诱导屏建设"))
        product = _create(enterprise, "product", _product(ids, "泊位共享停车云平台"))
        _approve_and_publish(admin, [("opportunity", opportunity), ("product", product)])
        published = time.monotonic()
        polls = _seen_on(reader, "停车诱导屏", f"/opportunities/{opportunity}",
                         f"/products/{product}")
        delay = time.monotonic() - published
        print(f"\nnode A → node B: {delay:.2f} s from publication to found and recommended "
              f"({polls} polls; {POLLS + 1} means not seen)")
        assert polls <= POLLS, (f"not seen on node B within {POLLS} polls of {POLL} s",
                                _seen_later(reader, opportunity), first_lines.seen)

        # --- a second drain by mistake: more listings and an edit ------------------------
        second, second_lines = drain(envs["drain-2"], INTERVAL)
        processes.append(second)
        assert _wait_connected(engine, "marketplace-drain-2"), "the second drain never started"
        more = [("opportunity", _create(department, "opportunity",
                                        _opportunity(ids, "商圈智能停车诱导改造"))),
                ("product", _create(enterprise, "product", _product(ids, "地磁泊位感知终端"))),
                ("product", _create(enterprise, "product", _product(ids, "无感支付停车收费系统")))]
        _approve_and_publish(admin, more)
        _edit_published_product(enterprise, admin, engine, product,
                                _product(ids, "泊位共享停车云平台二期"))
        assert _wait_drained(engine) == (0, 0), "tasks left after 60 s"
        assert first.poll() is None and second.poll() is None, "a drain died"
        for process in (first, second):
            stop(process)
        print(f"drain 1 reported: {first_lines.seen}\ndrain 2 reported: {second_lines.seen}")

        checked = flask(envs["drain-1"], "search", "check")
        assert checked.returncode == 0 and "索引与数据库一致" in checked.stdout, \
            (checked.stdout, checked.stderr)
        state = _index_state(engine)
        assert state["active_generations"] == 1
        assert len(state["published"]) == 5 and state["keys"] == state["published"], state
        _, results = reader.get(f"/search?q={quote('停车云平台二期')}")
        assert _found(results, f"/products/{product}")  # by its edited title
        assert _recommended(reader.get(f"/opportunities/{opportunity}")[1],
                            f"/products/{product}")
    finally:
        for process in processes:
            stop(process)
        engine.dispose()
