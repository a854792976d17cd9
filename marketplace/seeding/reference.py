"""`flask seed reference`: regions, taxonomy, departments named in the plans, 十百千 targets.

Idempotent: running it again adds only what is missing.
"""
import json

import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Organization
from marketplace.demonstrations.reference import load_targets
from marketplace.extensions import db
from marketplace.search.services import load_default_language
from marketplace.seeding import SEED_DIR
from marketplace.taxonomy.services import load_regions, load_taxonomy


def document_titles(path) -> dict[str, str]:
    """The seed documents' titles by their key ("seed 000" → 《…行动方案》): rows name
    the document they come from by key, pages name it by title."""
    return json.loads(path.read_text(encoding="utf-8"))


def load_departments(path, titles: dict[str, str]) -> int:
    """Departments named in the seed documents exist as verified organizations (no users:
    their staff register or are added by an organization admin); each says which
    document named it."""
    added = 0
    for row in json.loads(path.read_text(encoding="utf-8")):
        if db.session.scalar(sa.select(Organization.id).where(Organization.name == row["name"])):
            continue
        accounts.add_reference_department({**row, "source": titles[row["source"]]})
        added += 1
    return added


def load_reference() -> dict[str, int]:
    ref = SEED_DIR / "reference"
    counts = {"regions": load_regions(SEED_DIR / "regions.csv")}
    counts["fields"], counts["tags"] = load_taxonomy(ref / "taxonomy.json")
    counts["departments"] = load_departments(ref / "organizations.json",
                                             document_titles(ref / "documents.json"))
    counts["targets"], counts["indicators"] = load_targets(ref / "targets.json")
    counts["language"] = load_default_language(SEED_DIR / "search")
    return counts
