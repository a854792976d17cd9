"""Event routes: check-in at the door (staff page, its live counts, undo), tickets, the
roadshow running order and the exports for the day (participant list, sign-in sheet).

Staff pages are for the event's organizers (``authz.is_organizer``: platform admins,
region administrators within their region); others signed in are refused (403), the
event itself being public. A ticket is seen by its organization and the organizers only
(404 for anyone else)."""
from flask import (
    abort, flash, get_flashed_messages, jsonify, redirect, render_template,
    request, url_for)
from flask_login import current_user, login_required

from marketplace import ratelimits
from marketplace.authz import (
    Permission, can_view_participants, can_view_ticket, permission_required)
from marketplace.db import writes_on_get
from marketplace.extensions import db
from marketplace.errors import PermissionDenied
from marketplace.events import checkin, checkin_pages, exports
from marketplace.events.forms import CheckinForm, places, roadshow_order_form
from marketplace.events.models import Attendee, Event
from marketplace.events.views import bp
from marketplace.spreadsheets import CSV, XLSX
from marketplace.viewhelpers import attachment, get_or_404, perform


def _organized(event_id: int) -> Event:
    """The event, which the signed-in user must organize (403 otherwise: the event is
    public, its participants are not)."""
    event = get_or_404(Event, event_id)
    if not can_view_participants(current_user, event):
        raise PermissionDenied()
    return event


def _wants_json() -> bool:
    accepted = request.accept_mimetypes
    return accepted.accept_json and not accepted.accept_html


# --- check-in ------------------------------------------------------------------------
@bp.get("/events/<int:event_id>/checkin")
@login_required
@permission_required(Permission.EVENT_MANAGE)
def checkin_page(event_id):
    event = _organized(event_id)
    token = checkin.token_in(request.args.get("t", ""))
    return render_template("events/checkin.html", form=CheckinForm(),
                           **checkin_pages.checkin_context(event, token))


@bp.post("/events/<int:event_id>/checkin")
@login_required
@permission_required(Permission.EVENT_MANAGE)
def check_in(event_id):
    """A typed code or a scanned token. The page's script asks for JSON and stays on the
    page (the camera keeps running); a plain form post is redirected back."""
    event = _organized(event_id)
    form = CheckinForm()
    ok, attendee = perform(checkin.check_in, current_user, event, code=form.code.data or "",
                           token=form.token.data or "")
    message = f"签到成功：{checkin.who(attendee)}" if ok else ""
    if not _wants_json():
        if ok:
            flash(message, "success")
        return redirect(url_for("events.checkin_page", event_id=event.id))
    if not ok:  # perform flashed the refusal: it goes into the answer instead
        message = next((m for _, m in get_flashed_messages(with_categories=True)), "")
    # A refusal is an answer, not an error of the request: 200 either way, "ok" tells.
    return jsonify(ok=ok, message=message, **checkin_pages.live_json(event))


@bp.get("/events/<int:event_id>/checkin/live")
@login_required
@permission_required(Permission.EVENT_MANAGE)
def checkin_live(event_id):
    return jsonify(checkin_pages.live_json(_organized(event_id)))


@bp.post("/events/<int:event_id>/checkin/<int:attendee_id>/undo")
@login_required
@permission_required(Permission.EVENT_MANAGE)
def checkin_undo(event_id, attendee_id):
    event = _organized(event_id)
    attendee = get_or_404(Attendee, attendee_id)
    perform(checkin.undo_check_in, current_user, event, attendee,
            success=f"已撤销{attendee.name}的签到。")
    return redirect(url_for("events.checkin_page", event_id=event.id))


# --- tickets -------------------------------------------------------------------------
@bp.get("/events/attendees/<int:attendee_id>/ticket")
@login_required
def ticket(attendee_id):
    attendee = checkin_pages.load_attendee(attendee_id)
    if attendee is None or not can_view_ticket(current_user, attendee):
        abort(404)
    return render_template("events/ticket.html", **checkin_pages.ticket_context(attendee))


# --- roadshow order ------------------------------------------------------------------
def _roadshow(event_id: int) -> Event:
    event = _organized(event_id)
    if not event.is_roadshow:
        abort(404)
    return event


def _roadshow_page(event, form, status=200):
    return render_template("events/roadshow.html", event=event, form=form,
                           rows=checkin_pages.roadshow_rows(event)), status


@bp.get("/events/<int:event_id>/roadshow")
@login_required
@permission_required(Permission.EVENT_MANAGE)
def roadshow_page(event_id):
    event = _roadshow(event_id)
    return _roadshow_page(event, roadshow_order_form(checkin.presenters(event)))


@bp.post("/events/<int:event_id>/roadshow")
@login_required
@permission_required(Permission.EVENT_MANAGE)
def roadshow_save(event_id):
    event = _roadshow(event_id)
    form = roadshow_order_form(checkin.presenters(event))
    ok, _ = perform(checkin.set_presentation_order, current_user, event, places(form),
                    form=form, success="路演顺序已保存，活动页面按此顺序展示。")
    if ok:
        return redirect(url_for("events.roadshow_page", event_id=event.id))
    return _roadshow_page(event, form, 400)


# --- exports for the day ---------------------------------------------------------------
@bp.get("/events/<int:event_id>/participants.xlsx")
@writes_on_get
@ratelimits.export
@login_required
@permission_required(Permission.EVENT_MANAGE)
def participants_export(event_id):
    event = _organized(event_id)
    data = exports.export_participants(current_user, event)
    db.session.commit()
    return attachment(data, XLSX, *exports.participants_filename(event))


@bp.get("/events/<int:event_id>/participants.csv")
@writes_on_get
@ratelimits.export
@login_required
@permission_required(Permission.EVENT_MANAGE)
def participants_csv(event_id):
    event = _organized(event_id)
    data = exports.export_participants_csv(current_user, event)
    db.session.commit()
    return attachment(data, CSV, *exports.participants_filename(event, "csv"))


@bp.get("/events/<int:event_id>/signin-sheet")
@login_required
@permission_required(Permission.EVENT_MANAGE)
def signin_sheet(event_id):
    event = _organized(event_id)
    return render_template("events/signin_sheet.html", event=event,
                           rows=exports.signin_rows(event),
                           when=checkin_pages.event_when(event))
