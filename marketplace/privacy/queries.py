"""What the platform holds about one person, gathered for their own download. Reads only."""
import sqlalchemy as sa

from marketplace.audit import AuditLog, jsonable
from marketplace.events.models import Registration
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.notifications.models import EmailMessage, Notification
from marketplace.proposals.models import Question

AUDIT_ROWS_MAX = 5000  # the newest; older records are in the audit log, read by auditors


def _rows(records, **columns) -> list[dict]:
    """``columns`` maps a Chinese heading to a function of one record."""
    return [{heading: jsonable(value(record)) for heading, value in columns.items()}
            for record in records]


def _account(user) -> dict:
    return {
        "姓名": user.name, "电子邮箱": user.email, "手机号码": user.phone,
        "角色": user.role_label,
        "所属单位": user.organization.name if user.organization else "",
        "注册时间": jsonable(user.created_at), "最近登录": jsonable(user.last_login_at),
        "密码修改时间": jsonable(user.password_changed_at),
    }


def _listings(user) -> list[dict]:
    """Listings the person created or is the contact of, in their organization."""
    rows = []
    for model in LISTING_MODELS.values():
        mine = model.created_by_id == user.id
        if user.phone and user.organization_id:
            mine = mine | ((model.organization_id == user.organization_id)
                           & (model.contact_phone == user.phone))
        rows += _rows(db.session.scalars(sa.select(model).where(mine).order_by(model.id)),
                      类型=lambda i: i.kind_label, 标题=lambda i: i.title,
                      状态=lambda i: i.status_label, 联系人=lambda i: i.contact_name,
                      联系电话=lambda i: i.contact_phone,
                      同意公开=lambda i: "是" if i.contact_consent else "否")
    return rows


def _questions(user) -> list[dict]:
    return _rows(db.session.scalars(sa.select(Question).filter_by(asked_by_id=user.id)
                                    .order_by(Question.id)),
                 机会=lambda q: q.opportunity.title, 提问=lambda q: q.text,
                 提问时间=lambda q: q.created_at, 答复=lambda q: q.answer)


def _registrations(user) -> list[dict]:
    return _rows(db.session.scalars(sa.select(Registration).filter_by(
        registered_by_id=user.id).order_by(Registration.id)),
        活动=lambda r: r.event.title, 状态=lambda r: r.status_label,
        报名时间=lambda r: r.created_at)


def _notifications(user) -> list[dict]:
    return _rows(db.session.scalars(sa.select(Notification).filter_by(user_id=user.id)
                                    .order_by(Notification.id)),
                 标题=lambda n: n.title, 时间=lambda n: n.created_at,
                 已读=lambda n: n.read_at is not None)


def _emails(user) -> list[dict]:
    return _rows(db.session.scalars(sa.select(EmailMessage).filter_by(user_id=user.id)
                                    .order_by(EmailMessage.id)),
                 收件地址=lambda m: m.to_address, 主题=lambda m: m.subject,
                 生成时间=lambda m: m.created_at, 发送时间=lambda m: m.sent_at)


def _activity(user) -> list[dict]:
    return _rows(db.session.scalars(sa.select(AuditLog).filter_by(actor_id=user.id)
                                    .order_by(AuditLog.id.desc()).limit(AUDIT_ROWS_MAX)),
                 时间=lambda a: a.created_at, 操作=lambda a: a.action,
                 说明=lambda a: a.summary, 来源地址=lambda a: a.ip_address)


def personal_data(user) -> dict:
    """Everything about ``user`` by section, with Chinese headings, JSON-safe."""
    return {
        "账户": _account(user), "发布或联系的清单": _listings(user),
        "提出的问题": _questions(user), "活动报名": _registrations(user),
        "站内通知": _notifications(user), "邮件": _emails(user),
        "操作记录（最近 5000 条）": _activity(user),
    }


def row_count(data: dict) -> int:
    return 1 + sum(len(section) for section in data.values() if isinstance(section, list))
