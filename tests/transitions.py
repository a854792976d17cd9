"""A check shared by the transition-table tests of every kind of row: moving ``obj`` from
its status to ``target`` through ``workflow.change_state`` succeeds exactly when the table
allows it — audited with before/after when it does, refused in Chinese and unchanged
when it does not."""
import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.errors import IllegalTransition
from marketplace.extensions import db
from marketplace.workflow import change_state


def audit_rows(object_type: str, obj) -> list[AuditLog]:
    return db.session.scalars(sa.select(AuditLog).where(
        AuditLog.object_type == object_type, AuditLog.object_id == obj.id)
        .order_by(AuditLog.id)).all()


def assert_table_decides(actor, obj, target: str, *, transitions: dict, labels: dict,
                         noun: str, action: str, object_type: str, **options) -> None:
    """``action``: the audit action an allowed move records (``<prefix>.probe``)."""
    current, rows = obj.status, len(audit_rows(object_type, obj))
    def move():
        change_state(actor, obj, target, "probe", transitions=transitions, labels=labels,
                     noun=noun, **options)
    if target not in transitions[current]:
        with pytest.raises(IllegalTransition, match=f"{noun}当前状态为“{labels[current]}”，"
                                                    f"不能变为“{labels[target]}”"):
            move()
        assert obj.status == current and len(audit_rows(object_type, obj)) == rows
        return
    move()
    entry = audit_rows(object_type, obj)[-1]
    assert obj.status == target and entry.action == action
    assert (entry.before, entry.after) == ({"status": current}, {"status": target})
    assert entry.actor_id == actor.id
