"""What every view does the same way: one service call per request, then commit; the
confirmation step before an irreversible one; and how a file is sent for download."""
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Response, abort, flash, request

from marketplace.errors import DomainError, NotFound, PermissionDenied
from marketplace.extensions import db


def attach_error(form, error: DomainError) -> bool:
    """Put each of the service's messages on the field it names; False when none of
    them names a field of ``form``."""
    errors = getattr(error, "errors", None) or {error.field: error.message}
    attached = False
    for name, message in errors.items():
        field = getattr(form, name, None) if (form is not None and name) else None
        if field is not None:
            field.errors = list(field.errors or []) + [message]
            attached = True
    return attached


def perform(action, *args, form=None, success: str | None = None, **kwargs):
    """Run one service call as the request's unit of work.

    Commits on success (flashing ``success``); on a DomainError rolls back, so nothing is
    half-saved, and shows the message at its field or at the top. Permission and
    not-found errors propagate to the 403/404 pages. Returns (ok, result).
    """
    try:
        result = action(*args, **kwargs)
    except (PermissionDenied, NotFound):
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        if not attach_error(form, error):
            flash(error.message, "error")
        return False, None
    db.session.commit()
    if success:
        flash(success, "success")
    return True, result


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


# --- confirming irreversible steps ------------------------------------------------------
CONFIRMED = "yes"


def confirmed() -> bool:
    """Whether the POST comes from a confirmation page (its hidden ``confirmed`` field).
    An irreversible step posted without it shows the confirmation page instead of acting,
    so a stray click, an old form or a hand-made request never does it unseen."""
    return request.form.get("confirmed") == CONFIRMED


@dataclass
class Confirmation:
    """What ``templates/confirm.html`` shows before an irreversible step: what will be
    done (``facts``: label → value), its consequences, and a POST form to ``action``
    carrying ``hidden`` values and the form fields named in ``fields``."""

    title: str
    action: str
    button: str
    cancel: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    consequences: list[str] = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)
    fields: tuple[str, ...] = ()
    danger: bool = False


# --- downloads ----------------------------------------------------------------------------
# No path separators or control characters in a file name (browsers replace the
# characters their system refuses when they save it).
_UNSAFE_IN_NAME = re.compile(r"[\\/\x00-\x1f\x7f]+")


def _ascii_fallback(name: str) -> str:
    """``name`` folded to the ASCII that old clients read from ``filename=``; a name with
    nothing left of its stem becomes ``attachment.<ext>``."""
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    stem, ext = _to_ascii(stem), _to_ascii(ext)
    if not re.search(r"[A-Za-z0-9]", stem):
        stem = "attachment"
    return f"{stem}.{ext}" if ext else stem


def _to_ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._()\- ]", "_", folded).strip(" .")


def content_disposition(name: str, ascii_name: str | None = None) -> str:
    """An attachment header naming the file ``name`` in UTF-8 (RFC 6266 / 5987), with an
    ASCII name for old clients: ``ascii_name``, or ``name`` folded to ASCII. Path
    separators and control characters (titles are free text) become ``_``."""
    name = _UNSAFE_IN_NAME.sub("_", name).strip(" .")
    fallback = ascii_name or _ascii_fallback(name)
    return (f"attachment; filename=\"{fallback}\"; "
            f"filename*=UTF-8''{quote(name, safe='!#$&+-.^_`|~')}")


def download_headers(response: Response) -> Response:
    """Headers every download carries: never kept by the browser or a proxy (exports hold
    personal data and each one is audited, so none may be served from a cache), never
    sniffed into another type, and inert if a browser opens it in a tab."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; sandbox; frame-ancestors 'none'")
    return response


def attachment(data: bytes | str, mimetype: str, name: str,
               ascii_name: str | None = None) -> Response:
    """``data`` sent as a download named ``name`` (see ``content_disposition``)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(name, ascii_name)
    return download_headers(response)
