"""Routes shared by the opportunity and product blueprints (built per kind).

Public: list with filters, detail. Signed-in organizations: their own list, create,
edit, submit, withdraw, close. Each POST is one service call and one commit.
"""
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace import ratelimits
from marketplace.authz import Permission, require
from marketplace.listings import pages, queries
from marketplace.listings import services as workflow
from marketplace.taxonomy.queries import field_groups, get_region, region_choices, tags
from marketplace.viewhelpers import perform


def build_blueprint(model, services, form_class, import_name: str) -> Blueprint:
    kind = model.kind
    bp = Blueprint(model.endpoint, import_name, url_prefix=f"/{model.endpoint}")
    context = {"model": model, "kind": kind}

    def load(item_id):
        return queries.visible_listing(model, item_id, current_user)

    @bp.get("/")
    def index():
        filters = queries.ListFilters.from_args(request.args)
        page = queries.public_page(model, filters, current_app.config["PAGE_SIZE"])
        return render_template(
            "listings/index.html", page=page, filters=filters, field_groups=field_groups(),
            tags=tags(), releases=queries.release_choices(model), regions=region_choices(),
            status_filters=model.public_status_filters,
            selected_region=get_region(filters.region), **context)

    @bp.get("/<int:item_id>")
    def detail(item_id):
        return render_template("listings/detail.html",
                               **pages.detail_context(load(item_id), current_user), **context)

    @bp.get("/mine")
    @login_required
    def mine():
        require(current_user, Permission.LISTING_CREATE, kind=kind)
        return render_template("listings/mine.html",
                               **pages.mine_context(model, current_user), **context)

    @bp.route("/new", methods=["GET", "POST"])
    @login_required
    def create():
        require(current_user, Permission.LISTING_CREATE, kind=kind)
        form = form_class()
        form.fill_choices()
        if request.method == "GET":
            form.region_code.data = current_user.organization.region_code
            form.contact_name.data = current_user.name
            form.contact_phone.data = current_user.phone
        if form.validate_on_submit():
            ok, item = perform(services.create, current_user, form.data, form=form,
                               success="已保存为草稿。确认无误后请提交审核。")
            if ok:
                return redirect(url_for(f"{model.endpoint}.detail", item_id=item.id))
        return render_template("listings/form.html", form=form, item=None, **context)

    @bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
    @login_required
    def edit(item_id):
        item = load(item_id)
        require(current_user, Permission.LISTING_EDIT, item)
        form = form_class()
        form.fill_choices()
        pending = workflow.pending_revision(item)
        if request.method == "GET":
            values = pending.data if pending else {
                name: getattr(item, name) for name in model.content_fields}
            form.load(values)
        if form.validate_on_submit():
            was_published = item.is_published
            ok, _ = perform(services.update, current_user, item, form.data, form=form,
                            success="修改已提交审核，审核通过前公开页面仍显示原内容。"
                            if was_published else "已保存。")
            if ok:
                return redirect(url_for(f"{model.endpoint}.detail", item_id=item.id))
            item = load(item_id)  # the failed save was rolled back, expiring the listing
        return render_template("listings/form.html", form=form, item=item, pending=pending,
                               **context)

    @bp.post("/<int:item_id>/contact")
    @login_required
    @ratelimits.contact
    def contact(item_id):
        item = load(item_id)
        ok, phone = perform(workflow.reveal_contact, current_user, item)
        if not ok:
            return redirect(url_for(f"{model.endpoint}.detail", item_id=item.id))
        return render_template("listings/contact.html", item=item, phone=phone, **context)

    def _action(item_id, fn, success, *args):
        item = load(item_id)
        perform(fn, current_user, item, *args, success=success)
        return redirect(url_for(f"{model.endpoint}.detail", item_id=item.id))

    @bp.post("/<int:item_id>/submit")
    @login_required
    def submit(item_id):
        return _action(item_id, workflow.submit, "已提交审核，请等待平台管理员审核。")

    @bp.post("/<int:item_id>/withdraw")
    @login_required
    def withdraw(item_id):
        return _action(item_id, workflow.withdraw, "已撤回为草稿。")

    @bp.post("/<int:item_id>/close")
    @login_required
    def close(item_id):
        return _action(item_id, workflow.close, "已关闭并记录对接结果。",
                       request.form.get("outcome", ""))

    return bp
