"""Event routes: the public list and event page, its calendar file, registration and an
organization's own registrations (cancel, confirm an offered seat)."""
from urllib.parse import urlparse

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.authz import Permission, belongs_to, is_organizer, require
from marketplace.db import utcnow
from marketplace.events import calendar, pages, services
from marketplace.events.forms import RegistrationForm
from marketplace.events.models import Registration
from marketplace.events.views import bp
from marketplace.viewhelpers import attachment, perform


@bp.get("/events/")
def index():
    return render_template("events/index.html", **pages.index_context(request.args, utcnow()))


@bp.get("/events/<int:event_id>")
def detail(event_id):
    return render_template("events/detail.html",
                           **pages.detail_context(current_user, event_id, utcnow()))


@bp.get("/events/<int:event_id>.ics")
def ics(event_id):
    event = pages.shown_event(event_id)
    page_url = url_for("events.detail", event_id=event.id, _external=True)
    host = urlparse(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    return attachment(calendar.ics(event, page_url, host), "text/calendar",
                      f"{event.title}.ics", f"event-{event.id}.ics")


@bp.route("/events/<int:event_id>/register", methods=["GET", "POST"])
@login_required
def register(event_id):
    require(current_user, Permission.EVENT_REGISTER)
    event = pages.shown_event(event_id)
    if pages.own_registration_of(current_user, event) is not None:
        return redirect(url_for("events.detail", event_id=event.id))
    form = RegistrationForm()
    if form.validate_on_submit():
        ok, registration = perform(services.register, current_user, event,
                                   pages.registration_data(form, request.form), form=form,
                                   success="报名已提交。")
        if ok:
            return redirect(url_for("events.detail", event_id=event_id))
        event = pages.shown_event(event_id)  # the refused registration was rolled back
        context = pages.register_context(current_user, event, form, request.form, utcnow())
        return render_template("events/register.html", **context), 400
    context = pages.register_context(current_user, event, form,
                                     request.form if form.is_submitted() else None, utcnow())
    return render_template("events/register.html", **context)


@bp.get("/events/mine")
@login_required
def mine():
    if current_user.organization_id is None:  # administrators: the events they run
        return redirect(url_for("events.manage_list"))
    return render_template("events/mine.html", **pages.mine_context(current_user, utcnow()))


def _back(registration: Registration):
    """Organizers go back to the registrations; the organization to the event page."""
    if is_organizer(current_user, registration.event) and not belongs_to(current_user,
                                                                        registration):
        return redirect(url_for("events.manage", event_id=registration.event_id))
    return redirect(url_for("events.detail", event_id=registration.event_id))


@bp.post("/events/registrations/<int:registration_id>/cancel")
@login_required
def cancel(registration_id):
    registration = pages.viewable_registration(current_user, registration_id)
    perform(services.cancel, current_user, registration, success="报名已取消。")
    return _back(registration)


@bp.post("/events/registrations/<int:registration_id>/confirm")
@login_required
def confirm(registration_id):
    registration = pages.viewable_registration(current_user, registration_id)
    perform(services.confirm_offer, current_user, registration, success="已确认参会。")
    return _back(registration)
