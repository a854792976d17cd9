"""The public search page and the admin's language-data pages."""
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace import ratelimits
from marketplace.authz import Permission, permission_required
from marketplace.extensions import db
from marketplace.releases.models import Release
from marketplace.search import queries, services
from marketplace.search.forms import LanguageForm
from marketplace.search.language import language_text
from marketplace.search.models import LANGUAGE_KINDS, IndexTask
from marketplace.search.runtime import search_index
from marketplace.taxonomy.models import Region
from marketplace.viewhelpers import perform

bp = Blueprint("search", __name__)

KIND_LABELS = {"opportunity": "机会清单", "product": "产品清单"}


def _facet_labels(page: queries.SearchPage) -> dict[str, dict[str, str]]:
    """Display names for facet values stored as codes or ids (two queries: the regions
    with the province and city above each, for their full names, and the releases)."""
    codes = [code for code, _ in page.facets.get("region", []) if code]
    wanted = set(codes) | {c[:2] + "0000" for c in codes} | {c[:4] + "00" for c in codes}
    loaded = {r.code: r for r in db.session.scalars(
        sa.select(Region).where(Region.code.in_(wanted)))} if wanted else {}
    regions = {code: loaded.get(code) for code, _ in page.facets.get("region", [])}
    ids = [int(v) for v, _ in page.facets.get("release", []) if v and v.isdigit()]
    loaded = {r.id: r for r in db.session.scalars(
        sa.select(Release).where(Release.id.in_(ids)))} if ids else {}
    releases = {value: loaded.get(int(value))
                for value, _ in page.facets.get("release", []) if value and value.isdigit()}
    return {
        "kind": KIND_LABELS,
        "region": {c: r.full_name for c, r in regions.items() if r},
        "release": {v: r.title for v, r in releases.items() if r},
    }


@bp.get("/search")
@ratelimits.search
def index():
    params = queries.SearchParams.from_args(request.args)
    page = queries.safe_search(search_index(), params, current_app.config["PAGE_SIZE"]) \
        if params.q else None
    return render_template("search/index.html", params=params, page=page,
                           labels=_facet_labels(page) if page else {},
                           sorts=queries.SORTS, kind_labels=KIND_LABELS)


@bp.route("/admin/search/language/<kind>", methods=["GET", "POST"])
@login_required
@permission_required(Permission.TAXONOMY_MANAGE)
def language(kind):
    if kind not in LANGUAGE_KINDS:
        abort(404)
    form = LanguageForm()
    if request.method == "GET":
        form.content.data = language_text(kind)
    if form.validate_on_submit():
        ok, _ = perform(services.replace_language, current_user, kind, form.content.data,
                        form=form, success="已保存。点击“重建索引”后生效。")
        if ok:
            return redirect(url_for("search.language", kind=kind))
    pending = db.session.scalar(sa.select(IndexTask.id).where(IndexTask.kind == "rebuild"))
    return render_template("search/language.html", kind=kind, kinds=LANGUAGE_KINDS,
                           form=form, rebuild_pending=pending is not None)


@bp.post("/admin/search/reindex")
@login_required
@permission_required(Permission.TAXONOMY_MANAGE)
def reindex():
    perform(services.request_reindex, current_user,
            success="已提交重建索引，完成后新的语言数据生效（通常在一分钟内）。")
    return redirect(request.referrer if (request.referrer or "").startswith(request.host_url)
                    else url_for("admin.index"))
