"""The 十百千 pages: the admins' dashboard and the designations behind its numbers, one
designation (revocable), designating, targets, the indicator table, the 调度 report, and
the public progress page."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace import ratelimits
from marketplace.authz import Permission, can, can_in_region, permission_required
from marketplace.demonstrations import indicators, manage_pages, pages, reports, services
from marketplace.demonstrations.forms import (
    DesignationForm, IndicatorValueForm, RevokeForm, TargetForm)
from marketplace.demonstrations.models import (
    DESIGNATION_KINDS, Designation, DesignationEvidence, Indicator)
from marketplace.proposals.attachments import ACCEPT
from marketplace.spreadsheets import XLSX
from marketplace.viewhelpers import attachment, get_or_404, perform

bp = Blueprint("demonstrations", __name__)


@bp.get("/programme/")
@login_required
@permission_required(Permission.DASHBOARD_VIEW)
def dashboard():
    context = pages.dashboard_context(current_user, request.args)
    code = context["summary"].region.code
    return render_template(
        "demonstrations/dashboard.html", **context, designation_kinds=DESIGNATION_KINDS,
        may_designate=can_in_region(current_user, Permission.DESIGNATION_MANAGE, code),
        may_edit_targets=can_in_region(current_user, Permission.TARGET_MANAGE, code))


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
    context = pages.designation_context(current_user, designation_id)
    return render_template("demonstrations/designation.html", **context,
                           revoke_form=RevokeForm(), accept=ACCEPT,
                           may_revoke=context["designation"].is_active and can(
                               current_user, Permission.DESIGNATION_MANAGE,
                               context["designation"]))


@bp.route("/programme/designations/new/<kind>", methods=["GET", "POST"])
@login_required
@permission_required(Permission.DESIGNATION_MANAGE)
def new_designation(kind):
    form = DesignationForm()
    context = manage_pages.designation_form(current_user, form, kind, request.args)
    if form.validate_on_submit():
        ok, made = perform(services.designate, current_user, form.data, form=form,
                           success="已认定。")
        if ok:
            return redirect(url_for("demonstrations.designation", designation_id=made.id))
        return render_template("demonstrations/designation_form.html", **context), 400
    return render_template("demonstrations/designation_form.html", **context)


@bp.post("/programme/designations/<int:designation_id>/revoke")
@login_required
@permission_required(Permission.DESIGNATION_MANAGE)
def revoke(designation_id):
    designation = get_or_404(Designation, designation_id)
    form = RevokeForm()
    perform(services.revoke, current_user, designation, form.reason.data or "",
            success="已撤销该认定。")
    return redirect(url_for("demonstrations.designation", designation_id=designation_id))


@bp.post("/programme/designations/<int:designation_id>/evidence")
@login_required
@permission_required(Permission.DESIGNATION_MANAGE)
def upload_evidence(designation_id):
    designation = get_or_404(Designation, designation_id)
    perform(services.add_evidence, current_user, designation, request.files.get("file"),
            success="证明材料已上传。")
    return redirect(url_for("demonstrations.designation", designation_id=designation_id))


@bp.get("/programme/evidence/<int:evidence_id>")
@login_required
@permission_required(Permission.DASHBOARD_VIEW)
def evidence(evidence_id):
    from marketplace.proposals.attachments import download_response

    item = get_or_404(DesignationEvidence, evidence_id)
    pages.viewable_designation(current_user, item.designation_id)  # who sees it, sees these
    return download_response(item)


@bp.route("/programme/targets/<int:target_id>", methods=["GET", "POST"])
@login_required
@permission_required(Permission.TARGET_MANAGE)
def edit_target(target_id):
    target = manage_pages.target_of(current_user, target_id)
    form = TargetForm(obj=target if request.method == "GET" else None)
    if form.validate_on_submit():
        ok, _ = perform(services.update_target, current_user, target, form.data, form=form,
                        success="目标已保存。")
        if ok:
            return redirect(url_for("demonstrations.dashboard", region=target.region_code))
        return render_template("demonstrations/target_form.html", form=form, target=target,
                               region_name=target.region.full_name,
                               history=manage_pages.target_history(target)), 400
    return render_template("demonstrations/target_form.html", form=form, target=target,
                           region_name=target.region.full_name,
                           history=manage_pages.target_history(target))


@bp.get("/programme/indicators")
@login_required
@permission_required(Permission.DASHBOARD_VIEW)
def indicator_table():
    return render_template("demonstrations/indicators.html",
                           **manage_pages.indicators_context(current_user, request.args))


@bp.post("/programme/indicators/<int:indicator_id>/values")
@login_required
@permission_required(Permission.INDICATOR_ENTER)
def enter_value(indicator_id):
    indicator = get_or_404(Indicator, indicator_id)
    form = IndicatorValueForm()
    ok, _ = perform(indicators.enter_value, current_user, indicator, form.data, form=form,
                    success=f"已填报“{indicator.name}”。")
    args = {"region": indicator.region_code, "year": form.year.data,
            "quarter": form.quarter.data}
    if ok:
        return redirect(url_for("demonstrations.indicator_table", **args))
    return render_template("demonstrations/indicators.html", failed=indicator.id,
                           **manage_pages.indicators_context(current_user, args, form)), 400


@bp.get("/programme/report")
@login_required
@permission_required(Permission.DASHBOARD_VIEW)
def report():
    return render_template("demonstrations/report.html",
                           **manage_pages.report_context(current_user, request.args))


@bp.get("/programme/report.xlsx")
@ratelimits.export
@login_required
@permission_required(Permission.DASHBOARD_VIEW)
def report_xlsx():
    report = manage_pages.report_context(current_user, request.args)["report"]
    name = f"report-{report.region.code}-{report.period.year}" + (
        f"-Q{report.period.quarter}" if report.period.quarter else "") + ".xlsx"
    return attachment(reports.workbook(report), XLSX, name)


@bp.get("/progress")
def progress():
    return render_template("demonstrations/progress.html",
                           **pages.progress_context(request.args))
