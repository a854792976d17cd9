"""Changes to reference data: loading from seed files and admin edits of fields and tags."""
import csv
import json
from pathlib import Path

import sqlalchemy as sa

from marketplace import audit
from marketplace.authz import Permission, require
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.taxonomy.models import TAG_KINDS, Field, Region, Tag
from marketplace.taxonomy.queries import field_by_name, get_place, tag_by_name

NAME_MAX = 40


def load_regions(path: Path) -> int:
    """Insert regions from a ``code,name,parent_code,level`` CSV that are not yet present.

    Parents come before children in the file (it is sorted by code). Returns rows added.
    """
    existing = set(db.session.scalars(sa.select(Region.code)))
    added = 0
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["code"] in existing:
                continue
            db.session.add(Region(code=row["code"], name=row["name"],
                                  parent_code=row["parent_code"] or None, level=row["level"]))
            added += 1
    db.session.flush()
    return added


def load_taxonomy(path: Path) -> tuple[int, int]:
    """Insert the fields and tags of a taxonomy JSON file that are missing; returns counts."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    fields_added = tags_added = 0
    for group_pos, group in enumerate(data["fields"]):
        parent = field_by_name(group["name"])
        if parent is None:
            parent = Field(name=group["name"], position=group_pos)
            db.session.add(parent)
            fields_added += 1
        for pos, name in enumerate(group["children"]):
            if field_by_name(name) is None:
                db.session.add(Field(name=name, parent=parent, position=pos))
                fields_added += 1
        db.session.flush()
    for kind, names in data["tags"].items():
        for pos, name in enumerate(names):
            if tag_by_name(name) is None:
                db.session.add(Tag(name=name, kind=kind, position=pos))
                tags_added += 1
    db.session.flush()
    return fields_added, tags_added


def place_code(raw) -> str:
    """A form's region: the code of a place (see ``queries.get_place``), else a
    ValidationError at ``region_code``."""
    region = get_place(raw)
    if region is None:
        raise ValidationError("请选择地区。", field="region_code")
    return region.code


def _clean_name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(f"请填写{what}名称。", field="name")
    if len(name) > NAME_MAX:
        raise ValidationError(f"{what}名称不能超过 {NAME_MAX} 个字。", field="name")
    return name


def create_field(actor, name: str, parent: Field | None) -> Field:
    """Add a field (or a group when ``parent`` is None). Raises ValidationError on a duplicate."""
    require(actor, Permission.TAXONOMY_MANAGE)
    name = _clean_name(name, "领域")
    if field_by_name(name) is not None:
        raise ValidationError("已存在同名领域。", field="name")
    if parent is not None and parent.parent_id is not None:
        raise ValidationError("领域只有两级，请选择一个一级分类。", field="parent")
    siblings = parent.children if parent else []
    field = Field(name=name, parent=parent, position=len(siblings))
    db.session.add(field)
    db.session.flush()
    audit.record(actor, "taxonomy.field_create", field, after={"name": name})
    return field


def create_tag(actor, name: str, kind: str) -> Tag:
    require(actor, Permission.TAXONOMY_MANAGE)
    name = _clean_name(name, "标签")
    if kind not in TAG_KINDS:
        raise ValidationError("请选择标签类型。", field="kind")
    if tag_by_name(name) is not None:
        raise ValidationError("已存在同名标签。", field="name")
    tag = Tag(name=name, kind=kind, position=999)
    db.session.add(tag)
    db.session.flush()
    audit.record(actor, "taxonomy.tag_create", tag, after={"name": name, "kind": kind})
    return tag


def update_term(actor, term: Field | Tag, name: str, is_active: bool) -> None:
    """Rename and/or (de)activate a field or tag. Deactivated terms stay on old listings
    but are no longer offered in forms. Raises ValidationError on a duplicate name."""
    require(actor, Permission.TAXONOMY_MANAGE)
    name = _clean_name(name, "领域" if isinstance(term, Field) else "标签")
    lookup = field_by_name if isinstance(term, Field) else tag_by_name
    other = lookup(name)
    if other is not None and other.id != term.id:
        raise ValidationError("已存在同名条目。", field="name")
    before = {"name": term.name, "is_active": term.is_active}
    term.name, term.is_active = name, bool(is_active)
    db.session.flush()
    audit.record(actor, f"taxonomy.{term.audit_type}_update", term, before=before,
                 after={"name": term.name, "is_active": term.is_active})
