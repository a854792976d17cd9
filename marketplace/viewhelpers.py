"""What every view does the same way: one service call per request, then commit; and
the confirmation step before an irreversible one."""
from dataclasses import dataclass, field

from flask import abort, flash, request

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
