"""揭榜结果公示: the public list of results, newest first, by region and field."""
from flask import Blueprint, current_app, render_template, request

from marketplace.results import queries
from marketplace.taxonomy.queries import field_groups, get_region, region_choices

bp = Blueprint("results", __name__)


@bp.get("/results/")
def index():
    filters = queries.ResultFilters.from_args(request.args)
    page = queries.public_page(filters, current_app.config["PAGE_SIZE"])
    return render_template("results/index.html", page=page, filters=filters,
                           field_groups=field_groups(), regions=region_choices(),
                           selected_region=get_region(filters.region))
