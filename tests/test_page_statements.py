"""List and detail pages issue a bounded number of SQL statements: a list showing 5 rows
issues as many as one showing 20 (nothing is loaded row by row), a detail page as many
for a listing with one tag and no questions as for one with four tags and several
questions. Statement counts, never time (benchmarks/pages.py measures time).

The rows differ in everything a page shows with them (organization, region, field, tags,
release), so a relationship loaded per row would add statements.
"""
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from marketplace.extensions import db
from marketplace.taxonomy.models import Field, Tag
from tests.signin import sign_in_session

KEEP = object()  # statements(url, KEEP): the session as the previous request left it
REGIONS = ("360113", "360102", "360100", "420102", "360111")
LIST_PAGES = ("/", "/opportunities/", "/products/", "/opportunities/?status=all",
              "/products/?region=360100", "/results/", "/events/", "/releases/",
              "/search?q=停车&sort=newest")  # newest first: both kinds on both pages


@pytest.fixture
def statements(app, client):
    """statements(url, user=None): the SQL statements one GET of ``url`` issues, from a
    cold session (as a new request's), anonymous or signed in as ``user`` (a session id)
    just now; with ``user=KEEP``, in the cookie session the previous call left."""
    def count(url, user=None):
        db.session.commit()
        db.session.expunge_all()
        if user is not KEEP:
            with client.session_transaction() as session:
                session.clear()
        if user not in (None, KEEP):
            sign_in_session(client, user)
        seen = []

        def executed(*args):
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", executed)
        try:
            response = client.get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", executed)
        assert response.status_code == 200, url
        return len(seen)
    return count


def _varied(number: int) -> dict:
    """Listing data that differs with ``number`` in region, field and tags."""
    fields = db.session.scalars(sa.select(Field.id).where(Field.parent_id.is_not(None))
                                .order_by(Field.id)).all()
    tags = db.session.scalars(sa.select(Tag.id).order_by(Tag.id)).all()
    return {"region_code": REGIONS[number % len(REGIONS)],
            "field_id": str(fields[number % len(fields)]),
            "tag_ids": [str(tags[(number + k) % len(tags)]) for k in range(1 + number % 3)],
            "title": f"智慧停车诱导平台第{number}期"}


def _add_rows(make, count: int, start: int) -> None:
    """``count`` published listings of each kind, each of its own organization, a
    selected proposal on each opportunity, and ``count`` events."""
    for number in range(start, start + count):
        department = make.org("department", region=REGIONS[number % len(REGIONS)])
        enterprise = make.org()
        need = make.opportunity(department, "published", **_varied(number))
        make.product(enterprise, "published", **_varied(number + 1))
        make.proposal(need, enterprise, "selected")
        make.event(title=f"数字经济供需对接会第{number}场")


def _all_pages(statements, user, who: str) -> dict[str, int]:
    """Statements per page, each counted at its second request: the first after a change
    to the reference data also reads it into the worker's cache (taxonomy.cache)."""
    for url in LIST_PAGES:
        statements(url, user)
    return {f"{who} {url}": statements(url, user) for url in LIST_PAGES}


def test_list_pages_issue_as_many_statements_for_20_rows_as_for_5(make, sync, statements):
    member = make.org().users[0].get_id()  # a session id: the session forgets objects
    _add_rows(make, 5, 0)
    sync()
    five = {**_all_pages(statements, None, "anonymous"), **_all_pages(statements, member, "member")}
    _add_rows(make, 15, 5)
    sync()
    twenty = {**_all_pages(statements, None, "anonymous"),
              **_all_pages(statements, member, "member")}
    grew = {page: (five[page], twenty[page]) for page in five if five[page] != twenty[page]}
    assert grew == {}


def test_detail_pages_issue_as_many_statements_with_more_tags_and_questions(
        make, statements):
    department, enterprise = make.org("department"), make.org()
    viewer = make.org().users[0].get_id()
    small = make.opportunity(department, "published", **_varied(0))
    large = make.opportunity(department, "published", **{**_varied(2), "tag_ids": [
        str(t) for t in db.session.scalars(sa.select(Tag.id).order_by(Tag.id).limit(4))]})
    make.question(small, enterprise, answer="接受。")
    for number in range(5):
        make.question(large, make.org(), text=f"第{number}个问题：是否接受联合体？",
                      answer="接受。")
    product_small = make.product(enterprise, "published", **_varied(1))
    product_large = make.product(enterprise, "published", **{**_varied(3), "tag_ids": [
        str(t) for t in db.session.scalars(sa.select(Tag.id).order_by(Tag.id).limit(4))]})
    small, large = small.id, large.id
    product_small, product_large = product_small.id, product_large.id
    for user in (None, viewer, department.users[0].get_id()):
        assert (statements(f"/opportunities/{small}", user)
                == statements(f"/opportunities/{large}", user))
        assert (statements(f"/products/{product_small}", user)
                == statements(f"/products/{product_large}", user))


# The header of a signed-in page: the user with its organization (one statement) and the
# 工作台 and 通知 numbers (one statement for both, then kept in the session a while).
SIGNED_IN_HEADER = 2
SIGNED_IN_HEADER_KEPT = 1


def test_a_signed_in_page_costs_the_header_s_two_statements_more(make, sync, statements):
    """Nothing else of the header is queried per request: the user's organization comes
    with the user, the two counts in one statement."""
    member = make.org().users[0].get_id()
    _add_rows(make, 5, 0)
    sync()
    anonymous, signed_in = _all_pages(statements, None, ""), _all_pages(statements, member, "")
    extra = {page: signed_in[page] - anonymous[page] for page in anonymous}
    assert extra == dict.fromkeys(anonymous, SIGNED_IN_HEADER)


def test_a_signed_in_page_with_its_numbers_kept_costs_one_statement_more(
        make, sync, statements):
    """The next pages of a sign-in read the header's numbers from the session: only the
    user is loaded (workbench.header)."""
    member = make.org().users[0].get_id()
    _add_rows(make, 5, 0)
    sync()
    anonymous = _all_pages(statements, None, "")
    statements("/events/", member)
    kept = _all_pages(statements, KEEP, "")
    extra = {page: kept[page] - anonymous[page] for page in anonymous}
    assert extra == dict.fromkeys(anonymous, SIGNED_IN_HEADER_KEPT)
