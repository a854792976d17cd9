"""Releases: public pages, .xlsx and .csv exports, print page; the admin's composing pages."""
from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace import ratelimits
from marketplace.authz import Permission, can, permission_required, region_prefix, region_scope
from marketplace.db import writes_on_get
from marketplace.extensions import db
from marketplace.listings import queries as listing_queries
from marketplace.listings.models import LISTING_MODELS
from marketplace.releases import exports, queries, services
from marketplace.releases.forms import PublishForm, ReleaseForm
from marketplace.releases.models import PLATFORM_PUBLISHER, Release
from marketplace.taxonomy.queries import region_choices
from marketplace.spreadsheets import CSV, XLSX
from marketplace.viewhelpers import Confirmation, attachment, confirmed, get_or_404, perform

bp = Blueprint("releases", __name__)



def _published_or_404(release_id: int) -> Release:
    release = get_or_404(Release, release_id)
    if not release.is_published:
        abort(404)
    release.region  # noqa: B018 — loaded for the page, not while it renders
    return release


def _managed_or_404(release_id: int) -> Release:
    """A release the admin may compose: outside a region administrator's subtree (the
    platform's own batches included) it is not found."""
    release = queries.release(release_id)
    if release is None or not can(current_user, Permission.RELEASE_MANAGE, release):
        abort(404)
    return release


def _region_choices() -> list[tuple[str, str]]:
    """The regions the admin may publish for: a region administrator's subtree (its own
    first, the default); for a platform admin its own batches first, then any region."""
    scope = region_scope(current_user)
    if scope is None:
        return [("", f"{PLATFORM_PUBLISHER}（不限地区）"), *region_choices()]
    prefix = region_prefix(scope)
    return [(code, name.strip("　")) for code, name in region_choices()
            if code.startswith(prefix)]


@bp.get("/releases/")
def index():
    releases = queries.published_releases()
    return render_template("releases/index.html", releases=releases,
                           counts=queries.item_counts_of(releases))


@bp.get("/releases/<int:release_id>")
def detail(release_id):
    release = _published_or_404(release_id)
    return render_template("releases/detail.html", release=release,
                           items=queries.items_by_kind(release))


@bp.get("/releases/<int:release_id>/print")
def print_view(release_id):
    release = _published_or_404(release_id)
    return render_template("releases/print.html", release=release,
                           items=queries.items_by_kind(release))


@bp.get("/releases/<int:release_id>.xlsx")
@writes_on_get
@ratelimits.export
def export(release_id):
    release = _published_or_404(release_id)
    filename = f"release-{release.year}-{release.sequence:02d}.xlsx"
    data = exports.export(current_user, release)
    db.session.commit()
    return attachment(data, XLSX, f"{release}.xlsx", filename)


@bp.get("/releases/<int:release_id>/<any(opportunity, product):kind>.csv")
@writes_on_get
@ratelimits.export
def export_csv(release_id, kind):
    release = _published_or_404(release_id)
    filename = f"release-{release.year}-{release.sequence:02d}-{kind}.csv"
    data = exports.export_csv(current_user, release, kind)
    db.session.commit()
    return attachment(data, CSV, f"{release}-{LISTING_MODELS[kind].list_label}.csv", filename)


@bp.route("/admin/releases/", methods=["GET", "POST"])
@login_required
@permission_required(Permission.RELEASE_MANAGE)
def manage():
    form = ReleaseForm()
    form.region_code.choices = _region_choices()
    if form.validate_on_submit():
        ok, release = perform(services.create_release, current_user, form.data, form=form,
                              success="批次已创建，请加入条目。")
        if ok:
            return redirect(url_for("releases.compose", release_id=release.id))
    releases = queries.all_releases(region_scope(current_user))
    return render_template("releases/manage.html", form=form, releases=releases,
                           counts=queries.item_counts_of(releases))


def _compose_page(release: Release, publish_form: PublishForm):
    candidates = {kind: listing_queries.approved_unassigned(model, release.region_code)
                  for kind, model in LISTING_MODELS.items()}
    return render_template("releases/compose.html", release=release,
                           items=queries.items_by_kind(release), candidates=candidates,
                           publish_form=publish_form)


@bp.get("/admin/releases/<int:release_id>")
@login_required
@permission_required(Permission.RELEASE_MANAGE)
def compose(release_id):
    return _compose_page(_managed_or_404(release_id), PublishForm())


@bp.post("/admin/releases/<int:release_id>/items")
@login_required
@permission_required(Permission.RELEASE_MANAGE)
def add_items(release_id):
    release = _managed_or_404(release_id)
    perform(services.add_items, current_user, release, request.form.get("kind", ""),
            request.form.getlist("ids"), success="已加入批次。")
    return redirect(url_for("releases.compose", release_id=release.id))


@bp.post("/admin/releases/<int:release_id>/items/<kind>/<int:item_id>/remove")
@login_required
@permission_required(Permission.RELEASE_MANAGE)
def remove_item(release_id, kind, item_id):
    release = _managed_or_404(release_id)
    model = LISTING_MODELS.get(kind) or abort(404)
    perform(services.remove_item, current_user, release, get_or_404(model, item_id),
            success="已移出批次。")
    return redirect(url_for("releases.compose", release_id=release.id))


def _publish_confirmation(release: Release) -> Confirmation:
    counts = queries.item_counts(release)
    return Confirmation(
        title=f"确认发布：{release.title}",
        action=url_for("releases.publish", release_id=release.id),
        button="确认发布批次", danger=True,
        cancel=url_for("releases.compose", release_id=release.id),
        facts=[("批次", release.title), ("发布方", release.publisher_label),
               ("机会清单", f"{counts['opportunity']} 条"),
               ("产品清单", f"{counts['product']} 条")],
        consequences=["发布后条目获得公开编号且不可更改，批次不能再增减条目，发布不能撤回。",
                      "条目立即在公开页面、搜索和打印版中可见，发布单位将收到通知。"],
        fields=("published_on",))


def _publish_page(release: Release, form: PublishForm, status: int = 200):
    return render_template("confirm.html", confirm=_publish_confirmation(release),
                           form=form), status


@bp.get("/admin/releases/<int:release_id>/publish")
@login_required
@permission_required(Permission.RELEASE_MANAGE)
def confirm_publish(release_id):
    """What publishing will do, with the publication date to confirm."""
    release = _managed_or_404(release_id)
    form = PublishForm()  # a GET: nothing posted, the default date is today
    form.published_on.data = request.args.get("published_on") or form.published_on.data
    return _publish_page(release, form)


@bp.post("/admin/releases/<int:release_id>/publish")
@login_required
@permission_required(Permission.RELEASE_MANAGE)
def publish(release_id):
    """Publishes only from its confirmation page; a bare POST is shown that page."""
    release = _managed_or_404(release_id)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    if not confirmed():
        return redirect(url_for("releases.confirm_publish", release_id=release.id,
                                published_on=form.published_on.data or ""))
    try:
        published_on = date.fromisoformat(form.published_on.data or "")
    except ValueError:
        published_on = None
    ok, _ = perform(services.publish_release, current_user, release, published_on,
                    form=form, success="批次已发布，条目已获得公开编号。")
    if ok:
        return redirect(url_for("releases.detail", release_id=release.id))
    return _publish_page(_managed_or_404(release_id), form, 400)
