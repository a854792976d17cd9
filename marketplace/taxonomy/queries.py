"""Reads of reference data for forms, filters and imports."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.authz import can_in_region
from marketplace.extensions import db
from marketplace.taxonomy.models import Field, Region, Tag


def region_path(attribute):
    """Loader option: a region with the city and province above it, which ``full_name``
    walks up (loaded with the page's rows, not by the template)."""
    return joinedload(attribute).joinedload(Region.parent).joinedload(Region.parent)


def get_region(code: str | None) -> Region | None:
    return db.session.get(Region, code) if code else None


def get_place(code: str | None) -> Region | None:
    """The region of ``code`` when it is a place (not a grouping such as 1101 市辖区)."""
    region = get_region((code or "").strip())
    return None if region is None or region.is_placeholder else region


def region_choices(root_codes=("360000", "420000")) -> list[tuple[str, str]]:
    """Regions for pickers: the programme's provinces, their cities and districts."""
    prefixes = [code[:2] for code in root_codes]
    rows = db.session.scalars(
        sa.select(Region)
        .where(sa.or_(*[Region.code.startswith(p) for p in prefixes]))
        .order_by(Region.code)
    ).all()
    indent = {"province": "", "city": "　", "district": "　　"}
    return [(r.code, f"{indent[r.level]}{r.name}") for r in rows if not r.is_placeholder]


def regions_for(user, permission) -> list[tuple[str, str]]:
    """``region_choices`` the user may act in with ``permission`` (a region administrator:
    its subtree)."""
    return [(code, label) for code, label in region_choices()
            if can_in_region(user, permission, code)]


def region_code_filter(column, code: str | None):
    """A WHERE clause matching ``code`` and every region below it, or None."""
    region = get_region(code)
    if region is None:
        return None
    return column.startswith(region.prefix)


def field_groups(active_only: bool = True) -> list[Field]:
    query = (sa.select(Field).where(Field.parent_id.is_(None))
             .options(selectinload(Field.children)).order_by(Field.position))
    groups = db.session.scalars(query).all()
    if active_only:
        groups = [g for g in groups if g.is_active]
    return groups


def field_choices() -> dict[str, list[tuple[int, str]]]:
    """WTForms 3.3 grouped choices: {group name: [(field id, field name), …]}."""
    return {
        group.name: [(f.id, f.name) for f in group.children if f.is_active]
        for group in field_groups()
    }


def tags(active_only: bool = True) -> list[Tag]:
    query = sa.select(Tag).order_by(Tag.kind, Tag.position, Tag.id)
    if active_only:
        query = query.where(Tag.is_active.is_(True))
    return db.session.scalars(query).all()


def tag_choices() -> dict[str, list[tuple[int, str]]]:
    grouped: dict[str, list[tuple[int, str]]] = {}
    for tag in tags():
        grouped.setdefault(tag.kind_label, []).append((tag.id, tag.name))
    return grouped


def field_by_name(name: str) -> Field | None:
    return db.session.scalar(sa.select(Field).where(Field.name == name))


def tag_by_name(name: str) -> Tag | None:
    return db.session.scalar(sa.select(Tag).where(Tag.name == name))
