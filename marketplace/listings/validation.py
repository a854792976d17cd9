"""Cleaning of listing input shared by opportunities and products.

Checks run through an ``errors.Collector`` so that a form reports every problem at once;
each check returns the value it vouches for or raises ValidationError(field=…) in Chinese.
Checks that other features share (text, choices, amounts) are in ``marketplace.validators``.
"""
import sqlalchemy as sa

from marketplace.errors import Collector, ValidationError
from marketplace.extensions import db
from marketplace.taxonomy.models import Field, Tag
from marketplace.taxonomy.services import place_code
from marketplace.text import normalise_phone, phone_problem
from marketplace.validators import as_id, text

MAX_TAGS = 8


def _as_int(value, name: str, message: str) -> int:
    number = as_id(value)
    if number is None:
        raise ValidationError(message, field=name)
    return number


def _field_id(raw) -> int:
    field_id = _as_int(raw, "field_id", "请选择领域。")
    field = db.session.get(Field, field_id)
    if field is None or field.parent_id is None or not field.is_active:
        raise ValidationError("请选择领域。", field="field_id")
    return field_id


def _tag_ids(raw) -> list[int]:
    tag_ids = sorted({_as_int(t, "tag_ids", "标签选择有误。") for t in raw or []})
    if len(tag_ids) > MAX_TAGS:
        raise ValidationError(f"标签最多选择 {MAX_TAGS} 个。", field="tag_ids")
    if tag_ids:
        found = db.session.scalar(sa.select(sa.func.count(Tag.id)).where(
            Tag.id.in_(tag_ids), Tag.is_active.is_(True)))
        if found != len(tag_ids):
            raise ValidationError("标签选择有误，请重新选择。", field="tag_ids")
    return tag_ids


def _phone(raw) -> str:
    phone = normalise_phone(raw)
    if not phone:
        raise ValidationError("请填写联系电话。", field="contact_phone")
    problem = phone_problem(phone)
    if problem:
        raise ValidationError(problem, field="contact_phone")
    return phone


_YES = {"y", "on", "1", "true", "是"}
_NO = {"", "0", "false", "否"}


def _consent(raw) -> bool:
    """The contact's consent to be shown: a ticked box, or 是/否 in an imported file."""
    if isinstance(raw, bool) or raw is None:
        return bool(raw)
    value = str(raw).strip().lower()
    if value in _YES | _NO:
        return value in _YES
    raise ValidationError("请填写“是”或“否”。", field="contact_consent")


def clean_common(checks: Collector, data: dict, *, title_label: str) -> None:
    checks.run("title", text, data, "title", title_label, 100)
    checks.run("summary", text, data, "summary", "摘要", 300)
    checks.run("description", text, data, "description", "详细描述", 10000)
    checks.run("field_id", _field_id, data.get("field_id"))
    checks.run("tag_ids", _tag_ids, data.get("tag_ids"))
    checks.run("region_code", place_code, data.get("region_code"))
    checks.run("contact_name", text, data, "contact_name", "联系人", 50)
    checks.run("contact_phone", _phone, data.get("contact_phone"))
    checks.run("contact_consent", _consent, data.get("contact_consent"))
