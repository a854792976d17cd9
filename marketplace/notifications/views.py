"""The user's notifications, e-mail settings and digest subscription."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.authz import Permission, require
from marketplace.notifications import queries, services
from marketplace.notifications.forms import EmailSettingsForm, SubscriptionForm
from marketplace.notifications.models import EVENTS, FREQUENCIES
from marketplace.validators import as_id
from marketplace.viewhelpers import perform

bp = Blueprint("notifications", __name__)


def _page_arg() -> int:
    page = request.args.get("page", "1")
    return as_id(page) or 1


def _safe_link(link: str) -> str | None:
    """Only the site's own paths (links are set by the app; never follow another host)."""
    if link and link.startswith("/") and not link.startswith("//"):
        return link
    return None


def _user():
    return current_user._get_current_object()


@bp.get("/notifications")
@login_required
def index():
    return render_template("notifications/index.html",
                           page=queries.notifications_page(_user(), _page_arg()),
                           events=EVENTS)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    ok, notification = perform(services.mark_read, _user(), notification_id)
    target = _safe_link(notification.link) if ok and request.form.get("open") else None
    return redirect(target or url_for("notifications.index", page=_page_arg()))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    perform(services.mark_all_read, _user(), success="已全部标为已读。")
    return redirect(url_for("notifications.index"))


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    form = EmailSettingsForm()
    if form.validate_on_submit():
        ok, _ = perform(services.save_email_settings, _user(), form.events.data, form=form,
                        success="邮件提醒设置已保存。")
        if ok:
            return redirect(url_for("notifications.settings"))
    elif request.method == "GET":
        form.load(queries.email_settings(_user()))
    return render_template("notifications/settings.html", form=form, events=EVENTS)


@bp.route("/settings/subscription", methods=["GET", "POST"])
@login_required
def subscription():
    require(_user(), Permission.SUBSCRIPTION_MANAGE, kind="subscription")
    form = SubscriptionForm()
    form.fill_choices()
    current = queries.subscription_of(_user())
    if form.validate_on_submit():
        ok, _ = perform(services.save_subscription, _user(), form.data, form=form,
                        success="订阅设置已保存。")
        if ok:
            return redirect(url_for("notifications.subscription"))
        return render_template("notifications/subscription.html", form=form,
                               subscription=current, frequencies=FREQUENCIES), 400
    if request.method == "GET" and current is not None:
        form.load(current)
    return render_template("notifications/subscription.html", form=form,
                           subscription=current, frequencies=FREQUENCIES)
