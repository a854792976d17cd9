"""The cached reference data (taxonomy.cache) follows every change: a flush that changes a
field, tag or region writes a new stamp in its own transaction; pages read the copy kept
under the stamp they find, and read the tables again only when it differs."""
import sqlalchemy as sa
from sqlalchemy import event

from marketplace.extensions import db
from marketplace.taxonomy import services
from marketplace.taxonomy.models import TaxonomyStamp
from marketplace.taxonomy.queries import field_by_name, tag_by_name


def _stamp() -> str:
    return db.session.scalar(sa.select(TaxonomyStamp.stamp).where(TaxonomyStamp.id == 1))


def _page(client) -> tuple[str, list[str]]:
    """The opportunity list's HTML and the statements its request issued."""
    db.session.commit()
    db.session.expunge_all()
    seen = []

    def executed(*args):
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", executed)
    try:
        html = client.get("/opportunities/").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", executed)
    return html, seen


def _reads_taxonomy(statements) -> bool:
    """Whether the field groups or the tags were read (not a listing's own field or tags,
    which come with the listing: this page shows no listing)."""
    flat = [" ".join(sql.split()) for sql in statements]
    return any("FROM fields WHERE fields.parent_id IS NULL" in sql
               or sql.startswith("SELECT tags.") for sql in flat)


def test_a_page_reads_the_taxonomy_again_only_after_a_change(client, make):
    _page(client)
    html, statements = _page(client)
    assert not _reads_taxonomy(statements)
    admin = make.admin()  # after the pages: each forgets the session's objects
    before = _stamp()
    services.create_tag(admin, "缓存测试新标签", "technology")
    services.update_term(admin, field_by_name("交通出行"), "智能交通出行", True)
    db.session.commit()
    assert _stamp() != before
    html, statements = _page(client)
    assert _reads_taxonomy(statements)
    assert "缓存测试新标签" in html and "智能交通出行" in html
    assert not _reads_taxonomy(_page(client)[1])


def test_a_change_rolled_back_leaves_the_stamp_and_the_page_as_they_were(client, make):
    _page(client)
    admin = make.admin()
    before = _stamp()
    services.update_term(admin, tag_by_name("物联网"), "物联网络", True)
    db.session.flush()
    assert _stamp() != before
    db.session.rollback()
    assert _stamp() == before
    html, statements = _page(client)
    assert not _reads_taxonomy(statements)
    assert "物联网络" not in html and "物联网" in html


def test_a_change_committed_by_another_worker_is_seen(client, make):
    """Another gunicorn worker's commit reaches this one only through the database: the
    stamp it wrote (here: written as that worker's listener would, behind this process's
    back) makes this worker read the tables again."""
    _page(client)
    db.session.execute(sa.update(TaxonomyStamp).values(stamp="another-worker"))
    html, statements = _page(client)
    assert _reads_taxonomy(statements)
