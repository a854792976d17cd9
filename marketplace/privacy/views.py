"""/account/privacy: a person downloads a copy of their data or erases their account."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required, logout_user

from marketplace import ratelimits
from marketplace.db import beijing_today, writes_on_get
from marketplace.extensions import db
from marketplace.privacy import services
from marketplace.privacy.forms import EraseForm
from marketplace.viewhelpers import attachment, perform

bp = Blueprint("privacy", __name__, url_prefix="/account/privacy")


@bp.get("/")
@login_required
def index():
    return render_template("privacy/index.html", form=EraseForm())


@bp.get("/data.json")
@login_required
@writes_on_get
@ratelimits.export
def download():
    data = services.export_personal_data(current_user)
    db.session.commit()
    day = f"{beijing_today():%Y%m%d}"
    return attachment(data, "application/json", f"个人数据-{day}.json",
                      f"personal-data-{day}.json")


@bp.post("/erase")
@login_required
@ratelimits.password_change
def erase():
    form = EraseForm()
    if form.validate_on_submit():
        ok, _ = perform(services.erase_account, current_user, form.password.data,
                        form.confirm.data, form=form)
        if ok:
            logout_user()
            return render_template("privacy/erased.html")
    return render_template("privacy/index.html", form=form), 400
