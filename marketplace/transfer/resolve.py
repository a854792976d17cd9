"""Names in a list file → the platform's records: organization, field, tags, region.

Each lookup returns what the services expect (an Organization, a field id, tag ids, a
region code) or raises ValidationError(field=<column key>) with a Chinese message. The
services still check everything they check for a form (active field, tag count, …).
"""
import re

import sqlalchemy as sa

from marketplace.accounts.models import Organization
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.taxonomy.models import Region, Tag
from marketplace.taxonomy.queries import field_by_name, get_region

TAG_SEPARATORS = re.compile(r"[、,，;；|\s]+")
REGION_CODE = re.compile(r"\d{6}")
def _name_keys(region: Region) -> set[str]:
    """Every way to name ``region`` from some level down: 江西省南昌市红谷滩区,
    南昌市红谷滩区, 红谷滩区."""
    full, keys, ancestor = region.full_name, set(), region.parent
    keys.add(full)
    while ancestor is not None:
        prefix = ancestor.full_name
        if full.startswith(prefix) and len(full) > len(prefix):
            keys.add(full[len(prefix):])
        ancestor = ancestor.parent
    return keys


class Lookups:
    """Reference lookups for one import (the region name index is built once)."""

    def __init__(self):
        self._regions: dict[str, list[Region]] | None = None

    @staticmethod
    def organization(name: str) -> Organization:
        if not name:
            raise ValidationError("请填写发布单位。", field="organization")
        organization = db.session.scalar(sa.select(Organization)
                                         .where(Organization.name == name))
        if organization is None:
            raise ValidationError(f"未找到单位“{name}”，请填写平台上已登记单位的全称。",
                                  field="organization")
        return organization

    @staticmethod
    def field_id(name: str) -> int | None:
        if not name:
            return None  # the service says what is missing
        field = field_by_name(name)
        if field is None:
            raise ValidationError(f"未找到领域“{name}”。", field="field")
        if field.parent_id is None:
            raise ValidationError(f"“{name}”是领域分组，请填写其下的具体领域。", field="field")
        return field.id

    @staticmethod
    def tag_ids(text: str) -> list[int]:
        names = [name for name in TAG_SEPARATORS.split(text or "") if name]
        if not names:
            return []
        tags = {tag.name: tag.id for tag in db.session.scalars(
            sa.select(Tag).where(Tag.name.in_(names)))}
        missing = [name for name in dict.fromkeys(names) if name not in tags]
        if missing:
            raise ValidationError(f"未找到标签：{'、'.join(missing)}。", field="tags")
        return sorted({tags[name] for name in names})

    def region_code(self, text: str) -> str:
        text = re.sub(r"\s+", "", text or "")
        if not text:
            raise ValidationError("请填写地区。", field="region")
        if REGION_CODE.fullmatch(text):
            if get_region(text) is None:
                raise ValidationError(f"地区代码“{text}”不存在。", field="region")
            return text
        matches = self._region_index().get(text, [])
        if not matches:
            raise ValidationError(f"未找到地区“{text}”，请填写全称（如 江西省南昌市红谷滩区）"
                                  "或 6 位地区代码。", field="region")
        if len(matches) > 1:
            names = "、".join(f"{r.full_name}（{r.code}）" for r in matches[:5])
            raise ValidationError(f"地区“{text}”不唯一：{names}，请填写全称或地区代码。",
                                  field="region")
        return matches[0].code

    def _region_index(self) -> dict[str, list[Region]]:
        if self._regions is None:
            regions = db.session.scalars(sa.select(Region).order_by(Region.code)).all()
            self._regions = {}
            for region in regions:
                if region.is_placeholder:
                    continue
                for key in _name_keys(region):
                    self._regions.setdefault(key, []).append(region)
        return self._regions
