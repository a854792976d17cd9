"""The database of benchmarks/search.py (and load.py): reference data, organizations,
releases and N synthetic published listings (benchmarks/synthetic.py) inserted with Core
INSERTs, on SQLite or PostgreSQL."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

import synthetic


@dataclass
class Population:
    """What the benchmark needs afterwards to make more listings like these."""

    generator: synthetic.Generator
    departments: list   # (organization id, region code)
    enterprises: list
    fields: dict        # name → id
    tags: dict


def populate(size: int, seed: int, corpus) -> Population:
    """Reference data, organizations, releases and ``size`` published listings, with
    Core INSERTs (no outbox tasks: the rebuild is what indexes them), in the current
    app's database (migrated first)."""
    from flask import current_app

    from marketplace.accounts.models import Organization
    from marketplace.extensions import db, upgrade_database
    from marketplace.opportunities.models import Opportunity, opportunity_tags
    from marketplace.products.models import Product, product_tags
    from marketplace.releases.models import Release
    from marketplace.seeding.reference import load_reference
    from marketplace.taxonomy.models import Field, Region, Tag

    upgrade_database(current_app)
    load_reference()
    db.session.commit()
    regions = {code: name for code, name in db.session.execute(
        sa.select(Region.code, Region.name).where(Region.code.like("36%")))
        if name not in ("市辖区", "县")}
    generator = synthetic.Generator(corpus, sorted(regions), seed)
    now = datetime(2026, 1, 1)
    departments = [(oid, code) for oid, code in db.session.execute(
        sa.select(Organization.id, Organization.region_code)
        .where(Organization.kind == "department"))]
    taken = set(db.session.scalars(sa.select(Organization.name)))
    next_org = (db.session.scalar(sa.select(sa.func.max(Organization.id))) or 0) + 1
    org_rows = []
    for kind, names in (("department", generator.department_names(regions, 200)),
                        ("enterprise", generator.enterprise_names(regions, 400))):
        for name, code in names:
            if name in taken:
                continue
            org_rows.append({"id": next_org, "name": name, "kind": kind,
                             "region_code": code, "status": "verified",
                             "verified_at": now, "description": ""})
            if kind == "department":
                departments.append((next_org, code))
            next_org += 1
    db.session.execute(sa.insert(Organization.__table__), org_rows)
    enterprises = [(r["id"], r["region_code"]) for r in org_rows if r["kind"] == "enterprise"]
    releases = []
    for year in range(2022, 2027):
        for sequence in range(1, 5):
            day = datetime(year, 3 * sequence, 1)
            releases.append({"id": len(releases) + 1, "year": year, "sequence": sequence,
                             "title": f"{year}年第{sequence}批应用场景清单",
                             "status": "published", "published_at": day,
                             "published_on": day.date()})
    db.session.execute(sa.insert(Release.__table__), releases)
    fields = dict(db.session.execute(sa.select(Field.name, Field.id)).all())
    tags = dict(db.session.execute(sa.select(Tag.name, Tag.id)).all())
    rows = {"opportunity": [], "product": []}
    tag_rows = {"opportunity": [], "product": []}
    counters: dict[tuple, int] = {}
    for number in range(size):
        kind = "opportunity" if number % 2 == 0 else "product"
        orgs = departments if kind == "opportunity" else enterprises
        item = generator.listing(kind, len(orgs))
        org_id, region = orgs[item.organization]
        year = item.published_at.year
        sequence = min(4, (item.published_at.month - 1) // 3 + 1)
        release_id = (year - 2022) * 4 + sequence
        batch = (kind, year, sequence)
        counters[batch] = counters.get(batch, 0) + 1
        prefix = "JH" if kind == "opportunity" else "CP"
        item_id = len(rows[kind]) + 1
        row = {"id": item_id, "title": item.title, "summary": item.summary,
               "description": item.description, "status": "published",
               "public_number": f"{prefix}-{year}-{sequence:02d}-{counters[batch]:05d}",
               "organization_id": org_id, "field_id": fields[item.field],
               "region_code": region, "release_id": release_id,
               "published_at": item.published_at, "created_at": item.published_at,
               "updated_at": item.published_at, "submitted_at": item.published_at,
               "contact_name": "王先生", "contact_phone": "0791-86000000"}
        if kind == "opportunity":
            row.update(deadline=item.deadline, budget_wan=item.budget_wan,
                       timeline=item.timeline, cooperation_mode=item.cooperation_mode)
        else:
            row.update(scenarios=item.scenarios, maturity=item.maturity, cases=item.cases)
        rows[kind].append(row)
        column = "opportunity_id" if kind == "opportunity" else "product_id"
        tag_rows[kind] += [{column: item_id, "tag_id": tags[t]} for t in item.tags if t in tags]
    for kind, model, link in (("opportunity", Opportunity, opportunity_tags),
                               ("product", Product, product_tags)):
        for start in range(0, len(rows[kind]), 5000):
            db.session.execute(sa.insert(model.__table__), rows[kind][start:start + 5000])
        for start in range(0, len(tag_rows[kind]), 20000):
            db.session.execute(sa.insert(link), tag_rows[kind][start:start + 20000])
    if db.engine.dialect.name == "postgresql":
        for table in ("organizations", "releases", "opportunities", "products"):
            db.session.execute(sa.text(  # explicit ids were inserted: move the sequences on
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"))
    db.session.commit()
    return Population(generator, departments, enterprises, fields, tags)

