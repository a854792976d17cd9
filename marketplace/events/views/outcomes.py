"""Event routes: outcomes — a side rates its meeting; organizers read the report, record
contracts signed at a 项目签约 and the minutes."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace import ratelimits
from marketplace.authz import Permission, is_organizer, require
from marketplace.db import writes_on_get
from marketplace.events import outcome_pages, outcomes, reports
from marketplace.events.forms import MinutesForm, RateForm, SigningForm
from marketplace.events.models import Event
from marketplace.events.views import bp
from marketplace.extensions import db
from marketplace.spreadsheets import XLSX
from marketplace.viewhelpers import attachment, get_or_404, perform


def _organized(event_id: int) -> Event:
    """The event, for its organizers only (the report shows the ratings: can_view_ratings
    is the same rule)."""
    event = get_or_404(Event, event_id)
    require(current_user, Permission.EVENT_MANAGE, event)
    return event


def _rateable(event_id: int, meeting_id: int):
    """The meeting and the user's side in it. Someone with no part in the event does not
    learn of its meetings (404); a participant of another meeting and the organizers are
    told why they may not rate (403, in Chinese)."""
    meeting = outcome_pages.meeting_for(event_id, meeting_id)
    if meeting is None or not (outcome_pages.is_participant(current_user, meeting.event)
                               or is_organizer(current_user, meeting.event)):
        abort(404)
    return meeting, outcomes.rating_side(current_user, meeting)


def _rated_message(result) -> str:
    if result.rating.rating != "cooperation":
        return "评价已保存，仅活动组织方可见。"
    if result.match is None:
        return "评价已保存。需求方未带来已发布的机会清单，暂未建立对接，组织方将跟进。"
    if result.action is None:
        return "评价已保存。双方已有对接记录，可在“对接跟踪”中继续推进。"
    return "评价已保存，双方的对接已进入“已对接”阶段，可在“对接跟踪”中继续推进。"


@bp.route("/events/<int:event_id>/meetings/<int:meeting_id>/rate", methods=["GET", "POST"])
@login_required
def rate_meeting(event_id, meeting_id):
    meeting, registration = _rateable(event_id, meeting_id)
    form = RateForm()
    if request.method == "GET":
        mine = next((r for r in meeting.ratings if r.registration_id == registration.id), None)
        if mine is not None:
            form.rating.data, form.note.data = mine.rating, mine.note
    elif form.validate_on_submit():
        ok, result = perform(outcomes.rate_meeting, current_user, meeting, form.rating.data,
                             form.note.data or "", form=form)
        if ok:
            flash(_rated_message(result), "success")
            return redirect(url_for("events.rate_meeting", event_id=event_id,
                                    meeting_id=meeting_id))
        meeting, registration = _rateable(event_id, meeting_id)  # reloaded after rollback
    return render_template("events/rate.html",
                           **outcome_pages.rate_context(meeting, registration, form)), (
        400 if request.method == "POST" else 200)


@bp.get("/events/<int:event_id>/report")
@login_required
def event_report(event_id):
    return render_template("events/report.html",
                           **outcome_pages.report_context(current_user, _organized(event_id)))


@bp.get("/events/<int:event_id>/report.xlsx")
@writes_on_get
@ratelimits.export
@login_required
def event_report_xlsx(event_id):
    event = _organized(event_id)
    report = outcome_pages.report_context(current_user, event)["report"]
    data = reports.export(current_user, report)
    db.session.commit()
    return attachment(data, XLSX, f"{event.title}-成效报告.xlsx",
                      f"event-{event.id}-report.xlsx")


@bp.route("/events/<int:event_id>/signings", methods=["GET", "POST"])
@login_required
def signings(event_id):
    event = _organized(event_id)
    form = SigningForm()
    if request.method == "POST" and form.validate_on_submit():
        ok, _ = perform(outcomes.record_signing, current_user, event, form.data, form=form,
                        success="签约项目已登记，对接已进入“已签约”阶段。")
        if ok:
            return redirect(url_for("events.signings", event_id=event_id))
        event = _organized(event_id)
    outcome_pages.signing_choices(event, form)
    return render_template("events/signings.html",
                           **outcome_pages.signings_context(current_user, event, form)), (
        400 if request.method == "POST" else 200)


@bp.route("/events/<int:event_id>/minutes", methods=["GET", "POST"])
@login_required
def minutes(event_id):
    event = _organized(event_id)
    form = MinutesForm()
    if request.method == "GET":
        form.minutes.data = event.minutes
    elif form.validate_on_submit():
        ok, _ = perform(outcomes.record_minutes, current_user, event, form.minutes.data or "",
                        form=form, success="会议纪要已保存，将显示在活动页面。")
        if ok:
            return redirect(url_for("events.minutes", event_id=event_id))
        event = _organized(event_id)
    return render_template("events/minutes.html",
                           **outcome_pages.minutes_context(event, form)), (
        400 if request.method == "POST" else 200)
