"""What the index knows about a listing: a plain document, built from a row or a file.

Matching and evaluation work on ``Doc`` so the same engine runs on the database and on
the labelled evaluation set. Contact details are never part of a document.
"""
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime

# Field weights for retrieval and for the evidence ("which fields matched").
FIELD_WEIGHTS = {"title": 3.0, "tags": 2.5, "field": 1.5, "summary": 1.5, "body": 1.0,
                 "cases": 1.0}
FIELD_LABELS = {"title": "标题", "tags": "标签", "field": "领域", "summary": "摘要",
                "body": "描述", "cases": "案例"}


@dataclass
class Doc:
    key: str                  # "opportunity:12" (database) or a file ref ("Q01")
    kind: str                 # opportunity | product
    title: str
    summary: str = ""
    description: str = ""
    field: str = ""           # field name (领域)
    field_group: str = ""     # its group (数字治理 …)
    tags: list[str] = dataclass_field(default_factory=list)
    region: str = ""          # GB/T 2260 code
    maturity: str = ""
    scenarios: str = ""
    cases: str = ""
    extra: str = ""           # timeline, cooperation mode: searchable, low weight
    organization: str = ""
    release: str = ""         # release id, for the facet
    published: datetime | None = None
    deadline: date | None = None
    ref: str = ""             # public number, or the file ref

    def texts(self) -> dict[str, str]:
        """The text of each weighted field."""
        return {
            "title": self.title,
            "tags": " ".join(self.tags),
            "field": f"{self.field} {self.field_group}",
            "summary": self.summary,
            "body": " ".join(t for t in (self.description, self.scenarios, self.extra) if t),
            "cases": self.cases,
        }


def region_path(code: str) -> list[str]:
    """36, 3601, 360113: every prefix a region filter may ask for."""
    if not code:
        return []
    path = [code[:2]]
    if code[2:4] != "00":
        path.append(code[:4])
    if code[4:] != "00":
        path.append(code)
    return path


def doc_from_listing(item) -> Doc:
    """The document of an opportunity or product row."""
    extra = ""
    if item.kind == "opportunity":
        extra = " ".join(t for t in (item.timeline, item.cooperation_mode) if t)
    return Doc(
        key=f"{item.kind}:{item.id}", kind=item.kind, title=item.title, summary=item.summary,
        description=item.description, field=item.field.name,
        field_group=item.field.parent.name if item.field.parent else "",
        tags=item.tag_names, region=item.region_code,
        maturity=getattr(item, "maturity", ""), scenarios=getattr(item, "scenarios", ""),
        cases=getattr(item, "cases", ""), extra=extra, organization=item.organization.name,
        release=str(item.release_id or ""), published=item.published_at,
        deadline=getattr(item, "deadline", None), ref=item.public_number or "")
