"""Wiring of blueprints and template helpers (filters, globals) into the app."""
from datetime import date, datetime, timezone

from flask import Flask, current_app, request, url_for
from flask_babel import format_date, format_datetime
from flask_login import current_user
from jinja2 import FileSystemBytecodeCache

from marketplace import authz
from marketplace.text import format_wan, mask_phone


def register_blueprints(app: Flask) -> None:
    from marketplace.accounts.views import bp as accounts
    from marketplace.admin.views import bp as admin
    from marketplace.home.views import bp as home
    from marketplace.notifications.views import bp as notifications
    from marketplace.opportunities.views import bp as opportunities
    from marketplace.products.views import bp as products
    from marketplace.releases.views import bp as releases
    from marketplace.reminders.views import bp as reminders
    from marketplace.matching.views import bp as matching
    from marketplace.proposals.views import bp as proposals
    from marketplace.search.views import bp as search

    for blueprint in (home, accounts, opportunities, products, releases, search, proposals,
                      matching, notifications, reminders, admin):
        app.register_blueprint(blueprint)


def _date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.replace(tzinfo=timezone.utc)
        return format_datetime(value, "yyyy年M月d日 HH:mm")
    if isinstance(value, date):
        return format_date(value, "long")
    return str(value)


def phone_for_viewer(phone: str) -> str:
    """The full number for those ``authz.can_view_contact`` allows; masked otherwise."""
    return phone if authz.can_view_contact(current_user) else mask_phone(phone)


def look_alikes_for(item) -> list:
    """Possible duplicates shown to the owner before publication; an index failure only
    hides the hint."""
    from marketplace.matching.queries import look_alikes
    from marketplace.search.engine import MatchEngine
    from marketplace.search.runtime import search_index

    try:
        return look_alikes(MatchEngine(search_index()), item)
    except Exception:  # noqa: BLE001
        current_app.logger.exception("look-alike search failed")
        return []


def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register_template_helpers(app: Flask) -> None:
    # Compiled templates kept between processes (Jinja's per-user cache directory, keyed by
    # each template's source): compiling the search page was a tenth of a new worker's
    # first response.
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache()
    app.jinja_env.filters["cn_date"] = _date
    app.jinja_env.filters["wan"] = format_wan
    app.jinja_env.filters["zip"] = zip
    from marketplace.matching import queries as matching
    from marketplace.notifications import queries as notification_queries
    from marketplace.proposals import queries as proposal_queries
    from marketplace.proposals import services as proposal_services

    app.jinja_env.globals.update(
        recommendations_for=matching.for_item,
        organization_recommendations=matching.for_organization,
        look_alikes_for=look_alikes_for,
        recommendation_between=matching.between,
        questions_for=lambda item: proposal_queries.questions_for(item, current_user),
        own_proposal=lambda item: proposal_queries.own_proposal(
            item, getattr(current_user, "organization_id", None)),
        proposal_count=proposal_queries.count_submitted,
        proposal_open=proposal_services.is_open,
        can=lambda permission, obj=None, kind=None: authz.can(
            current_user, permission, obj, kind=kind),
        phone_for_viewer=phone_for_viewer,
        can_see_contact=lambda: authz.can_view_contact(current_user),
        page_url=page_url,
        unread_count=lambda: notification_queries.unread_count(current_user),
    )
