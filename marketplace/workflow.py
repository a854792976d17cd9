"""The one helper every status change goes through: the transition table decides, the
audit record shows before and after."""
from marketplace import audit
from marketplace.errors import IllegalTransition
from marketplace.extensions import db


def check_transition(obj, target: str, *, transitions: dict, labels: dict, noun: str,
                     field: str = "status") -> None:
    """Raise IllegalTransition naming both states in Chinese unless ``transitions`` lets
    ``obj.<field>`` become ``target``. Services whose input checks depend on the target
    call it before those checks, so an illegal move is reported first."""
    current = getattr(obj, field)
    if target not in transitions.get(current, ()):
        word = "阶段" if field == "stage" else "状态"
        raise IllegalTransition(f"{noun}当前{word}为“{labels[current]}”，"
                                f"不能变为“{labels.get(target, target)}”。")


def change_state(actor, obj, target: str, action: str, *, transitions: dict, labels: dict,
                 noun: str, summary: str = "", field: str = "status",
                 audit_prefix: str | None = None, **extra) -> None:
    """Set ``obj.<field>`` to ``target`` (and the ``extra`` attributes) if ``transitions``
    allows it, else raise IllegalTransition (see ``check_transition``).

    The audit action is ``<audit_prefix>.<action>``; the prefix defaults to
    ``obj.audit_type`` (a listing revision is audited under its listing's kind)."""
    check_transition(obj, target, transitions=transitions, labels=labels, noun=noun,
                     field=field)
    before = audit.snapshot(obj, [field, *extra])
    setattr(obj, field, target)
    for key, value in extra.items():
        setattr(obj, key, value)
    db.session.flush()
    audit.record(actor, f"{audit_prefix or obj.audit_type}.{action}", obj, before=before,
                 after=audit.snapshot(obj, [field, *extra]), summary=summary)
