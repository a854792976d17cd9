"""Pairings: start from a suggestion or a selected proposal (选定, after its confirmation
page), advance through the funnel, the two-sided signing (record → confirm or dispute);
the admin's funnel report and manual entry."""
from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request, url_for)
from flask_login import current_user, login_required

from marketplace.accounts.models import Organization
from marketplace.authz import (
    Permission, can, can_view_match, can_view_proposal, permission_required, require)
from marketplace.errors import DomainError, PermissionDenied
from marketplace.extensions import db
from marketplace.matching import funnel, pages, pairings, queries, signing
from marketplace.matching.forms import (
    AdvanceForm, ConfirmSigningForm, DisputeForm, FunnelFilterForm, ManualMatchForm,
    SigningForm)
from marketplace.matching.models import (
    FUNNEL, MATCH_ORIGINS, MATCH_STAGES, Match, Recommendation)
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.proposals.forms import DecisionForm
from marketplace.proposals.models import Proposal
from marketplace.taxonomy.queries import region_choices
from marketplace.viewhelpers import attach_error, confirmed, get_or_404, perform

bp = Blueprint("matching", __name__)


def _visible(match_id: int) -> Match:
    match = queries.match(match_id)
    if match is None or not can_view_match(current_user, match):
        abort(404)
    return match


@bp.post("/recommendations/<int:recommendation_id>/start")
@login_required
def start(recommendation_id):
    recommendation = get_or_404(Recommendation, recommendation_id)
    ok, match = perform(pairings.start_from_recommendation, current_user, recommendation,
                        success="已发起对接，对方将收到通知。")
    if ok:
        return redirect(url_for("matching.detail", match_id=match.id))
    return redirect(url_for("opportunities.detail", item_id=recommendation.opportunity_id))


def _proposal(proposal_id: int) -> Proposal:
    proposal = get_or_404(Proposal, proposal_id)
    if not can_view_proposal(current_user, proposal):
        abort(404)
    return proposal


@bp.get("/proposals/<int:proposal_id>/select")
@login_required
def confirm_select(proposal_id):
    """The confirmation page of 选定 (an irreversible decision)."""
    proposal = _proposal(proposal_id)
    require(current_user, Permission.PROPOSAL_EVALUATE, proposal.opportunity)
    return render_template("confirm.html", confirm=pages.select_confirmation(proposal))


