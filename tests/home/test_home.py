"""The public home page: search first, the headline figures (signed pairings as the
matching package counts them), the latest releases and listings, upcoming events and the
link to the 十百千 progress page."""
import re
from decimal import Decimal

from marketplace.home import queries
from marketplace.matching import funnel
from marketplace.matching.queries import signed_totals
from marketplace.releases.queries import item_counts_of, items_by_kind, published_releases


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_signed_figures_are_the_funnels(ctx, make):
    department = make.org("department")
    need = make.opportunity(department, "published")
    make.pairing(need, make.org(), "signed", contract_amount_wan="120.5")
    make.pairing(need, make.org(), "delivered", contract_amount_wan="80")
    make.pairing(need, make.org(), "negotiating")
    make.pairing(need, make.org(), "terminated")
    signed, amount = signed_totals()
    assert (signed, amount) == (2, Decimal("200.5"))
    assert float(amount) == funnel.report().signed_amount_wan
    figures = queries.headline()
    assert (figures.signed, figures.signed_amount_wan) == (2, Decimal("200.5"))
    assert figures.opportunities == 1


def test_headline_figures_on_the_page(client, make):
    department = make.org("department")
    need = make.opportunity(department, "published")
    make.product(make.org(), "published")
    make.opportunity(department, "submitted")  # not published: not counted
    make.pairing(need, make.org(), "signed", contract_amount_wan="1234.5")
    html = home(client)
    figures = re.findall(r'<span class="stat__value">([^<]*)</span><span class="stat__label">([^<]*)',
                         html)
    assert figures == [("1", "征集中的机会（项）"), ("1", "发布的产品与方案（项）"),
                       ("1", "已签约对接（个）"), ("1,234.5 万元", "签约金额")]


def test_search_comes_first_and_the_header_box_steps_aside(client):
    html = home(client)
    assert html.count('role="search"') == 1
    main = html[html.index('<main'):]
    assert main.index('role="search"') < main.index("最新机会清单")
    assert 'action="/search"' in main
    assert 'id="site-search-q"' in client.get("/releases/").get_data(as_text=True)


def test_latest_releases_with_their_counts(ctx, make):
    department, enterprise = make.org("department"), make.org()
    make.opportunity(department, "published")
    make.product(enterprise, "published")
    make.product(enterprise, "published")
    releases = published_releases(limit=3)
    assert releases
    loaded = {r.id: {kind: len(items) for kind, items in items_by_kind(r).items()}
              for r in releases}
    assert item_counts_of(releases) == loaded
    assert item_counts_of([]) == {}


def test_upcoming_events_and_the_programme_link(client, make):
    coming, over = make.event(title="数字经济供需对接会"), make.event(title="已结束的场景沙龙")
    make.age_event(over, days=30)
    html = home(client)
    assert f'href="/events/{coming.id}"' in html and "供需对接会" in html
    assert "已结束的场景沙龙" not in html
    assert 'href="/progress"' in html


def test_empty_sections_say_so(client):
    html = home(client)
    assert "近期暂无活动。" in html
