"""The 揭榜结果 section of an opportunity's page (wired by marketplace.web: listings
cannot import what sits above them)."""
from marketplace.results import queries


def opportunity_results(item, user) -> list | None:
    """Provider for the listing detail page: a public opportunity's results, or None
    (no section) when it has none."""
    if item.kind != "opportunity" or not item.is_public:
        return None
    return queries.for_opportunity(item) or None
