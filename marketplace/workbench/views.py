"""The workbench (工作台): where every signed-in user lands after login."""
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from marketplace.authz import can_view_workbench
from marketplace.workbench import pages

bp = Blueprint("workbench", __name__)


@bp.get("/workbench")
@login_required
def index():
    if not can_view_workbench(current_user):
        abort(404)
    return render_template("workbench/index.html", **pages.workbench_context(current_user))
