"""The public home page."""
from flask import Blueprint, render_template

from marketplace.home import queries
from marketplace.releases.queries import item_counts, published_releases

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    releases = published_releases(limit=4)
    return render_template(
        "home/index.html", counts=queries.public_counts(), releases=releases,
        release_counts={r.id: item_counts(r) for r in releases},
        opportunities=queries.latest_listings("opportunity"),
        products=queries.latest_listings("product"))
