"""Event routes: the organizers' pages — the events they run, the event form (create,
edit), the registrations of an event and the decisions on them (approve, decline with a
reason, move from or back to the waiting list)."""
from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.authz import Permission, permission_required
from marketplace.db import utcnow
from marketplace.events import pages, services
from marketplace.events.forms import DeclineForm, EventForm, MoveForm
from marketplace.events.views import bp
from marketplace.viewhelpers import perform

MOVED = {"offered": "已递补，等待该单位确认。", "confirmed": "已确认该单位参会。",
         "waitlisted": "已调回候补名单。"}


@bp.get("/events/manage")
@login_required
@permission_required(Permission.EVENT_MANAGE)
def manage_list():
    return render_template("events/manage_list.html",
                           **pages.organizer_list_context(current_user, utcnow()))


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
@permission_required(Permission.EVENT_MANAGE)
def create():
    form = EventForm()
    if form.validate_on_submit():
        ok, event = perform(services.create_event, current_user,
                            pages.event_data(form, request.form), form=form,
                            success="活动已创建。")
        if ok:
            return redirect(url_for("events.manage", event_id=event.id))
        context = pages.event_form_context(current_user, form, None, request.form)
        return render_template("events/form.html", **context), 400
    if not form.is_submitted():
        form.region_code.data = pages.region_scope(current_user) or ""
    return render_template("events/form.html",
                           **pages.event_form_context(current_user, form, None))


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
@permission_required(Permission.EVENT_MANAGE)
def edit(event_id):
    event = pages.managed_event(current_user, event_id)
    form = EventForm()
    if form.validate_on_submit():
        ok, _ = perform(services.update_event, current_user, event,
                        pages.event_data(form, request.form), form=form, success="已保存。")
        if ok:
            return redirect(url_for("events.manage", event_id=event_id))
        event = pages.managed_event(current_user, event_id)  # rolled back: loaded again
        context = pages.event_form_context(current_user, form, event, request.form)
        return render_template("events/form.html", **context), 400
    if not form.is_submitted():
        pages.fill_event_form(form, event)
    return render_template("events/form.html",
                           **pages.event_form_context(current_user, form, event))


@bp.get("/events/<int:event_id>/manage")
@login_required
@permission_required(Permission.EVENT_MANAGE)
def manage(event_id):
    event = pages.managed_event(current_user, event_id)
    return render_template("events/manage.html", decline_form=DeclineForm(formdata=None),
                           failed=None, **pages.manage_context(current_user, event, utcnow()))


def _organized(registration_id: int):
    registration = pages.viewable_registration(current_user, registration_id)
    pages.managed_event(current_user, registration.event_id)
    return registration


@bp.post("/events/registrations/<int:registration_id>/approve")
@login_required
@permission_required(Permission.EVENT_MANAGE)
def approve(registration_id):
    registration = _organized(registration_id)
    perform(services.approve, current_user, registration, success="已通过该报名。")
    return redirect(url_for("events.manage", event_id=registration.event_id))


@bp.post("/events/registrations/<int:registration_id>/decline")
@login_required
@permission_required(Permission.EVENT_MANAGE)
def decline(registration_id):
    registration = _organized(registration_id)
    form = DeclineForm()
    ok, _ = perform(services.decline, current_user, registration, form.reason.data or "",
                    form=form, success="已标记为未通过，并通知该单位。")
    if ok:
        return redirect(url_for("events.manage", event_id=registration.event_id))
    event = pages.managed_event(current_user, registration.event_id)  # rolled back
    return render_template("events/manage.html", decline_form=form, failed=registration_id,
                           **pages.manage_context(current_user, event, utcnow())), 400


@bp.post("/events/registrations/<int:registration_id>/move")
@login_required
@permission_required(Permission.EVENT_MANAGE)
def move(registration_id):
    registration = _organized(registration_id)
    target = MoveForm().target.data or ""
    perform(services.move, current_user, registration, target,
            success=MOVED.get(target))
    return redirect(url_for("events.manage", event_id=registration.event_id))
