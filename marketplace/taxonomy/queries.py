"""Reads of reference data for forms, filters and imports."""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.authz import can_in_region
from marketplace.extensions import db
from marketplace.taxonomy.cache import cached
from marketplace.taxonomy.models import TAG_KINDS, Field, Region, Tag


@dataclass(frozen=True)
class FieldView:
    """A field as pickers and filters show it: a copy of a ``Field`` tied to no session,
    kept between requests (taxonomy.cache)."""
    id: int
    name: str
    position: int
    is_active: bool
    children: tuple["FieldView", ...] = ()

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class TagView:
    """A tag as pickers show it: a copy of a ``Tag`` tied to no session (taxonomy.cache)."""
    id: int
    name: str
    kind: str
    position: int
    is_active: bool

    @property
    def kind_label(self) -> str:
        return TAG_KINDS.get(self.kind, self.kind)

    def __str__(self):
        return self.name


def region_path(attribute, loader=joinedload):
    """Loader option: a region with the city and province above it, which ``full_name``
    walks up (loaded with the page's rows, not by the template); ``loader`` says how the
    region itself is loaded (joined by default, ``selectinload``: a query of its own)."""
    return loader(attribute).joinedload(Region.parent).joinedload(Region.parent)


def get_region(code: str | None) -> Region | None:
    return db.session.get(Region, code) if code else None


def get_place(code: str | None) -> Region | None:
    """The region of ``code`` when it is a place (not a grouping such as 1101 市辖区)."""
    region = get_region((code or "").strip())
    return None if region is None or region.is_placeholder else region


def region_choices(root_codes=("360000", "420000")) -> list[tuple[str, str]]:
    """Regions for pickers: the programme's provinces, their cities and districts
    (cached: taxonomy.cache)."""
    return cached(("region_choices", tuple(root_codes)), lambda: _region_choices(root_codes))


def _region_choices(root_codes) -> list[tuple[str, str]]:
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


def field_groups(active_only: bool = True) -> list:
    """The field groups with their ``children``: the active groups as cached
    ``FieldView`` copies (taxonomy.cache); with ``active_only=False`` (the admin's
    taxonomy page, which edits them) every group as ``Field`` rows."""
    if not active_only:
        return _field_rows()
    return cached("field_groups", lambda: [_field_view(g) for g in _field_rows()
                                           if g.is_active])


def _field_rows() -> list[Field]:
    query = (sa.select(Field).where(Field.parent_id.is_(None))
             .options(selectinload(Field.children)).order_by(Field.position))
    return db.session.scalars(query).all()


def _field_view(group: Field) -> FieldView:
    children = tuple(FieldView(f.id, f.name, f.position, f.is_active) for f in group.children)
    return FieldView(group.id, group.name, group.position, group.is_active, children)


def field_choices() -> dict[str, list[tuple[int, str]]]:
    """WTForms 3.3 grouped choices: {group name: [(field id, field name), …]}."""
    return {
        group.name: [(f.id, f.name) for f in group.children if f.is_active]
        for group in field_groups()
    }


def tags(active_only: bool = True) -> list:
    """Tags in picker order: the active ones as cached ``TagView`` copies
    (taxonomy.cache); with ``active_only=False`` every tag as ``Tag`` rows."""
    if not active_only:
        return _tag_rows(active_only)
    return cached("tags", lambda: [TagView(t.id, t.name, t.kind, t.position, t.is_active)
                                   for t in _tag_rows(active_only)])


def _tag_rows(active_only: bool) -> list[Tag]:
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
