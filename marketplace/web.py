"""Wiring of blueprints and template helpers (filters, globals) into the app."""
from datetime import date, datetime

from flask import Flask, has_request_context, request, url_for
from flask_login import current_user
from jinja2 import FileSystemBytecodeCache
from werkzeug.routing import IntegerConverter

from marketplace import authz
from marketplace.authz import Permission
from marketplace.db import to_beijing
from marketplace.text import format_wan, mask_phone
from marketplace.validators import ID_MAX


class IdConverter(IntegerConverter):
    """``<int:…>`` in a route, bounded by ID_MAX: a larger number in a URL is a 404 rather
    than an overflow in the database (a 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    from marketplace.accounts.views import bp as accounts
    from marketplace.admin.views import bp as admin
    from marketplace.demonstrations.views import bp as demonstrations
    from marketplace.events.views import bp as events
    from marketplace.home.views import bp as home
    from marketplace.notifications.views import bp as notifications
    from marketplace.opportunities.views import bp as opportunities
    from marketplace.privacy.views import bp as privacy
    from marketplace.products.views import bp as products
    from marketplace.releases.views import bp as releases
    from marketplace.reminders.views import bp as reminders
    from marketplace.results.views import bp as results
    from marketplace.matching.views import bp as matching
    from marketplace.proposals.views import bp as proposals
    from marketplace.search.views import bp as search
    from marketplace.transfer.views import bp as transfer
    from marketplace.workbench.views import bp as workbench

    for blueprint in (home, workbench, accounts, opportunities, products, releases, search,
                      proposals, matching, results, notifications, reminders, events,
                      demonstrations, admin, transfer, privacy):
        app.register_blueprint(blueprint)


def _date(value) -> str:
    """"2026年12月5日 09:30" for a stored time (Beijing), "2026年12月5日" for a date: what
    Flask-Babel's zh_CN formats gave, written out: 0.3 µs a date against its 10 µs of
    locale and timezone lookups per call (two dates per row of a list)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_beijing(value)
        return f"{value.year}年{value.month}月{value.day}日 {value.hour:02d}:{value.minute:02d}"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def _day(value) -> str:
    """The date only ("2026年12月5日"): a stored time's Beijing date, or a date."""
    if isinstance(value, datetime):
        value = to_beijing(value).date()
    return _date(value)


def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def menu_context() -> dict:
    """Context processor: which of the header's own links the signed-in user gets,
    decided before the page renders (the user's organization, or a region
    administrator's region, is loaded here)."""
    if not has_request_context() or not current_user.is_authenticated:
        return {"menu": {}}
    user, organization = current_user, current_user.organization
    if user.admin_region_code is not None:
        user.admin_region  # noqa: B018 — loaded here for the header's "红谷滩区管理员"
    return {"menu": {
        "opportunities.mine": authz.can(user, Permission.LISTING_CREATE, kind="opportunity"),
        "products.mine": authz.can(user, Permission.LISTING_CREATE, kind="product"),
        "proposals.mine": authz.can(user, Permission.PROPOSAL_CREATE, kind="proposal"),
        "proposals.my_questions": authz.can(user, Permission.QUESTION_ASK),
        "matching.funnel_report": authz.can(user, Permission.FUNNEL_VIEW),
        "matching.mine": organization is not None and organization.is_verified,
        "accounts.organization": organization is not None,
        "admin": authz.can(user, Permission.ADMIN_ACCESS),
        "demonstrations.dashboard": authz.can(user, Permission.DASHBOARD_VIEW),
        "events.manage_list": authz.can(user, Permission.EVENT_MANAGE),
    }}


def register_page_sections() -> None:
    """Wire the sections that higher features show on lower features' pages (see
    marketplace.sections): listings and proposals cannot import what sits above them."""
    from marketplace.listings import pages as listing_pages
    from marketplace.matching import pages as matching_pages
    from marketplace.proposals import pages as proposal_pages
    from marketplace.results import pages as result_pages

    listing_pages.detail_sections.provide("proposals", proposal_pages.opportunity_section)
    listing_pages.detail_sections.provide("results", result_pages.opportunity_results)
    listing_pages.detail_sections.provide("look_alikes", matching_pages.look_alikes)
    listing_pages.detail_sections.provide("recommendations", matching_pages.recommendations)
    listing_pages.mine_sections.provide("recommendations",
                                        matching_pages.organization_recommendations)
    proposal_pages.evaluation_sections.provide("evidence", matching_pages.evidence)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals that run no queries, and the header's context processors.
    Each view gathers what its page shows; templates run no queries."""
    # Compiled templates kept between processes (Jinja's per-user cache directory, keyed by
    # each template's source): compiling the search page was a tenth of a new worker's
    # first response.
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache()
    app.jinja_env.filters["cn_date"] = _date
    app.jinja_env.filters["cn_day"] = _day
    app.jinja_env.filters["wan"] = format_wan
    # Pages show contact numbers masked; the full number is one audited POST away.
    app.jinja_env.filters["masked_phone"] = mask_phone
    app.jinja_env.filters["zip"] = zip
    from marketplace.accounts.passwords import policy_hint
    from marketplace.workbench import header

    app.jinja_env.globals.update(
        can=lambda permission, obj=None, kind=None: authz.can(
            current_user, permission, obj, kind=kind),
        page_url=page_url,
        password_hint=policy_hint,
    )
    app.context_processor(menu_context)
    app.context_processor(header.header_context)
    app.before_request(header.forget_after_writes)
    register_page_sections()
