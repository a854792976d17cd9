"""Reference data: administrative regions (GB/T 2260), scenario fields and tags."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db

TAG_KINDS = {"scenario": "应用场景", "technology": "技术"}


class Region(db.Model):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    parent_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("regions.code"), index=True)
    level: Mapped[str] = mapped_column(sa.String(10))

    parent = relationship("Region", remote_side=[code])

    @property
    def prefix(self) -> str:
        """Code prefix shared by this region and everything under it."""
        return {"province": self.code[:2], "city": self.code[:4]}.get(self.level, self.code)

    @property
    def is_placeholder(self) -> bool:
        """A grouping in the code list rather than a place (1101 北京市市辖区, 4290 湖北省省直辖
        县级行政区划): left out of names and pickers, and not a region a listing can have."""
        return self.name in {"市辖区", "县"} or "直辖" in self.name

    @property
    def full_name(self) -> str:
        names, region = [], self
        while region is not None:
            if not region.is_placeholder:
                names.append(region.name)
            region = region.parent
        return "".join(reversed(names))

    def __str__(self):
        return self.full_name


class Field(db.Model):
    """领域: a two-level taxonomy (group → field); listings use second-level fields."""

    __tablename__ = "fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fields.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    parent = relationship("Field", remote_side=[id], back_populates="children")
    children = relationship("Field", back_populates="parent", order_by="Field.position")

    audit_type = "field"

    def __str__(self):
        return self.name


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    audit_type = "tag"

    @property
    def kind_label(self) -> str:
        return TAG_KINDS.get(self.kind, self.kind)

    def __str__(self):
        return self.name


class TaxonomyStamp(db.Model):
    """One row whose ``stamp`` takes a new random value in the transaction of every change
    to regions, fields or tags (taxonomy.cache): each worker process compares it with the
    stamp its cached copies were read under."""

    __tablename__ = "taxonomy_stamp"

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[str] = mapped_column(sa.String(32), default="")
