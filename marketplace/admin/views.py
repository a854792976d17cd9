"""Platform administration: review queues, organizations, audit log, taxonomy, locks."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.accounts import auditors as auditor_services
from marketplace.accounts import queries as account_queries
from marketplace.accounts import second_factor
from marketplace.accounts import services as account_services
from marketplace.accounts.forms import AuditorForm, MemberForm, ReasonForm, RegionAdminForm
from marketplace.accounts.models import ORG_STATUSES, Organization, User
from marketplace.admin import changes, labels, queries
from marketplace.authz import Permission, can, permission_required, region_scope, require
from marketplace.db import utcnow
from marketplace.listings import pages as listing_pages
from marketplace.listings import queries as listing_queries
from marketplace.listings import revisions
from marketplace.listings import services as workflow
from marketplace.listings.forms import LinkForm
from marketplace.listings.models import LISTING_MODELS, STATUSES
from marketplace.matching import duplicates
from marketplace.matching import services as recommendations
from marketplace.search.engine import MatchEngine
from marketplace.search.runtime import search_index
from marketplace.taxonomy import services as taxonomy_services
from marketplace.taxonomy.models import TAG_KINDS, Field, Tag
from marketplace.taxonomy.queries import field_groups, region_choices, tags
from marketplace.validators import as_id
from marketplace.viewhelpers import get_or_404, perform

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The statuses a listing passes on its way to the public, counted on the dashboard.
PIPELINE = ("submitted", "approved", "published")


@bp.before_request
@login_required
@permission_required(Permission.ADMIN_ACCESS)
def _admins_only():
    """Every admin page needs admin.access; each route declares its own permission too
    (but add_member, whose org.manage needs the organization: its service checks it), and
    services check again."""


@bp.get("/")
def index():
    """The back office's start page: what the admin may do, of its subtree for a region
    administrator (whose region_scope narrows every list and count). An auditor, who
    reviews nothing, starts at the audit log."""
    if not can(current_user, Permission.LISTING_REVIEW):
        return redirect(url_for("admin.audit"))
    scope = region_scope(current_user)
    queue = {kind: listing_queries.review_queue(model, scope)
             for kind, model in LISTING_MODELS.items()}
    platform = {
        "pending_orgs": account_queries.organizations(status="pending")
        if can(current_user, Permission.ORG_REVIEW) else [],
        "locked": account_queries.locked_users()
        if can(current_user, Permission.USER_UNLOCK) else [],
    }
    refresh = recommendations.progress()
    left = refresh.remaining_seconds(utcnow()) if refresh else None
    return render_template("admin/index.html", queue=queue, refresh=refresh,
                           refresh_minutes_left=None if left is None else max(1, round(left / 60)),
                           revisions=listing_queries.pending_revisions(scope),
                           status_counts={k: listing_queries.count_by_status(m, scope)
                                          for k, m in LISTING_MODELS.items()},
                           pipeline={status: STATUSES[status] for status in PIPELINE},
                           scope_label=current_user.role_label, **platform)


def listing_or_404(kind: str, item_id: int):
    """A listing the admin may review; outside a region administrator's subtree it is
    not found."""
    model = LISTING_MODELS.get(kind) or abort(404)
    item = listing_queries.listing(model, item_id)
    if item is None or not can(current_user, Permission.LISTING_REVIEW, item):
        abort(404)
    return item


def _look_alikes(item) -> list | None:
    """Possible duplicates for the reviewer, published or under review, searched now;
    an index failure only hides the hint (None)."""
    try:
        return duplicates.for_review(MatchEngine(search_index()), item, current_user)
    except Exception:  # noqa: BLE001
        current_app.logger.exception("look-alike search failed")
        return None


def review_page(item, form=None, link_form=None, failed=None, status: int = 200):
    """The review page: the listing, its look-alikes with a form per pair (``failed``:
    the pair whose decision was refused, shown with ``link_form``'s messages) and the
    decisions already taken about it."""
    return render_template("admin/review.html", item=item, form=form or ReasonForm(),
                           actions=listing_pages.allowed_actions(current_user, item),
                           look_alikes=_look_alikes(item),
                           links=listing_queries.links_of(item),
                           link_form=link_form or LinkForm(), failed=failed), status


@bp.route("/review/<kind>/<int:item_id>", methods=["GET", "POST"])
@permission_required(Permission.LISTING_REVIEW)
def review(kind, item_id):
    item = listing_or_404(kind, item_id)
    form = ReasonForm()
    if form.validate_on_submit():
        decision = request.form.get("decision", "")
        ok, _ = perform(workflow.review, current_user, item, decision, form.reason.data,
                        form=form, success="已审核通过。" if decision == "approve"
                        else "已退回，提交单位将看到退回原因。")
        if ok:
            return redirect(url_for("admin.index"))
    # Loaded again: a failed decision was rolled back.
    return review_page(listing_or_404(kind, item_id), form)


def _revision(revision_id: int):
    found = listing_queries.revision(revision_id) or abort(404)
    if not can(current_user, Permission.LISTING_REVIEW, found[1]):
        abort(404)
    return found


@bp.route("/revisions/<int:revision_id>", methods=["GET", "POST"])
@permission_required(Permission.LISTING_REVIEW)
def revision(revision_id):
    rev, _ = _revision(revision_id)
    form = ReasonForm()
    if form.validate_on_submit():
        decision = request.form.get("decision", "")
        ok, _ = perform(workflow.decide_revision, current_user, rev, decision,
                        form.reason.data, form=form,
                        success="修改已生效，公开编号不变。" if decision == "approve"
                        else "修改已退回。")
        if ok:
            return redirect(url_for("admin.index"))
    rev, item = _revision(revision_id)  # again: a failed decision was rolled back
    return render_template("admin/revision.html", revision=rev, item=item, form=form,
                           changes=revisions.compare(item, rev.data))


@bp.get("/organizations")
@permission_required(Permission.ACCOUNT_VIEW)
def organizations():
    status = request.args.get("status", "pending")
    status = status if status in ORG_STATUSES else ""
    return render_template("admin/organizations.html", status=status, statuses=ORG_STATUSES,
                           organizations=account_queries.organizations(status=status or None))


def _organization(org_id: int) -> Organization:
    return account_queries.organization(org_id) or abort(404)


@bp.route("/organizations/<int:org_id>", methods=["GET", "POST"])
@permission_required(Permission.ACCOUNT_VIEW)
def organization(org_id):
    """An organization and its accounts (read: account.view); deciding: org.review."""
    if request.method == "POST":
        require(current_user, Permission.ORG_REVIEW)
    org = _organization(org_id)
    form = ReasonForm()
    if form.validate_on_submit():
        decision = request.form.get("decision", "")
        ok, _ = perform(account_services.review_organization, current_user, org, decision,
                        form.reason.data, form=form,
                        success="单位已认证。" if decision == "verify" else "已标记为未通过。")
        if ok:
            return redirect(url_for("admin.organization", org_id=org.id))
    return render_template("admin/organization.html", org=_organization(org_id),  # reloaded
                           form=form, member_form=MemberForm())


@bp.post("/users/<int:user_id>/unlock")
@permission_required(Permission.USER_UNLOCK)
def unlock(user_id):
    perform(account_services.unlock_user, current_user, get_or_404(User, user_id),
            success="账号已解锁。")
    return redirect(url_for("admin.index"))


@bp.get("/audit")
@permission_required(Permission.AUDIT_VIEW)
def audit():
    """The audit log in Chinese, business events (业务操作) unless another category is
    asked for: sign-ins would otherwise bury a session's few real changes."""
    category = request.args.get("category", labels.DEFAULT_CATEGORY)
    category = category if category in labels.CATEGORIES else labels.DEFAULT_CATEGORY
    action = request.args.get("action", "").strip()[:60]
    object_type = request.args.get("object_type", "")[:40]
    object_types = queries.audit_object_types()
    page = queries.audit_page(as_id(request.args.get("page", "1")) or 1, action, object_type,
                              category)
    return render_template(
        "admin/audit.html", category=category, action_filter=action, type_filter=object_type,
        page=page, changes={entry.id: changes.changes(entry) for entry in page.items},
        categories=labels.CATEGORIES, action_choices=labels.action_choices(category),
        action_labels=labels.ACTION_LABELS,
        object_types=[(t, labels.object_type_label(t)) for t in object_types],
        object_type_labels=labels.OBJECT_TYPE_LABELS)


@bp.get("/taxonomy")
@permission_required(Permission.TAXONOMY_MANAGE)
def taxonomy():
    return render_template("admin/taxonomy.html", groups=field_groups(active_only=False),
                           tags=tags(active_only=False), tag_kinds=TAG_KINDS)


@bp.post("/taxonomy/fields")
@permission_required(Permission.TAXONOMY_MANAGE)
def create_field():
    parent_id = request.form.get("parent_id", "")
    parent = get_or_404(Field, as_id(parent_id) or 0) if parent_id else None
    perform(taxonomy_services.create_field, current_user, request.form.get("name", ""), parent,
            success="领域已添加。")
    return redirect(url_for("admin.taxonomy"))


@bp.post("/taxonomy/tags")
@permission_required(Permission.TAXONOMY_MANAGE)
def create_tag():
    perform(taxonomy_services.create_tag, current_user, request.form.get("name", ""),
            request.form.get("kind", ""), success="标签已添加。")
    return redirect(url_for("admin.taxonomy"))


@bp.post("/taxonomy/<kind>/<int:term_id>")
@permission_required(Permission.TAXONOMY_MANAGE)
def update_term(kind, term_id):
    model = {"field": Field, "tag": Tag}.get(kind) or abort(404)
    perform(taxonomy_services.update_term, current_user, get_or_404(model, term_id),
            request.form.get("name", ""), request.form.get("is_active") == "1",
            success="已保存。")
    return redirect(url_for("admin.taxonomy"))


@bp.post("/organizations/<int:org_id>/members")
def add_member(org_id):
    org = _organization(org_id)
    form = MemberForm()
    if form.validate_on_submit():
        ok, _ = perform(account_services.add_member, current_user, org, form.data, form=form,
                        success="账号已开通，请将初始密码告知本人并提醒其修改。")
        if ok:
            return redirect(url_for("admin.organization", org_id=org.id))
    return render_template("admin/organization.html", org=_organization(org_id),
                           form=ReasonForm(), member_form=form), 400


# --- region administrators (platform admins open and disable them) --------------------
def _admin_region_choices() -> list[tuple[str, str]]:
    """Cities and districts (a region administrator is never province-wide)."""
    return [("", "请选择")] + [(code, name) for code, name in region_choices()
                               if not code.endswith("0000")]


# Region administrators and auditors: one page shape (templates/admin/staff_accounts.html).
STAFF_PAGES = {
    "region_admins": {
        "noun": "区域管理员", "regions": True, "caption": "区域管理员，按地区排序",
        "intro": "市、区县的管理员只在本地区及下辖地区内审核清单、编排和发布本地区的清单批次；"
                 "单位认证、账号、审计日志和词库由平台管理员负责。",
        "manage": Permission.REGION_ADMIN_MANAGE, "toggle": "admin.set_region_admin_active"},
    "auditors": {
        "noun": "审计员", "regions": False, "caption": "审计员",
        "intro": "审计员查阅审计日志及单位、账号信息，不能审核、发布或修改任何内容（三员分立）。",
        "manage": Permission.AUDITOR_MANAGE, "toggle": "admin.set_auditor_active"},
}


def _staff_accounts(page: dict, form, create, accounts):
    """The list of ``page``'s accounts (``accounts()``; read: account.view) and the form
    that opens one with ``create`` (page["manage"] required to post)."""
    if request.method == "POST":
        require(current_user, page["manage"])
    status = 200
    if form.validate_on_submit():
        ok, _ = perform(create, current_user, form.data, form=form,
                        success=f"{page['noun']}账号已开通，请将初始密码告知本人并提醒其修改。")
        if ok:
            return redirect(url_for(request.endpoint))
        status = 400
    return render_template("admin/staff_accounts.html", page=page, form=form,
                           accounts=accounts()), status


@bp.route("/region-admins", methods=["GET", "POST"])
@permission_required(Permission.ACCOUNT_VIEW)
def region_admins():
    form = RegionAdminForm()
    form.region_code.choices = _admin_region_choices()
    return _staff_accounts(STAFF_PAGES["region_admins"], form,
                           account_services.create_region_admin, account_queries.region_admins)


@bp.post("/region-admins/<int:user_id>/active")
@permission_required(Permission.REGION_ADMIN_MANAGE)
def set_region_admin_active(user_id):
    active = request.form.get("active") == "1"
    perform(account_services.set_region_admin_active, current_user, get_or_404(User, user_id),
            active, success="账号已启用。" if active else "账号已停用，其登录已失效。")
    return redirect(url_for("admin.region_admins"))


# --- auditors, and second factors (platform admins) ----------------------------------
@bp.route("/auditors", methods=["GET", "POST"])
@permission_required(Permission.ACCOUNT_VIEW)
def auditors():
    return _staff_accounts(STAFF_PAGES["auditors"], AuditorForm(),
                           auditor_services.create_auditor, account_queries.auditors)


@bp.post("/auditors/<int:user_id>/active")
@permission_required(Permission.AUDITOR_MANAGE)
def set_auditor_active(user_id):
    active = request.form.get("active") == "1"
    perform(auditor_services.set_auditor_active, current_user, get_or_404(User, user_id),
            active, success="账号已启用。" if active else "账号已停用，其登录已失效。")
    return redirect(url_for("admin.auditors"))


def _accounts_page_of(user: User) -> str:
    if user.organization_id is not None:
        return url_for("admin.organization", org_id=user.organization_id)
    if user.is_region_admin:
        return url_for("admin.region_admins")
    if user.is_auditor:
        return url_for("admin.auditors")
    return url_for("admin.index")


@bp.post("/users/<int:user_id>/second-factor/reset")
@permission_required(Permission.SECOND_FACTOR_RESET)
def reset_second_factor(user_id):
    user = get_or_404(User, user_id)
    perform(second_factor.reset, current_user, user,
            success="已重置该账号的二次验证，其登录已失效；本人下次登录后可重新设置。")
    return redirect(_accounts_page_of(user))


from marketplace.admin import duplicates as _duplicates_routes  # noqa: E402,F401  (its routes join bp)
