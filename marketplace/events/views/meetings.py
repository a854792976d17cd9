"""Event routes: 1:1 meetings and agendas.

Participants (their organization's users, per registration): the meetings page (other
side's participants with scores and evidence, requests in and out), agenda page, .ics and
print. Organizers: the schedule editor (build, move, add, remove, publish) and the
per-table and per-participant print-outs. Reads that are refused are 404s.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.authz import can_manage_schedule, can_view_agenda, can_view_registration
from marketplace.events import meeting_pages as pages
from marketplace.events import meeting_queries as queries
from marketplace.events import meeting_schedule, meetings
from marketplace.events.forms import (
    AddMeetingForm, MeetingRequestForm, RequestAnswerForm)
from marketplace.events.views import bp
from marketplace.viewhelpers import attachment, perform

BIG = 2**63


def _found(obj):
    if obj is None:
        abort(404)
    return obj


def _registration(registration_id: int, rule=can_view_registration):
    registration = _found(queries.registration(registration_id) if registration_id < BIG
                          else None)
    if not rule(current_user, registration):
        abort(404)
    return registration


def _event(event_id: int):
    event = _found(queries.event(event_id) if event_id < BIG else None)
    if not can_manage_schedule(current_user, event):
        abort(404)
    return event


# --- participants --------------------------------------------------------------------
def _meetings_page(registration, form=None, failed_recipient=None, status=200):
    return render_template("events/meetings.html", form=form or MeetingRequestForm(),
                           failed_recipient=failed_recipient, answer_form=RequestAnswerForm(),
                           **pages.participant_context(current_user, registration)), status


@bp.get("/events/registrations/<int:registration_id>/meetings", endpoint="meetings")
@login_required
def meetings_page(registration_id):
    return _meetings_page(_registration(registration_id))


@bp.post("/events/registrations/<int:registration_id>/meetings/request")
@login_required
def request_meeting(registration_id):
    registration = _registration(registration_id)
    form = MeetingRequestForm()
    ok, _ = perform(meetings.request_meeting, current_user, registration, request.form,
                    form=form, success="约见请求已发出，对方将收到通知。")
    if ok:
        return redirect(url_for("events.meetings", registration_id=registration_id))
    return _meetings_page(_registration(registration_id), form,
                          request.form.get("recipient_id", ""), 400)


def _meeting_request(request_id: int):
    found = _found(queries.meeting_request(request_id) if request_id < BIG else None)
    if not (can_view_registration(current_user, found.sender)
            or can_view_registration(current_user, found.recipient)):
        abort(404)
    return found


@bp.post("/events/meeting-requests/<int:request_id>/answer")
@login_required
def answer_meeting_request(request_id):
    found = _meeting_request(request_id)
    decision = request.form.get("decision", "")
    perform(meetings.answer_request, current_user, found, decision,
            success="已接受约见。" if decision == "accept" else "已谢绝约见。")
    return redirect(url_for("events.meetings", registration_id=found.recipient_id))


@bp.post("/events/meeting-requests/<int:request_id>/withdraw")
@login_required
def withdraw_meeting_request(request_id):
    found = _meeting_request(request_id)
    perform(meetings.withdraw, current_user, found, success="约见请求已撤回。")
    return redirect(url_for("events.meetings", registration_id=found.sender_id))


@bp.get("/events/registrations/<int:registration_id>/agenda")
@login_required
def agenda(registration_id):
    registration = _registration(registration_id, can_view_agenda)
    return render_template("events/agenda.html", **pages.agenda_context(registration))


@bp.get("/events/registrations/<int:registration_id>/agenda.ics")
@login_required
def agenda_ics(registration_id):
    registration = _registration(registration_id, can_view_agenda)
    context = pages.agenda_context(registration)
    return attachment(pages.agenda_ics(registration, context["agenda"]), "text/calendar",
                      f"{registration.event.title}-洽谈日程.ics",
                      f"agenda-{registration.id}.ics")


@bp.get("/events/registrations/<int:registration_id>/agenda/print")
@login_required
def agenda_print(registration_id):
    registration = _registration(registration_id, can_view_agenda)
    context = pages.agenda_context(registration)
    return render_template("events/print_participants.html", event=context["event"],
                           people=[(registration, context["agenda"])], single=True)


# --- organizers -----------------------------------------------------------------------
def _editor(event, add_form=None, status=200):
    context = pages.editor_context(event)
    add_form = pages.offer_choices(add_form or AddMeetingForm(), context)
    return render_template("events/schedule.html", add_form=add_form, **context), status


@bp.get("/events/<int:event_id>/schedule")
@login_required
def schedule(event_id):
    return _editor(_event(event_id))


@bp.post("/events/<int:event_id>/schedule/build")
@login_required
def build_schedule(event_id):
    event = _event(event_id)
    ok, result = perform(meeting_schedule.build_schedule, current_user, event)
    if ok:
        flash(f"已生成日程：{result.meetings} 场会谈，约见 {result.requests_placed}/"
              f"{result.requests_total} 已安排。"
              + (f"未能安排：{'、'.join(result.unplaced)}。" if result.unplaced else ""),
              "success")
    return redirect(url_for("events.schedule", event_id=event_id))


@bp.post("/events/<int:event_id>/schedule/meetings")
@login_required
def add_meeting(event_id):
    event = _event(event_id)
    form = AddMeetingForm()
    ok, _ = perform(meeting_schedule.add_meeting, current_user, event, request.form,
                    form=form, success="已新增会谈。")
    if ok:
        return redirect(url_for("events.schedule", event_id=event_id))
    return _editor(_event(event_id), form, 400)


def _meeting(meeting_id: int):
    found = _found(queries.meeting(meeting_id) if meeting_id < BIG else None)
    if not can_manage_schedule(current_user, found.event):
        abort(404)
    return found


@bp.post("/events/meetings/<int:meeting_id>/move")
@login_required
def move_meeting(meeting_id):
    found = _meeting(meeting_id)
    perform(meeting_schedule.move_meeting, current_user, found, request.form,
            success="会谈已调整。")
    return redirect(url_for("events.schedule", event_id=found.event_id) + "#meetings")


@bp.post("/events/meetings/<int:meeting_id>/remove")
@login_required
def remove_meeting(meeting_id):
    found = _meeting(meeting_id)
    event_id = found.event_id
    perform(meeting_schedule.remove_meeting, current_user, found, success="会谈已移除。")
    return redirect(url_for("events.schedule", event_id=event_id) + "#meetings")


@bp.post("/events/<int:event_id>/schedule/publish")
@login_required
def publish_schedule(event_id):
    event = _event(event_id)
    stage = request.form.get("stage", "")
    perform(meeting_schedule.publish_schedule, current_user, event, stage,
            success="日程已发布，参会单位将收到通知。")
    return redirect(url_for("events.schedule", event_id=event_id))


@bp.get("/events/<int:event_id>/schedule/print/tables")
@login_required
def print_tables(event_id):
    return render_template("events/print_tables.html",
                           **pages.print_tables_context(_event(event_id)))


@bp.get("/events/<int:event_id>/schedule/print/participants")
@login_required
def print_participants(event_id):
    return render_template("events/print_participants.html", single=False,
                           **pages.print_participants_context(_event(event_id)))
