"""Questions, proposals, attachments and the department's side-by-side evaluation."""
from flask import (
    Blueprint, abort, flash, redirect, render_template, request, url_for)
from flask_login import current_user, login_required

from marketplace import ratelimits
from marketplace.authz import (
    Permission, can_view_attachment, can_view_proposal, can_view_proposals_of, require)
from marketplace.db import writes_on_get
from marketplace.extensions import db
from marketplace.forms import choices
from marketplace.listings import pages as listing_pages
from marketplace.listings.queries import listing
from marketplace.opportunities.models import Opportunity
from marketplace.proposals import exports, pages, queries, services
from marketplace.proposals.forms import AnswerForm, DecisionForm, ProposalForm, QuestionForm
from marketplace.proposals.models import Attachment, Proposal, Question
from marketplace.spreadsheets import CSV, XLSX
from marketplace.viewhelpers import attachment, confirmed, get_or_404, perform

bp = Blueprint("proposals", __name__)


def _published(opportunity_id: int) -> Opportunity:
    opportunity = listing(Opportunity, opportunity_id)
    if opportunity is None or not opportunity.is_public:
        abort(404)
    return opportunity


def _viewable(proposal: Proposal | None) -> Proposal:
    if proposal is None or not can_view_proposal(current_user, proposal):
        abort(404)  # private: others must not even learn that it exists
    return proposal


def _evaluated(opportunity_id: int) -> Opportunity:
    """A published opportunity whose proposals the user may see (404 otherwise)."""
    opportunity = _published(opportunity_id)
    if not can_view_proposals_of(current_user, opportunity):
        abort(404)
    return opportunity


def _visible(proposal_id: int) -> Proposal:
    """For actions: the proposal alone. services.submit locks its row, and PostgreSQL
    locks no row through the outer joins of the page query."""
    return _viewable(db.session.get(Proposal, proposal_id))


def _shown(proposal_id: int) -> Proposal:
    """For pages: the proposal with what they show of it."""
    return _viewable(queries.proposal(proposal_id))


def _refused(form, shown_at: tuple[str, ...] = ()) -> None:
    """A form posted from the opportunity's page and refused (too long, or the CSRF token
    expired): say why at the top, except for the fields in ``shown_at`` (whose messages
    the page shows at the field); nothing is saved."""
    for name, errors in form.errors.items():
        if name not in shown_at:
            for message in errors:
                flash(message if isinstance(message, str) else "提交失败，请刷新页面后重试。",
                      "error")


def _opportunity_page(opportunity, **refused_forms):
    """The opportunity's page again, with a refused question (``question_form``) or
    answer (``answer_form`` for question ``answer_for``) at its field, the text kept to be
    shortened: a redirect would show the message far above the form."""
    return render_template("listings/detail.html", model=Opportunity, kind="opportunity",
                           **refused_forms,
                           **listing_pages.detail_context(opportunity, current_user)), 400


@bp.post("/opportunities/<int:opportunity_id>/questions")
@login_required
def ask(opportunity_id):
    opportunity = _published(opportunity_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        _refused(form, shown_at=("text",))
        return _opportunity_page(opportunity, question_form=form)
    ok, _ = perform(services.ask, current_user, opportunity, form.text.data, form=form,
                    success="问题已提交，发布单位答复后将通知您。")
    if not ok and form.text.errors:
        return _opportunity_page(_published(opportunity_id), question_form=form)  # reloaded
    return redirect(url_for("opportunities.detail", item_id=opportunity.id) + "#questions")


@bp.post("/questions/<int:question_id>/answer")
@login_required
def answer(question_id):
    question = get_or_404(Question, question_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        _refused(form, shown_at=("answer",))
        return _answer_refused(question, form)
    ok, _ = perform(services.answer, current_user, question, form.answer.data, form=form,
                    success="答复已公开。")
    if not ok and form.answer.errors:
        return _answer_refused(db.session.get(Question, question_id), form)  # after rollback
    return redirect(url_for("opportunities.detail", item_id=question.opportunity_id)
                    + "#questions")


def _answer_refused(question: Question, form: AnswerForm):
    """The page again with the refusal at the answer's field, where the asker's
    department may see it (others are refused as perform would: 403)."""
    require(current_user, Permission.QUESTION_ANSWER, question.opportunity)
    return _opportunity_page(question.opportunity, answer_form=form, answer_for=question.id)


def _proposal_form(organization_id: int) -> ProposalForm:
    form = ProposalForm()
    form.product_ids.choices = choices(queries.product_choices(organization_id))
    return form


def _form_data(form: ProposalForm) -> dict:
    return {**form.data, "members": form.member_rows(request.form)}


@bp.route("/opportunities/<int:opportunity_id>/propose", methods=["GET", "POST"])
@login_required
def create(opportunity_id):
    opportunity = _published(opportunity_id)
    require(current_user, Permission.PROPOSAL_CREATE, kind="proposal")
    existing = queries.own_proposal(opportunity, current_user.organization_id)
    if existing is not None:
        return redirect(url_for("proposals.detail", proposal_id=existing.id))
    form = _proposal_form(current_user.organization_id)
    if form.validate_on_submit():
        ok, proposal = perform(services.create_proposal, current_user, opportunity,
                               _form_data(form), form=form,
                               success="方案已保存为草稿，可继续上传附件，确认后提交。")
        if ok:
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
        opportunity = _published(opportunity_id)  # the failed save was rolled back
    return render_template("proposals/form.html", form=form, opportunity=opportunity,
                           proposal=None, members=_form_data(form)["members"])


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id):
    proposal = _shown(proposal_id)
    require(current_user, Permission.PROPOSAL_EDIT, proposal)
    form = _proposal_form(proposal.organization_id)
    members = [{"name": m.name, "role": m.role} for m in proposal.members]
    if request.method == "GET":
        form.summary.data, form.approach.data = proposal.summary, proposal.approach
        form.timeline.data = proposal.timeline
        form.price_wan.data = "" if proposal.price_wan is None else str(proposal.price_wan)
        form.product_ids.data = [str(p.id) for p in proposal.products]
    if form.validate_on_submit():
        members = _form_data(form)["members"]
        ok, _ = perform(services.update_proposal, current_user, proposal, _form_data(form),
                        form=form, success="已保存。")
        if ok:
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
        proposal = _shown(proposal_id)  # the failed save was rolled back, expiring it
    return render_template("proposals/form.html", form=form, opportunity=proposal.opportunity,
                           proposal=proposal, members=members)


@bp.get("/proposals/<int:proposal_id>")
@login_required
def detail(proposal_id):
    return render_template("proposals/detail.html",
                           **pages.detail_context(_shown(proposal_id), current_user))


def _action(proposal_id, service, success, *args):
    proposal = _visible(proposal_id)
    perform(service, current_user, proposal, *args, success=success)
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.post("/proposals/<int:proposal_id>/submit")
@login_required
def submit(proposal_id):
    return _action(proposal_id, services.submit, "方案已提交，发布单位评审后将通知您。")


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id):
    return _action(proposal_id, services.withdraw, "方案已撤回。")