@bp.post("/proposals/<int:proposal_id>/select")
@login_required
def select(proposal_id):
    proposal = _proposal(proposal_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    if not confirmed():
        return redirect(url_for("matching.confirm_select", proposal_id=proposal.id))
    ok, match = perform(pairings.select_proposal, current_user, proposal, form.reason.data,
                        success="已选定该方案，对接已进入“已对接”阶段。")
    if ok:
        return redirect(url_for("matching.detail", match_id=match.id))
    return redirect(url_for("proposals.evaluate", opportunity_id=proposal.opportunity_id))


@bp.get("/matches/<int:match_id>")
@login_required
def detail(match_id):
    return _pairing_page(match_id)


@bp.post("/matches/<int:match_id>/advance")
@login_required
def advance(match_id):
    match = _visible(match_id)
    form = AdvanceForm()
    target = request.form.get("stage", "")
    if form.validate_on_submit():
        ok, _ = perform(pairings.advance, current_user, match, target, form.data, form=form,
                        success=f"对接已更新为“{MATCH_STAGES.get(target, '')}”。")
        if ok:
            return redirect(url_for("matching.detail", match_id=match.id))
    return _pairing_page(match_id, form=form, status=400)


# --- the signing: one side records, the other confirms or disputes ------------------------
def _pairing_page(match_id: int, form=None, signing_form=None, status: int = 200):
    # Loaded again: a failed change was rolled back, which expired what the page shows.
    context = pages.pairing_context(_visible(match_id), current_user, form or AdvanceForm(),
                                    signing_form or SigningForm())
    return render_template("matching/detail.html", **context), status


@bp.post("/matches/<int:match_id>/signing")
@login_required
def record_signing(match_id):
    """登记签约: checked, then shown for confirmation; done once confirmed."""
    match = _visible(match_id)
    form = SigningForm()
    if not form.validate_on_submit():
        abort(400)
    if not confirmed():
        try:
            values = signing.check_record(current_user, match, form.data)
        except PermissionDenied:
            raise
        except DomainError as error:
            if not attach_error(form, error):
                flash(error.message, "error")
            return _pairing_page(match_id, signing_form=form, status=400)
        return render_template("confirm.html", confirm=pages.record_confirmation(
            match, current_user, values, form.disclose_amount.data))
    ok, _ = perform(signing.record, current_user, match, form.data, form=form,
                    success="签约已登记，待对方确认后生效。")
    if ok:
        return redirect(url_for("matching.detail", match_id=match.id))
    return _pairing_page(match_id, signing_form=form, status=400)


def _awaiting(match_id: int) -> Match:
    match = _visible(match_id)
    if not match.awaits_confirmation:
        abort(404)  # nothing to confirm (any more): the pairing page says where it stands
    return match


def _confirmation_page(match: Match, form=None, dispute_form=None, status: int = 200):
    return render_template(
        "matching/confirm_signing.html", match=match,
        confirm=pages.signing_confirmation(match), form=form or ConfirmSigningForm(),
        dispute_form=dispute_form or DisputeForm()), status


@bp.get("/matches/<int:match_id>/signing/confirm")
@login_required
def signing_confirmation(match_id):
    """The recorded signing, to confirm (with one's consent to show the amount) or
    dispute, for the side that did not record it; the others are sent to the pairing's
    page, which says whom it awaits."""
    match = _awaiting(match_id)
    if "confirm" not in pages.signing_actions(current_user, match):
        return redirect(url_for("matching.detail", match_id=match.id))
    return _confirmation_page(match)


@bp.post("/matches/<int:match_id>/signing/confirm")
@login_required
def confirm_signing(match_id):
    match = _awaiting(match_id)
    form = ConfirmSigningForm()
    if not form.validate_on_submit():
        abort(400)
    if not confirmed():
        return redirect(url_for("matching.signing_confirmation", match_id=match.id))
    perform(signing.confirm, current_user, match, form.disclose_amount.data,
            success="已确认签约，对接进入“已签约”阶段。")
    return redirect(url_for("matching.detail", match_id=match.id))


@bp.post("/matches/<int:match_id>/signing/dispute")
@login_required
def dispute_signing(match_id):
    match = _awaiting(match_id)
    form = DisputeForm()
    if not form.validate_on_submit():
        abort(400)
    ok, _ = perform(signing.dispute, current_user, match, form.reason.data, form=form,
                    success="已提出异议，对接退回“洽谈中”，登记方将收到通知。")
    if ok:
        return redirect(url_for("matching.detail", match_id=match.id))
    return _confirmation_page(_awaiting(match_id), dispute_form=form, status=400)


@bp.get("/matches/")
@login_required
def mine():
    if current_user.organization_id is None:  # admins: the funnel, or the back office
        return redirect(url_for("matching.funnel_report"
                                if can(current_user, Permission.FUNNEL_VIEW) else "admin.index"))
    return render_template("matching/mine.html",
                           matches=queries.matches_for_organization(current_user.organization_id))


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/admin/funnel")
@login_required
@permission_required(Permission.FUNNEL_VIEW)
def funnel_report():
    form = FunnelFilterForm(request.args)
    region = request.args.get("region") or None
    result = funnel.report(region, _date(request.args.get("start")),
                           _date(request.args.get("end")),
                           current_app.config["STALE_MATCH_DAYS"])
    return render_template("matching/funnel.html", report=result, form=form,
                           regions=region_choices(), stages=MATCH_STAGES, funnel_stages=FUNNEL,
                           origins=MATCH_ORIGINS,
                           stale_days=current_app.config["STALE_MATCH_DAYS"])


def _by_number(model, number: str):
    return db.session.scalar(sa.select(model).where(model.public_number == (number or "").strip()))


@bp.route("/admin/matches/new", methods=["GET", "POST"])
@login_required
@permission_required(Permission.MATCH_MANUAL)
def manual():
    form = ManualMatchForm()
    if form.validate_on_submit():
        opportunity = _by_number(Opportunity, form.opportunity.data)
        supplier = db.session.scalar(sa.select(Organization).where(
            Organization.name == (form.supplier.data or "").strip()))
        product = _by_number(Product, form.product.data) if form.product.data else None
        if opportunity is None:
            form.opportunity.errors = ["未找到该编号的机会。"]
        elif supplier is None:
            form.supplier.errors = ["未找到该单位，请填写平台上登记的全称。"]
        elif form.product.data and product is None:
            form.product.errors = ["未找到该编号的产品。"]
        else:
            ok, match = perform(pairings.start_manual, current_user, opportunity, supplier,
                                product, form=form, success="对接记录已创建。")
            if ok:
                return redirect(url_for("matching.detail", match_id=match.id))
    return render_template("matching/manual.html", form=form)
