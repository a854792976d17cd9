"""Pairings: start from a suggestion or a selected proposal, advance through the funnel;
the admin's funnel report and manual entry."""
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.accounts.models import Organization
from marketplace.authz import (
    Permission, can, can_view_match, can_view_proposal, permission_required)
from marketplace.extensions import db
from marketplace.matching import funnel, pages, pairings, queries
from marketplace.matching.forms import AdvanceForm, FunnelFilterForm, ManualMatchForm
from marketplace.matching.models import (
    FUNNEL, MATCH_ORIGINS, MATCH_STAGES, Match, Recommendation)
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.proposals.forms import DecisionForm
from marketplace.proposals.models import Proposal
from marketplace.taxonomy.queries import region_choices
from marketplace.viewhelpers import get_or_404, perform

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


@bp.post("/proposals/<int:proposal_id>/select")
@login_required
def select(proposal_id):
    proposal = get_or_404(Proposal, proposal_id)
    if not can_view_proposal(current_user, proposal):
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    ok, match = perform(pairings.select_proposal, current_user, proposal, form.reason.data,
                        success="已选定该方案，对接已进入“已对接”阶段。")
    if ok:
        return redirect(url_for("matching.detail", match_id=match.id))
    return redirect(url_for("proposals.evaluate", opportunity_id=proposal.opportunity_id))


@bp.get("/matches/<int:match_id>")
@login_required
def detail(match_id):
    return render_template("matching/detail.html",
                           **pages.pairing_context(_visible(match_id), current_user,
                                                   AdvanceForm()))


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
    # Loaded again: a failed change was rolled back, which expired what the page shows.
    return render_template("matching/detail.html",
                           **pages.pairing_context(_visible(match_id), current_user, form)), 400


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