@bp.post("/proposals/<int:proposal_id>/reopen")
@login_required
def reopen(proposal_id):
    return _action(proposal_id, services.reopen, "方案已恢复为草稿。")


def _decline_page(proposal: Proposal, form: DecisionForm, status: int = 200):
    return render_template("confirm.html", confirm=pages.decline_confirmation(proposal),
                           form=form), status


@bp.get("/proposals/<int:proposal_id>/decline")
@login_required
def confirm_decline(proposal_id):
    """The confirmation page of 未入选 (irreversible), where the reason is written."""
    proposal = _shown(proposal_id)
    require(current_user, Permission.PROPOSAL_EVALUATE, proposal.opportunity)
    return _decline_page(proposal, DecisionForm())


@bp.post("/proposals/<int:proposal_id>/decide")
@login_required
def decide(proposal_id):
    """入围 at once; 未入选 only from its confirmation page (else it is shown)."""
    proposal = _visible(proposal_id)
    form = DecisionForm()
    decision = request.form.get("decision", "")
    if decision not in ("shortlist", "decline") or not form.validate_on_submit():
        abort(400)
    if decision == "decline" and not confirmed():
        return redirect(url_for("proposals.confirm_decline", proposal_id=proposal.id))
    ok, _ = perform(services.decide, current_user, proposal, decision, form.reason.data,
                    form=form,
                    success="已入围。" if decision == "shortlist" else "已标记为未入选并通知企业。")
    if not ok and decision == "decline" and form.reason.errors:
        return _decline_page(_shown(proposal_id), form, 400)
    return redirect(url_for("proposals.evaluate", opportunity_id=proposal.opportunity_id))


@bp.post("/proposals/<int:proposal_id>/attachments")
@login_required
def upload(proposal_id):
    proposal = _visible(proposal_id)
    perform(services.add_attachment, current_user, proposal, request.files.get("file"),
            success="附件已上传。")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id):
    from marketplace.proposals.attachments import download_response

    attachment = get_or_404(Attachment, attachment_id)
    if not can_view_attachment(current_user, attachment):
        abort(404)
    return download_response(attachment)


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(attachment_id):
    attachment = get_or_404(Attachment, attachment_id)
    proposal = _visible(attachment.proposal_id)
    perform(services.remove_attachment, current_user, attachment, success="附件已删除。")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.get("/opportunities/<int:opportunity_id>/proposals")
@login_required
def evaluate(opportunity_id):
    opportunity = _evaluated(opportunity_id)
    return render_template("proposals/evaluate.html",
                           **pages.evaluation_context(opportunity, current_user))


@bp.get("/opportunities/<int:opportunity_id>/proposals.xlsx")
@writes_on_get
@ratelimits.export
@login_required
def export(opportunity_id):
    opportunity = _evaluated(opportunity_id)
    data = exports.export(current_user, opportunity, queries.for_opportunity(opportunity))
    db.session.commit()
    return attachment(data, XLSX, f"{opportunity.title}-揭榜方案.xlsx",
                      f"proposals-{opportunity.id}.xlsx")


@bp.get("/opportunities/<int:opportunity_id>/proposals.csv")
@writes_on_get
@ratelimits.export
@login_required
def export_csv(opportunity_id):
    opportunity = _evaluated(opportunity_id)
    data = exports.export_csv(current_user, opportunity, queries.for_opportunity(opportunity))
    db.session.commit()
    return attachment(data, CSV, f"{opportunity.title}-揭榜方案.csv",
                      f"proposals-{opportunity.id}.csv")


@bp.get("/proposals/mine")
@login_required
def mine():
    require(current_user, Permission.PROPOSAL_CREATE, kind="proposal")
    return render_template("proposals/mine.html",
                           proposals=queries.for_organization(current_user.organization_id))


@bp.get("/questions/mine")
@login_required
def my_questions():
    """The organization's questions, answered or still waiting (待答复)."""
    require(current_user, Permission.QUESTION_ASK)
    return render_template("proposals/questions.html",
                           questions=queries.asked_by(current_user.organization_id))
