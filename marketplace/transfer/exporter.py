"""Listings of one kind → rows keyed by column (the same columns the importer reads).

Names rather than ids (organization, field, tags joined with 、, region full name), dates
as dates (the writers format them), the budget as a Decimal (None when negotiable), status
and release title for reference. Contact phones are exported in full: the file is for
platform staff.
"""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS, PUBLIC_STATUSES, STATUSES
from marketplace.transfer.columns import Column, columns_for, file_problem

ALL = "all"


def parse_statuses(text: str | None) -> tuple[str, ...] | None:
    """``None``/empty → published and closed; ``all`` → every status (None); otherwise a
    comma-separated list of status keys. Raises TransferError for an unknown one."""
    if not text:
        return PUBLIC_STATUSES
    names = [name.strip() for name in text.split(",") if name.strip()]
    if ALL in names:
        return None
    unknown = [name for name in names if name not in STATUSES]
    if unknown or not names:
        choices = "、".join((ALL, *STATUSES))
        raise file_problem(f"未知的状态“{'、'.join(unknown)}”，可选：{choices}。")
    return tuple(names)


def export_rows(kind: str, statuses: tuple[str, ...] | None = PUBLIC_STATUSES
                ) -> tuple[list[Column], list[dict]]:
    """The columns of ``kind`` and one row per listing in ``statuses`` (None: all)."""
    model = LISTING_MODELS[kind]
    query = sa.select(model).options(
        joinedload(model.organization), joinedload(model.field), joinedload(model.region),
        joinedload(model.release), selectinload(model.tags)).order_by(model.id)
    if statuses is not None:
        query = query.where(model.status.in_(statuses))
    items = db.session.scalars(query).unique().all()
    return columns_for(kind), [row_values(item) for item in items]


def _status(item) -> str:
    return item.status_label + (f"（{item.outcome}）" if item.outcome else "")


def row_values(item) -> dict:
    values = {
        "ref": item.public_number or "",
        "organization": item.organization.name,
        "field": item.field.name,
        "tags": "、".join(item.tag_names),
        "region": item.region.full_name,
        "status": _status(item),
        "release": item.release.title if item.release else "",
        "contact_consent": "是" if item.contact_consent else "否",
    }
    if item.kind == "opportunity":
        values["deadline"] = item.deadline  # a date cell in .xlsx, ISO text elsewhere
    for column in columns_for(item.kind):
        if column.key not in values:
            values[column.key] = getattr(item, column.key)
    return values
