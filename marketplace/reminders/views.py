"""The admins' list of what is waiting for follow-up (``/admin/reminders``), and the
button that sends the reminders now instead of at the next daily run."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from marketplace.authz import Permission, permission_required
from marketplace.notifications import queries as notification_queries
from marketplace.reminders import queries, services
from marketplace.viewhelpers import perform

bp = Blueprint("reminders", __name__)


@bp.get("/admin/reminders")
@login_required
@permission_required(Permission.FUNNEL_VIEW)
def index():
    return render_template("reminders/index.html",
                           outcomes=queries.overdue_outcomes(),
                           matches=queries.stale_matches(),
                           failed=notification_queries.failed_emails(),
                           pending=notification_queries.pending_email_count())


@bp.post("/admin/reminders/send")
@login_required
@permission_required(Permission.REMINDER_SEND)
def send():
    ok, result = perform(services.send_now, current_user)
    if ok:
        flash(f"提醒已发送：{services.describe(result)}。", "success")
    return redirect(url_for("reminders.index"))
