"""The public home page: search first, then the programme at a glance — its headline
figures, the latest releases and listings, upcoming events and the 十百千 progress."""
from flask import Blueprint, render_template

from marketplace.db import utcnow
from marketplace.events.pages import when_label
from marketplace.events.queries import upcoming_events
from marketplace.home import queries
from marketplace.releases.queries import item_counts_of, published_releases

bp = Blueprint("home", __name__)

RELEASES_SHOWN, LISTINGS_SHOWN, EVENTS_SHOWN = 3, 5, 4


@bp.get("/")
def index():
    releases = published_releases(limit=RELEASES_SHOWN)
    events = upcoming_events(utcnow(), EVENTS_SHOWN)
    return render_template(
        "home/index.html", headline=queries.headline(), releases=releases,
        release_counts=item_counts_of(releases),
        opportunities=queries.latest_listings("opportunity", LISTINGS_SHOWN),
        products=queries.latest_listings("product", LISTINGS_SHOWN),
        events=events, whens={event.id: when_label(event) for event in events})
