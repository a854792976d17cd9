"""The 十百千 pages: the admins' dashboard and the designations behind its numbers, one
designation, and the public progress page."""
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from marketplace.authz import Permission, permission_required
from marketplace.demonstrations import pages

bp = Blueprint("demonstrations", __name__)


@bp.get("/programme/")
@login_required
@permission_required(Permission.DASHBOARD_VIEW)
def dashboard():
    return render_template("demonstrations/dashboard.html",
                           **pages.dashboard_context(current_user, request.args))


@bp.get("/programme/designations")
@login_required
@permission_required(Permission.DASHBOARD_VIEW)
def designations():
    return render_template("demonstrations/designations.html",
                           **pages.designations_context(current_user, request.args))


@bp.get("/programme/designations/<int:designation_id>")
@login_required
@permission_required(Permission.DASHBOARD_VIEW)
def designation(designation_id):
    return render_template("demonstrations/designation.html",
                           **pages.designation_context(current_user, designation_id))


@bp.get("/progress")
def progress():
    return render_template("demonstrations/progress.html",
                           **pages.progress_context(request.args))
