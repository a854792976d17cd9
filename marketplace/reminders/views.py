"""The admins' list of what is waiting for follow-up (``/admin/reminders``)."""
from flask import Blueprint, render_template
from flask_login import login_required

from marketplace.authz import Permission, permission_required
from marketplace.notifications import queries as notification_queries
from marketplace.reminders import queries

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
