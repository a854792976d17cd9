"""The web import of lists for administrators: templates to download, an upload that is
previewed (nothing written), then imported on confirmation. Under /admin/imports."""
from flask import (Blueprint, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace.authz import Permission, permission_required
from marketplace.errors import DomainError, NotFound, PermissionDenied
from marketplace.extensions import db
from marketplace.transfer.columns import KIND_LABELS, TransferError
from marketplace.transfer.forms import ConfirmForm, ImportForm
from marketplace.spreadsheets import CSV, XLSX
from marketplace.viewhelpers import attachment, perform

bp = Blueprint("transfer", __name__, url_prefix="/admin/imports")

# ``services`` and ``blanks`` read and write sheets with openpyxl, which a web process
# imports only when a sheet is handled (tests/test_startup.py): they are imported in the
# views that use them.

MIMETYPES = {"xlsx": XLSX, "csv": CSV}
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the other fields, beside the file


def _too_big() -> str:
    return f"文件超过 {current_app.config['IMPORT_MAX_BYTES'] / 1024 / 1024:g} MB，请拆分后分批导入。"


def _page(form: ImportForm, preview=None, status: int = 200):
    config = current_app.config
    return render_template("transfer/import.html", form=form, preview=preview,
                           kinds=KIND_LABELS,
                           minutes=config["IMPORT_PREVIEW_MINUTES"],
                           max_mb=f"{config['IMPORT_MAX_BYTES'] / 1024 / 1024:g}",
                           max_rows=config["IMPORT_MAX_ROWS"]), status


@bp.get("/")
@login_required
@permission_required(Permission.LISTING_IMPORT)
def index():
    return _page(ImportForm(formdata=None))


def _upload_form() -> ImportForm | None:
    """The posted form, or None when the upload is over the import's size limit (refused
    while parsing, before the body is read: the request's own limit, far below the app's
    MAX_CONTENT_LENGTH for attachments)."""
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + FORM_OVERHEAD
    try:
        request.files  # noqa: B018 — parses the body now, so the limit applies here
    except RequestEntityTooLarge:
        return None
    return ImportForm()


@bp.post("/preview")
@login_required
@permission_required(Permission.LISTING_IMPORT)
def preview():
    form = _upload_form()
    if form is None:
        form = ImportForm(formdata=None)
        form.file.errors = [_too_big()]
        return _page(form)
    if not form.validate_on_submit():
        return _page(form)
    from marketplace.transfer import services

    upload = form.file.data
    data = upload.stream.read(current_app.config["IMPORT_MAX_BYTES"] + 1) if upload else b""
    ok, result = perform(services.preview, current_user, form.kind.data,
                         upload.filename if upload else None, data, form=form)
    if ok and result.file_problems:
        form.file.errors = [problem.message for problem in result.file_problems]
    return _page(form, result if ok else None)


@bp.post("/confirm")
@login_required
@permission_required(Permission.LISTING_IMPORT)
def confirm():
    from marketplace.transfer import services

    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("请求已失效，请重新上传文件。", "error")
        return redirect(url_for("transfer.index"))
    # Not viewhelpers.perform: a file refused now (the platform changed since its preview)
    # gets every problem listed on the page, as on the preview, not only the first.
    try:
        result = services.confirm(current_user, form.ticket.data)
    except TransferError as error:
        db.session.rollback()
        return _page(ImportForm(formdata=None), services.Preview("", "", problems=error.problems))
    except (PermissionDenied, NotFound):
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("transfer.index"))
    db.session.commit()
    flash(f"已导入 {len(result.imported)} 条{KIND_LABELS[result.kind]}，均为草稿，"
          "发布单位可在“我的清单”中查看并提交审核。", "success")
    return redirect(url_for("transfer.index"))


@bp.get("/template/<any(opportunity, product):kind>.<any(xlsx, csv):fmt>")
@login_required
@permission_required(Permission.LISTING_IMPORT)
def template(kind, fmt):
    from marketplace.transfer import blanks

    build = blanks.xlsx_template if fmt == "xlsx" else blanks.csv_template
    name = blanks.template_name(kind, f".{fmt}")
    return attachment(build(current_user, kind), MIMETYPES[fmt], name,
                      f"{kind}-template.{fmt}")
