"""Look-alikes in the back office: the duplicates report, and the decisions about a pair
(duplicate / related / not duplicates) taken on it or on a review page. Routes of the
admin blueprint (imported by admin.views); a refused decision shows the page it came
from again, with the message at the pair's form."""
from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.admin.views import bp, listing_or_404, review_page
from marketplace.authz import Permission, permission_required
from marketplace.listings import links
from marketplace.listings import queries as listing_queries
from marketplace.listings.forms import LinkForm
from marketplace.listings.models import LINK_KINDS, LISTING_MODELS
from marketplace.matching import duplicates
from marketplace.matching.duplicates import year_of
from marketplace.taxonomy.queries import regions_for
from marketplace.validators import as_id
from marketplace.viewhelpers import perform

SUCCESS = {"duplicate": "已标记为重复，较新的一条已退回提交单位，退回原因中注明了另一条。",
           "related": "已标记为相关清单，两条的公开页面将互相链接。",
           "dismissed": "已标记为不重复，这两条不再作为相似清单提示。"}


def _kind(value: str) -> str:
    return value if value in LISTING_MODELS else "opportunity"


def _region(value: str) -> str:
    """A region the viewer may filter by, else none (every region within its reach)."""
    codes = {code for code, _ in regions_for(current_user, Permission.LISTING_REVIEW)}
    return value if value in codes else ""


def report_page(kind: str, region: str, form=None, failed=None, status: int = 200):
    clusters = duplicates.report(kind, current_user, region or None)
    return render_template(
        "admin/duplicates.html", kind=kind, region=region, clusters=clusters,
        list_labels={k: m.list_label for k, m in LISTING_MODELS.items()},
        regions=regions_for(current_user, Permission.LISTING_REVIEW),
        years={item.id: year_of(item) for c in clusters for item in c.members},
        decisions=duplicates.decisions(kind, current_user),
        link_form=form or LinkForm(), failed=failed, link_kinds=LINK_KINDS), status


@bp.get("/duplicates")
@permission_required(Permission.LISTING_REVIEW)
def duplicates_report():
    return report_page(_kind(request.args.get("list", "")),
                       _region(request.args.get("region", "")))


def _back(kind: str, item):
    """Where a decision returns: the review page it was taken on, or the report."""
    if request.form.get("back") == "review":
        return redirect(url_for("admin.review", kind=kind, item_id=item.id))
    return redirect(url_for("admin.duplicates_report", list=kind,
                            region=_region(request.form.get("region", "")) or None))


def _again(kind: str, item, form, failed):
    """The page the refused decision came from, with the message at the pair."""
    if request.form.get("back") == "review":
        return review_page(listing_or_404(kind, item.id), link_form=form, failed=failed,
                           status=400)
    return report_page(kind, _region(request.form.get("region", "")), form, failed, 400)


@bp.post("/duplicates/<kind>/mark")
@permission_required(Permission.LISTING_REVIEW)
def mark_pair(kind):
    """Mark two listings of one list (both within the admin's reach, else not found)."""
    form = LinkForm()
    item = listing_or_404(kind, as_id(form.item_id.data or "") or 0)
    other = listing_or_404(kind, as_id(form.other_id.data or "") or 0)
    decision = request.form.get("decision", "")
    ok, _ = perform(links.mark, current_user, item, other, decision, form.note.data or "",
                    form=form, success=SUCCESS.get(decision))
    if ok:
        return _back(kind, item)
    return _again(kind, item, form, (item.id, other.id))


@bp.post("/duplicates/links/<int:link_id>/unlink")
@permission_required(Permission.LISTING_REVIEW)
def unlink_pair(link_id):
    """Take back a related or not-duplicates mark."""
    link = listing_queries.link(link_id) or abort(404)
    item = listing_or_404(link.listing_kind, link.first_id)
    other = listing_or_404(link.listing_kind, link.second_id)
    perform(links.unlink, current_user, link, item, other, success="已取消标记。")
    shown = as_id(request.form.get("item_id", "")) if request.form.get("back") == "review" else None
    if shown in link.ids:
        return redirect(url_for("admin.review", kind=link.listing_kind, item_id=shown))
    return redirect(url_for("admin.duplicates_report", list=link.listing_kind))
